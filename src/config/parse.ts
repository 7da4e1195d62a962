// Parsers for the values people type in flags and the environment: rates, durations,
// positive integers. Each throws a ConfigError naming the flag and showing a good value.
import { ConfigError } from '../errors.js';

/** `10/s`, `600/m`, `2.5/s` or a bare number (per second) → requests per second. */
export function parseRate(text: string, flag = '--rate'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(s|sec|second|m|min|minute|h|hour))?\s*$/i.exec(text);
  const n = m ? Number(m[1]) : NaN;
  if (!m || !(n > 0)) throw new ConfigError(`${flag}: "${text}" is not a rate; use for example 10/s or 600/m`);
  const unit = (m[2] ?? 's').toLowerCase()[0];
  return unit === 'h' ? n / 3600 : unit === 'm' ? n / 60 : n;
}

/** `--rate`'s value: `auto` (find the limit; GENUIN_RATE=auto too), or a rate as parseRate reads it. */
export function parseRateSetting(text: string, flag = '--rate'): number | 'auto' {
  if (/^\s*auto\s*$/i.test(text)) return 'auto';
  try {
    return parseRate(text, flag);
  } catch {
    throw new ConfigError(`${flag}: "${text}" is not a rate; use auto, or for example 10/s or 600/m`);
  }
}

/** `30s`, `500ms`, `30m`, `2h`, or a bare number of seconds → milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(text);
  const n = m ? Number(m[1]) : NaN;
  if (!m || !(n > 0)) throw new ConfigError(`${flag}: "${text}" is not a duration; use for example 30s, 500ms, 30m or 2h`);
  const unit = (m[2] ?? 's').toLowerCase();
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000;
  return n * factor;
}

export function parseCount(text: string, flag: string, { min = 0, max = 1_000_000 } = {}): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || n < min || n > max) {
    throw new ConfigError(`${flag}: "${text}" must be a whole number from ${min} to ${max}`);
  }
  return n;
}
