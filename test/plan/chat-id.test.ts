import { describe, expect, it } from 'vitest';
import { deriveChatId, uuidV5 } from '../../src/plan/chat-id.js';

describe('chat_id derivation', () => {
  it('is RFC 9562 UUID v5 (the published DNS-namespace example)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('gives the same id for the same group on every call, and different ids otherwise', () => {
    const a = deriveChatId('f2a05adb-93ce-4a19-b003-3523fa745667', 'Tech Conversations');
    expect(deriveChatId('f2a05adb-93ce-4a19-b003-3523fa745667', 'Tech Conversations')).toBe(a);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deriveChatId('f2a05adb-93ce-4a19-b003-3523fa745668', 'Tech Conversations')).not.toBe(a);
    expect(deriveChatId('f2a05adb-93ce-4a19-b003-3523fa745667', 'Tech Conversations ')).not.toBe(a);
  });

  it('keeps the pinned namespace: derived ids of existing ledgers stay valid', () => {
    expect(deriveChatId('c-1', 'g')).toBe(deriveChatId('c-1', 'g'));
    expect(deriveChatId('c-1', 'g')).toMatchInlineSnapshot(`"892b1aba-6e14-5154-9e8e-42bf71b8d3ce"`);
  });
});
