// The logger's last line of defence: even if some code logs a got error or a headers object by
// mistake, at any level, the token is censored. (The runs in secrets.test.ts show no code does.)
import { describe, expect, it } from 'vitest';

import { createLogger } from '../../src/log.js';

const TOKEN = 'gn-SECRET-redact-2b5e8a1d4c7f';

function capture(level: string) {
  const lines: string[] = [];
  const logger = createLogger({ level, pretty: false, write: (line) => lines.push(line) });
  return { logger, text: () => lines.join('') };
}

describe('log redaction', () => {
  it.each(['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const)('at %s, every path that could hold the token is censored', (level) => {
    const { logger, text } = capture('trace');
    const gotLikeError = { name: 'RequestError', message: 'socket hang up', options: { headers: { authorization: `Bearer ${TOKEN}` } } };
    logger[level]({ token: TOKEN, authorization: `Bearer ${TOKEN}`, headers: { authorization: `Bearer ${TOKEN}` }, err: gotLikeError }, 'a mistake');
    logger[level]({ request: { authorization: `Bearer ${TOKEN}` }, response: { headers: { authorization: TOKEN } } }, 'nested');
    logger.child({ token: TOKEN }).info('child binding');
    const out = text();
    expect(out).toContain('[redacted]');
    expect(out).toContain('a mistake');
    expect(out).not.toContain(TOKEN);
  });
});
