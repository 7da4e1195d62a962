// A 429 pause is told once, with its length and the rate after it (issue 11), and a long
// Retry-After with the time it ends (issue 10, point 9). The pacer on a fake clock decides
// when a pause starts; request-log turns it into one info line.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { Pacer, type PauseEvent } from '../../src/run/pacer.js';
import { formatWait, logPause } from '../../src/cli/request-log.js';

function pacerWithClock() {
  let t = 1_000;
  const pauses: PauseEvent[] = [];
  const pacer = new Pacer({ rate: 10, now: () => t, sleep: async (ms) => void (t += ms), onPause: (p) => pauses.push(p) });
  return { pacer, pauses, advance: (ms: number) => void (t += ms) };
}

describe('the pacer tells each pause once', () => {
  it('a long Retry-After: one event with its length and the halved rate', () => {
    const { pacer, pauses } = pacerWithClock();
    pacer.throttled(90_000);
    expect(pauses).toEqual([{ pauseMs: 90_000, retryAfterMs: 90_000, rate: 5 }]);
  });

  it('the 429s answering requests sent before the pause say nothing new', () => {
    const { pacer, pauses, advance } = pacerWithClock();
    pacer.throttled(2_000);
    for (let i = 0; i < 7; i++) {
      advance(10);
      pacer.throttled(2_000);
    }
    expect(pauses).toHaveLength(1);
  });

  it('a later 429 that lengthens the pause by a minute or more is told again', () => {
    const { pacer, pauses, advance } = pacerWithClock();
    pacer.throttled(1_000);
    advance(100);
    pacer.throttled(150_000);
    expect(pauses.map((p) => p.pauseMs)).toEqual([1_000, 150_000]);
  });

  it('a 429 after the pause ended starts a new one (one gap at the new rate without Retry-After)', () => {
    const { pacer, pauses, advance } = pacerWithClock();
    pacer.throttled(1_000);
    advance(1_500);
    pacer.ok();
    pacer.throttled();
    expect(pauses).toHaveLength(2);
    expect(pauses[1]).toEqual({ pauseMs: 1000 / 2.5, retryAfterMs: undefined, rate: 2.5 });
  });
});

describe('request-log writes one info line per pause', () => {
  function capture() {
    const lines: Array<Record<string, unknown>> = [];
    const log = createLogger({ level: 'info', pretty: false, write: (line) => void lines.push(JSON.parse(line)) });
    return { log, lines };
  }

  it('a Retry-After over a minute: how long, until when (local time), then what rate', () => {
    const { log, lines } = capture();
    const now = new Date(2026, 0, 2, 13, 59, 40).getTime();
    logPause(log, { pauseMs: 150_000, retryAfterMs: 150_000, rate: 2.5 }, now);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, pause_ms: 150_000, retry_after_ms: 150_000, rate: 2.5, until: new Date(now + 150_000).toISOString() });
    expect(lines[0].msg).toBe('server asked to wait 2m30s (Retry-After); pausing all requests until 14:02:10, then at most 2.5/s');
  });

  it('a short pause: its length and the new rate, at info too', () => {
    const { log, lines } = capture();
    logPause(log, { pauseMs: 1_000, retryAfterMs: 1_000, rate: 0.5 });
    expect(lines[0]).toMatchObject({ level: 30, pause_ms: 1_000, rate: 0.5 });
    expect(lines[0].msg).toBe('rate limited by the API (HTTP 429): pausing all requests for 1.0s, then at most 30/m');
  });

  it('formats waits for people', () => {
    expect([formatWait(400), formatWait(59_900), formatWait(90_000), formatWait(3_600_000 + 5 * 60_000)]).toEqual(['0.4s', '59.9s', '1m30s', '1h05m']);
  });
});
