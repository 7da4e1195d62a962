// Shared by the ledger tests: a fresh temp directory per test, and event builders.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LedgerEvent } from '../../src/ledger/event.js';

/** A path for a ledger in a fresh temp directory (under the test run's scratch root). */
export async function tempLedger(name = 'ledger.jsonl'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'genuin-ledger-'));
  return join(dir, name);
}

let clock = Date.UTC(2026, 10, 1);

export function ev(fields: Partial<LedgerEvent> & Pick<LedgerEvent, 'event' | 'key'>): LedgerEvent {
  return { at: new Date((clock += 1000)).toISOString(), run: 'run-1', kind: 'community', ...fields };
}

export function lines(...events: LedgerEvent[]): string {
  return events.map((e) => JSON.stringify(e) + '\n').join('');
}
