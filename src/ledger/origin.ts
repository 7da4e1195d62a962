// The API a ledger belongs to (its origin). Its ids are true on that API only: a run against
// another API must refuse the ledger, or "already done" would skip items that exist nowhere.
import { LedgerError } from '../errors.js';
import { LEDGER_FORMAT, type LedgerOrigin } from './event.js';
import type { LedgerState } from './replay.js';

/** The origin of runs against the built-in simulator (`--simulate`): its ids are fake. */
export const SIMULATOR_ORIGIN = 'simulator';

/**
 * The origin of an API base URL: scheme and host lowercased, the default port dropped, the path
 * without its trailing slash; never credentials, query or fragment. So `HTTPS://Api.X.com:443/v1/`
 * and `https://api.x.com/v1` are one API; the token never takes part (a rotated token is the same API).
 */
export function apiOrigin(url: string): string {
  if (url === SIMULATOR_ORIGIN) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.trim(); // checkApiUrl refuses such a URL before any run; keep a readable name anyway
  }
  // WHATWG URL already lowercases scheme and host and drops the scheme's default port.
  return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`;
}

/** What a run must do about the ledger's origin before it sends anything. */
export type OriginStep =
  /** The ledger already belongs to this API. */
  | { action: 'none' }
  /** A new (empty) ledger: its first line names the API. */
  | { action: 'record'; line: LedgerOrigin }
  /** A ledger written before origins were recorded: it now belongs to this API (tell the person). */
  | { action: 'adopt'; line: LedgerOrigin; notice: string };

/**
 * Checks the ledger at `path` (replayed as `state`) against the run's `origin`. Throws a
 * LedgerError (exit 3) when it belongs to another API; otherwise says what to append.
 */
export function checkOrigin(path: string, state: LedgerState, origin: string, now: Date = new Date()): OriginStep {
  const line: LedgerOrigin = { at: now.toISOString(), event: 'ledger', api: origin, format: LEDGER_FORMAT };
  if (state.api === undefined) {
    const empty = state.lines === 0 && state.torn.length === 0 && state.observed === undefined && state.rateObserved === undefined && state.profileObserved === undefined;
    if (empty) return { action: 'record', line };
    return { action: 'adopt', line, notice: `ledger ${path} had no API recorded; it now belongs to ${origin}` };
  }
  if (state.api === origin) return { action: 'none' };
  throw new LedgerError(
    `ledger ${path} belongs to API ${state.api}, but this run is against ${origin}; nothing was sent: use one ledger per environment (--ledger or GENUIN_LEDGER)`,
  );
}

/**
 * The `ledger` line that raises a ledger's format to `format` before a line only that format
 * has (a chat_id profile): an older genuin-provision then says "upgrade" instead of "corrupt".
 * Empty when the ledger is at that format already, or names no API yet.
 */
export function formatLines(state: LedgerState, format: number, now: Date = new Date()): LedgerOrigin[] {
  const origin = state.origin;
  if (origin === undefined || origin.format >= format) return [];
  return [{ at: now.toISOString(), event: 'ledger', api: origin.api, format }];
}
