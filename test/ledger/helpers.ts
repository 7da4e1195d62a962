// Shared by the ledger tests: a fresh temp directory per test, and event builders.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { LedgerEvent } from '../../src/ledger/event.js';

const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A path for a ledger in a fresh temp directory, removed after the test. */
export async function tempLedger(name = 'ledger.jsonl'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'genuin-ledger-'));
  dirs.push(dir);
  return join(dir, name);
}

let clock = Date.UTC(2026, 10, 1);

export function ev(fields: Partial<LedgerEvent> & Pick<LedgerEvent, 'event' | 'key'>): LedgerEvent {
  return { at: new Date((clock += 1000)).toISOString(), run: 'run-1', kind: 'community', ...fields };
}

export function lines(...events: LedgerEvent[]): string {
  return events.map((e) => JSON.stringify(e) + '\n').join('');
}
