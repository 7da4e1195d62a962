// Log lines: the token is censored wherever some code puts it, and phone numbers quoted in
// free text (a server's error message) are masked, while ids and keys are left alone.
import { describe, expect, it } from 'vitest';
import { createLogger, maskPhones } from '../../src/log.js';

function capture(pretty = false) {
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', pretty, write: (l) => lines.push(l) });
  return { log, lines };
}

describe('maskPhones', () => {
  it.each([
    ['member +919876543210 is not registered', 'member +91•••••••210 is not registered'],
    ['phones 14155550123, 5550123', 'phones 14••••••123, 55••123'],
    ['id abcd1234-5678-90ef-1112-234567890111 stays', 'id abcd1234-5678-90ef-1112-234567890111 stays'],
    ['key city/123456789012x and v2024051 stay', 'key city/123456789012x and v2024051 stay'],
    ['HTTP 500 code 5026', 'HTTP 500 code 5026'],
  ])('%s', (text, masked) => {
    expect(maskPhones(text)).toBe(masked);
  });
});

describe('createLogger', () => {
  it('masks phones in message, reason and error fields; censors token and authorization', () => {
    const { log, lines } = capture();
    log.warn({ kind: 'group', key: 'c/g', message: 'member 919876543210 unknown', token: 'secret-1', headers: { authorization: 'Bearer secret-2' } }, 'failed');
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ kind: 'group', key: 'c/g', message: 'member 91•••••••210 unknown', token: '[redacted]', msg: 'failed' });
    expect(lines[0]).not.toMatch(/secret|919876543210/);
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('pretty lines are single, synchronous lines', () => {
    const { log, lines } = capture(true);
    log.info({ run: 'r1', kind: 'community', key: 'k' }, 'created');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.trimEnd().split('\n')).toHaveLength(1);
    expect(lines[0]).toMatch(/INFO.*created.*"key":"k"/);
  });
});
