// The base URL a wrong GENUIN_API_URL most likely meant: the stop message suggests it.
import { describe, expect, it } from 'vitest';
import { suggestApiBase } from '../../src/config/api-target.js';

describe('suggestApiBase', () => {
  it.each([
    ['https://api.begenuin.com/api/thirdparty', 'https://api.begenuin.com'],
    ['https://api.begenuin.com/api/thirdparty/', 'https://api.begenuin.com'],
    ['https://api.begenuin.com/API/ThirdParty/community/create', 'https://api.begenuin.com'],
    ['https://gw.example.com:8443/genuin/api/thirdparty', 'https://gw.example.com:8443/genuin'],
    ['http://127.0.0.1:4010/api/thirdparty', 'http://127.0.0.1:4010'],
    ['https://api.begenuin.com', undefined],
    ['https://api.begenuin.com/v2', undefined],
    ['not a url', undefined],
  ])('%s -> %s', (url, base) => {
    expect(suggestApiBase(url)).toBe(base);
  });
});
