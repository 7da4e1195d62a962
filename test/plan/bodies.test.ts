// The plan keeps a request body only for items it may send, and still tells drift; the ledger's
// per-kind maps and its combined `items` view agree. (Sizes of a million rows are in bench/.)
import { describe, expect, it } from 'vitest';
import { emptyLedgerState } from '../../src/ledger/replay.js';
import type { LedgerEvent } from '../../src/ledger/event.js';
import { bodyHash } from '../../src/plan/body-hash.js';
import { PlanBuilder, type Plan, type PlanOptions } from '../../src/plan/plan.js';
import type { ManifestEntry } from '../../src/manifest/entry.js';

const pos = (line: number) => ({ file: 'm.yaml', line });
const community = (handle: string, line: number): ManifestEntry => ({
  kind: 'community',
  handle,
  body: { handle, name: handle.toUpperCase(), type: 1, actions: [] },
  pos: pos(line),
});
const group = (parent: string, name: string, line: number): ManifestEntry => ({
  kind: 'group',
  key: name,
  parentHandle: parent,
  body: { type: 4, group: { name } },
  pos: pos(line),
});
const json = (e: ManifestEntry) => JSON.stringify(e.body);

let clock = Date.UTC(2026, 10, 1);
function event(fields: Partial<LedgerEvent> & Pick<LedgerEvent, 'event' | 'key'>): LedgerEvent {
  return { at: new Date((clock += 1000)).toISOString(), run: 'run-1', kind: 'community', ...fields };
}

/** done: created with the body as it is now; changed: created from another body; fresh: never sent. */
const entries = {
  done: community('done', 1),
  doneGroup: group('done', 'g1', 2),
  changed: community('changed', 3),
  changedGroup: group('changed', 'g2', 4),
  fresh: community('fresh', 5),
  freshGroup: group('fresh', 'g3', 6),
  adopted: community('adopted', 7),
};

function ledger() {
  const state = emptyLedgerState();
  state.apply(event({ key: 'done', event: 'created', community_id: 'C1', hash: bodyHash(json(entries.done)) }));
  state.apply(event({ kind: 'group', key: 'done/g1', event: 'created', group_id: 'G1', hash: bodyHash(json(entries.doneGroup)) }));
  state.apply(event({ key: 'changed', event: 'created', community_id: 'C2', hash: 'an-older-body000' }));
  state.apply(event({ kind: 'group', key: 'changed/g2', event: 'created', group_id: 'G2', hash: 'an-older-body000' }));
  state.apply(event({ key: 'adopted', event: 'adopted', community_id: 'C3' }));
  return state;
}

function plan(options?: PlanOptions): Plan {
  const builder = new PlanBuilder(ledger(), options);
  for (const e of Object.values(entries)) builder.add(e);
  return builder.build();
}

const byKey = (p: Plan) => new Map(p.items.map((i) => [i.key, i]));

describe('plan bodies', () => {
  it('keeps the body of what it sends, drops it for what is done, and still tells drift', () => {
    const items = byKey(plan());
    const cases: [key: string, action: string, body: string | undefined, drift: boolean][] = [
      ['done', 'skip', undefined, false],
      ['done/g1', 'skip', undefined, false],
      ['changed', 'skip', undefined, true],
      ['changed/g2', 'skip', undefined, true],
      ['fresh', 'create', json(entries.fresh), false],
      ['fresh/g3', 'create', json(entries.freshGroup), false],
      ['adopted', 'skip', undefined, false],
    ];
    for (const [key, action, body, drift] of cases) {
      const item = items.get(key)!;
      expect({ key, action: item.action, body: item.body, drift: Boolean(item.drift) }).toEqual({ key, action, body, drift });
    }
  });

  it('keepBodies: false keeps none, and decides everything else the same', () => {
    const kept = plan();
    const shown = plan({ keepBodies: false });
    expect(shown.items.every((i) => i.body === undefined)).toBe(true);
    const strip = (p: Plan) => p.items.map(({ body: _body, ...rest }) => rest);
    expect(strip(shown)).toEqual(strip(kept));
    expect(shown.counts).toEqual(kept.counts);
    expect(shown.counts.drift).toBe(2);
    expect([...shown.waiting.keys()]).toEqual(['fresh']);
  });
});

describe('ledger state view', () => {
  it('items (keyed by kind and key, in order of first appearance) follows later applies', () => {
    const state = ledger();
    expect([...state.items.keys()]).toEqual(['c\tdone', 'g\tdone/g1', 'c\tchanged', 'g\tchanged/g2', 'c\tadopted']);
    state.apply(event({ kind: 'group', key: 'done', event: 'attempt' }));
    expect(state.items.size).toBe(6);
    expect(state.items.get('g\tdone')).toBe(state.get('group', 'done'));
    expect(state.get('community', 'done')?.status).toBe('created');
    expect(state.handles()).toEqual(['done', 'changed', 'adopted']);
  });
});
