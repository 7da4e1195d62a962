// Shared by the chaos checks: manifests of many items, the truth on the simulator set against
// the ledger, the person's runbook carried out by code, and the figures each check prints.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { readLedger, type LedgerState } from '../../src/ledger/replay.js';
import type { Simulator, StateSnapshot } from '../../src/simulator/index.js';
import { runCli, type CliOptions, type CliResult } from '../helpers/cli.js';

export const TOKEN = 'chaos-token-0b7d41';

export interface Fleet {
  /** The manifest file. */
  path: string;
  handles: string[];
  /** Every group: its ledger key, its parent's handle, and its (globally unique) name. */
  groups: Array<{ key: string; handle: string; name: string }>;
  items: number;
}

/** Communities `${prefix}0..n-1`, each with `groupsEach` groups named `${handle}.g${j}`. */
export function writeFleet(dir: string, communities: number, groupsEach: number, prefix = 'c'): Fleet {
  const lines = ['version: 1', 'defaults:', '  community: { type: 1, actions: [{ action_id: 3, access_type_id: 5 }] }', '  group: { type: 4 }', 'communities:'];
  const handles: string[] = [];
  const groups: Fleet['groups'] = [];
  for (let i = 0; i < communities; i++) {
    const handle = `${prefix}${i}`;
    handles.push(handle);
    lines.push(`  - handle: ${handle}`, `    name: Community ${i}`, '    groups:');
    for (let j = 0; j < groupsEach; j++) {
      const name = `${handle}.g${j}`;
      groups.push({ key: `${handle}/${name}`, handle, name });
      lines.push(`      - group: { name: ${name} }`);
    }
  }
  const path = join(dir, 'fleet.yaml');
  writeFileSync(path, lines.join('\n') + '\n');
  return { path, handles, groups, items: handles.length + groups.length };
}

export function applyCli(sim: Simulator, dir: string, ledger: string, args: string[], options: CliOptions = {}): Promise<CliResult> {
  return runCli(['apply', ...args, '--ledger', ledger], {
    cwd: dir,
    timeoutMs: 90_000,
    ...options,
    env: { GENUIN_API_URL: sim.url, GENUIN_ACCESS_TOKEN: TOKEN, ...options.env },
  });
}

/** What a run's `--json` summary says needs a person, as `status kind key` strings. */
export function summaryUnresolved(result: CliResult): string[] {
  const summary = JSON.parse(result.stdout) as { unresolved: Array<{ status: string; kind: string; key: string }> };
  return summary.unresolved.map((u) => `${u.status} ${u.kind} ${u.key}`).sort();
}

export interface Reconciled {
  /** Communities the ledger calls `exists` (id unknown). */
  exists: string[];
  /** Groups the ledger calls `in_doubt`, or whose last line is an unanswered attempt. */
  inDoubt: string[];
  /** Items whose last line is an unanswered attempt. */
  inFlight: string[];
}

/**
 * The checks every chaos run ends with, against what the simulator holds: nothing created twice,
 * and every item the server holds is in the ledger with its own id, or flagged for a person.
 */
export async function reconcile(sim: Simulator, ledgerPath: string): Promise<Reconciled & { state: LedgerState; held: StateSnapshot }> {
  const held = sim.state.snapshot();
  expect(held.duplicates).toEqual([]);
  expect(new Set(held.communities.map((c) => c.handle)).size).toBe(held.communities.length);
  const state = await readLedger(ledgerPath);
  const handleOf = new Map(held.communities.map((c) => [c.community_id, c.handle]));
  for (const c of held.communities) {
    const s = state.get('community', c.handle);
    if (s?.status === 'created' || s?.status === 'adopted') expect(s.community_id, c.handle).toBe(c.community_id);
    // In doubt: a second signal cut its answer (the next run sends it again and learns it exists).
    else if (!s?.inFlight) expect(['exists', 'in_doubt'], `community ${c.handle} is on the server: its id must be in the ledger or it must be flagged`).toContain(s?.status);
  }
  for (const g of held.groups) {
    const name = (g.body.group as { name: string }).name;
    const key = `${handleOf.get(g.community_id)}/${name}`;
    const s = state.get('group', key);
    if (s?.status === 'created' && !s.inFlight) {
      expect(s.chat_id, key).toBe(g.chat_id);
      // A person's `ledger resolve --created <chat_id>` records the group's identifier only.
      if (s.group_id !== undefined) expect(s.group_id, key).toBe(g.group_id);
    } else {
      expect(s?.status === 'in_doubt' || s?.inFlight, `group ${key} is on the server: its id must be in the ledger or it must be flagged`).toBe(true);
    }
  }
  const exists: string[] = [];
  const inDoubt: string[] = [];
  const inFlight: string[] = [];
  for (const s of state.items.values()) {
    if (s.inFlight) inFlight.push(`${s.kind} ${s.key}`);
    if (s.kind === 'community' && s.status === 'exists' && !s.inFlight) exists.push(s.key);
    if (s.kind === 'group' && (s.status === 'in_doubt' || s.inFlight)) inDoubt.push(s.key);
  }
  return { exists, inDoubt, inFlight, state, held };
}

/** Asserts the simulator holds every item of the fleet exactly once, each group under its own parent. */
export function expectExactlyOnce(sim: Simulator, fleet: Fleet): void {
  const held = sim.state.snapshot();
  expect(held.duplicates).toEqual([]);
  expect(held.communities.map((c) => c.handle).sort()).toEqual([...fleet.handles].sort());
  const idOf = new Map(held.communities.map((c) => [c.handle, c.community_id]));
  const got = held.groups.map((g) => `${g.community_id} ${(g.body.group as { name: string }).name}`).sort();
  const want = fleet.groups.map((g) => `${idOf.get(g.handle)} ${g.name}`).sort();
  expect(got).toEqual(want);
}

/**
 * The runbook, done as a person would with the commands it names (never a hand edit): an
 * `exists` community that is ours is adopted with its id, an in-doubt group found in Genuin is
 * recorded with its chat_id, one not found is marked absent so the next run sends it.
 */
export async function followRunbook(
  sim: Simulator,
  fleet: Fleet,
  ledgerPath: string,
  flagged: Reconciled,
  dir: string,
): Promise<{ adopted: number; recorded: number; toResend: number }> {
  const held = sim.state.snapshot();
  const byHandle = new Map(held.communities.map((c) => [c.handle, c]));
  const resolve = async (args: string[]) => {
    const r = await runCli(['ledger', 'resolve', ...args, '--ledger', ledgerPath], { cwd: dir });
    expect(r.code, `ledger resolve ${args.join(' ')}: ${r.stderr}`).toBe(0);
  };
  for (const handle of flagged.exists) await resolve([handle, '--community-id', byHandle.get(handle)!.community_id]);
  let recorded = 0;
  for (const key of flagged.inDoubt) {
    const group = fleet.groups.find((g) => g.key === key)!;
    const parent = byHandle.get(group.handle)!;
    const found = held.groups.find((g) => g.community_id === parent.community_id && (g.body.group as { name: string }).name === group.name);
    if (found) {
      await resolve([key, '--created', found.chat_id]);
      recorded++;
    } else {
      await resolve([key, '--absent']);
    }
  }
  return { adopted: flagged.exists.length, recorded, toResend: flagged.inDoubt.length - recorded };
}

/** Counts per key, e.g. faults injected by kind. */
export function countBy<T>(items: T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort());
}

const OUT = new URL('./.out/', import.meta.url);

/** Prints a check's figures (they show in vitest's output) and keeps them in test/chaos/.out/. */
export function figures(check: string, data: Record<string, unknown>): void {
  console.log(`chaos ${check}: ${JSON.stringify(data)}`);
  mkdirSync(OUT, { recursive: true });
  writeFileSync(new URL(`${check}.json`, OUT), JSON.stringify({ check, at: new Date().toISOString(), ...data }, null, 2) + '\n');
}

/** Waits (polling, no fixed sleep) until `check` holds; fails after `ms`. */
export async function until(check: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((r) => setTimeout(r, 5));
  }
}
