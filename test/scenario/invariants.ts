// The invariants of exactly-once, checked against the simulator's own state and the ledger:
// each returns violations as one readable line each (empty = holds), never throws.
import type { ItemState } from '../../src/ledger/event.js';
import type { LedgerState } from '../../src/ledger/replay.js';
import type { StateSnapshot } from '../../src/simulator/index.js';
import type { CliRun } from './cli-run.js';
import type { CommunitySpec, GroupSpec } from './generate.js';

/**
 * Everything the scenario's manifests hold, over all runs, as they stand after the edits; and
 * what an edit retired (`retired`): a community written under a new handle without its id, a group
 * moved to another community. The server may hold those (a new item is created beside them by
 * design); no manifest names them, and nothing needs them done.
 */
export interface Model {
  communities: Array<CommunitySpec & { retired?: boolean }>;
  groups: Array<GroupSpec & { retired?: boolean }>;
}

/** The group and what it was before each edit that kept its identity (a rename, a new key). */
export function lineage(g: GroupSpec): GroupSpec[] {
  const out: GroupSpec[] = [];
  for (let x: GroupSpec | undefined = g; x; x = x.before) out.push(x);
  return out;
}

/** Every name a group went by: the server keeps the first (the API has no update). */
const namesOf = (g: GroupSpec): string[] => lineage(g).map((x) => x.name);

const groupName = (body: Record<string, unknown>): string | undefined => (body.group as { name?: string } | undefined)?.name;

/**
 * The ledger keys a group may be filed under: its parent's handle or, when the manifest names
 * the parent by id, that id (the tool may file it under either spelling; parents here have no
 * '%' or '/', so no encoding).
 */
export function groupKeys(g: GroupSpec, idOf: (handle: string) => string | undefined): string[] {
  return lineage(g).flatMap((x) => {
    const key = x.key ?? x.name;
    const id = idOf(x.parent);
    return x.byId && id ? [`${x.parent}/${key}`, `${id}/${key}`] : [`${x.parent}/${key}`];
  });
}

/** The group's ledger state under whichever spelling the ledger holds, and that key. */
export function ledgerGroup(ledger: LedgerState, g: GroupSpec, idOf: (handle: string) => string | undefined): { key: string; state: ItemState | undefined } {
  const keys = groupKeys(g, idOf);
  for (const key of keys) {
    const state = ledger.get('group', key);
    if (state) return { key, state };
  }
  return { key: keys[keys.length - 1]!, state: undefined };
}

export interface Flag {
  kind: 'community' | 'group';
  key: string;
  why: 'exists' | 'in_doubt' | 'in flight' | 'conflict';
}

/** Items the ledger flags for a person: `exists` communities, in-doubt, in-flight or conflicted items. */
export function flagged(ledger: LedgerState): Flag[] {
  const out: Flag[] = [];
  for (const s of ledger.items.values()) {
    if (s.inFlight) out.push({ kind: s.kind, key: s.key, why: 'in flight' });
    // An answer carried another item's id: kept on the item's conflict line, its children blocked.
    else if (s.status === 'conflict') out.push({ kind: s.kind, key: s.key, why: 'conflict' });
    else if (s.kind === 'community' && s.status === 'exists') out.push({ kind: s.kind, key: s.key, why: 'exists' });
    // A community whose answer was lost and not yet resent: it may exist (the next run resends it).
    else if (s.kind === 'community' && s.status === 'in_doubt') out.push({ kind: s.kind, key: s.key, why: 'in_doubt' });
    else if (s.kind === 'group' && s.status === 'in_doubt') out.push({ kind: s.kind, key: s.key, why: 'in_doubt' });
  }
  return out;
}

export const flagText = (f: Flag): string => `${f.kind} ${f.key} (${f.why})`;

/** (1) Nothing created twice on the server. */
export function noDuplicates(held: StateSnapshot): string[] {
  const out: string[] = [];
  for (const d of held.duplicates) out.push(`(1) created twice: group ${d.identity} in community ${d.community_id}, ${d.count} times (group_ids ${d.group_ids.join(', ')})`);
  const seen = new Set<string>();
  for (const c of held.communities) {
    if (seen.has(c.handle)) out.push(`(1) created twice: community ${c.handle}`);
    seen.add(c.handle);
  }
  return out;
}

/** The model's group a server group is, preferring one the manifests still name. */
function modelGroup(model: Model, parent: string | undefined, name: string | undefined): (GroupSpec & { retired?: boolean }) | undefined {
  const matches = model.groups.filter((x) => x.parent === parent && name !== undefined && namesOf(x).includes(name));
  return matches.find((x) => !x.retired) ?? matches[0];
}

/**
 * (2) Every item the server holds has its id in the ledger, or is flagged for a person; a
 * conflicted item keeps the ids its answer carried and names their holder; (5) no group is
 * created under a community other than its manifest's.
 */
export function everyIdKept(held: StateSnapshot, ledger: LedgerState, model: Model): string[] {
  const out: string[] = [];
  const handleOf = new Map(held.communities.map((c) => [c.community_id, c.handle]));
  const idOf = (h: string) => held.communities.find((c) => c.handle === h)?.community_id;
  for (const c of held.communities) {
    const s = ledger.get('community', c.handle);
    if (!model.communities.some((m) => m.handle === c.handle)) out.push(`(2) community ${c.handle} is on the server but in no manifest`);
    else if ((s?.status === 'created' || s?.status === 'adopted') && !s.inFlight) {
      if (s.community_id !== c.community_id) out.push(`(2) community ${c.handle}: ledger id ${s.community_id}, server id ${c.community_id}`);
    } else if (s?.status === 'conflict' && !s.inFlight) {
      if (s.held_by === undefined || s.community_id === undefined) out.push(`(2) community ${c.handle} is a conflict without the id its answer carried or its holder`);
    } else if (!(s?.status === 'exists' || s?.status === 'in_doubt' || s?.inFlight)) {
      out.push(`(2) community ${c.handle} is on the server (${c.community_id}) but the ledger says ${s ? (s.status ?? 'attempt only') : 'nothing'}`);
    }
  }
  for (const g of held.groups) {
    const parent = handleOf.get(g.community_id);
    const name = groupName(g.body);
    const m = modelGroup(model, parent, name);
    if (!m) {
      const elsewhere = model.groups.find((x) => name !== undefined && namesOf(x).includes(name));
      out.push(
        elsewhere
          ? `(5) group "${name}" was created under community ${parent ?? g.community_id}, but its manifest's parent is ${elsewhere.parent}`
          : `(2) group "${name}" under ${parent ?? g.community_id} is on the server but in no manifest`,
      );
      continue;
    }
    const { key, state: s } = ledgerGroup(ledger, m, idOf);
    if (s?.status === 'created' && !s.inFlight) {
      // A person's `ledger resolve --created <chat_id>` records the group's identifier (chat_id)
      // without a group_id, which only the lost answer held; the chat_id must then be the server's.
      if (s.group_id !== undefined && s.group_id !== g.group_id) out.push(`(2) group ${key}: ledger group_id ${s.group_id}, server ${g.group_id}`);
      else if (s.chat_id !== g.chat_id) out.push(`(2) group ${key}: ledger chat_id ${s.chat_id}, server ${g.chat_id}`);
    } else if (s?.status === 'conflict' && !s.inFlight) {
      if (s.held_by === undefined) out.push(`(2) group ${key} is a conflict without the item holding its ids`);
    } else if (!(s?.status === 'in_doubt' || s?.inFlight)) {
      out.push(`(2) group ${key} is on the server (${g.group_id}) but the ledger says ${s ? (s.status ?? 'attempt only') : 'nothing'}`);
    }
  }
  return out;
}

/** After faults are off and the person did their part, everything in the manifests is on the server. */
export function allDone(held: StateSnapshot, model: Model): string[] {
  const out: string[] = [];
  const byHandle = new Map(held.communities.map((c) => [c.handle, c]));
  for (const c of model.communities) if (!c.retired && !byHandle.has(c.handle)) out.push(`(done) community ${c.handle} is not on the server after the final rerun`);
  for (const g of model.groups) {
    if (g.retired) continue;
    const parent = byHandle.get(g.parent);
    const names = namesOf(g);
    const n = held.groups.filter((x) => x.community_id === parent?.community_id && names.includes(groupName(x.body) ?? '')).length;
    if (n === 0) out.push(`(done) group ${g.parent}/${g.key ?? g.name} is not on the server after the final rerun`);
  }
  return out;
}

/**
 * (4) Documented exit codes only, no crash: signals count only when the driver sent SIGKILL.
 * `unknownParentOk`: a run holding only additions may name a parent an interrupted earlier run
 * never created; refusing that (exit 2, nothing sent) is right.
 */
export function cleanExit(r: CliRun, unknownParentOk = false): string[] {
  const out: string[] = [];
  const killedByUs = r.struck && r.ending.kind === 'signal' && r.ending.signal === 'SIGKILL' && r.signal === 'SIGKILL';
  if (r.hung) out.push(`(4) ${r.label}: never ended (killed after the time limit)`);
  else if (r.signal !== null && !killedByUs) out.push(`(4) ${r.label}: died of ${r.signal} instead of exiting with a documented code`);
  else if (r.code === 2 && unknownParentOk && r.requests === 0 && onlyUnknownParents(r.stderr)) {
    // The person reruns the first command, then this one: the recovery reruns do just that.
  } else if (r.code !== null && ![0, 1, 3].includes(r.code)) out.push(`(4) ${r.label}: exit ${r.code} (valid manifests: 0, 1 or 3 only)`);
  if (/internal error/i.test(r.stderr)) out.push(`(4) ${r.label}: "internal error" on stderr`);
  const at = r.stderr.split('\n').find((l) => /^ {4}at /.test(l));
  if (at) out.push(`(4) ${r.label}: stack trace on stderr (${at.trim()})`);
  return out;
}

function onlyUnknownParents(stderr: string): boolean {
  const faults = stderr.split('\n').filter((l) => /\.(csv|yaml):\d+(:\d+)?: /.test(l) && !l.startsWith('warning:'));
  return faults.length > 0 && faults.every((l) => /: community_(handle|id): no community /.test(l));
}

/** A run that exits 0 left nothing of its manifests undone. */
export function zeroMeansDone(r: CliRun, ledger: LedgerState, held: StateSnapshot, set: Model): string[] {
  if (r.code !== 0) return [];
  const out: string[] = [];
  const idOf = (h: string) => held.communities.find((c) => c.handle === h)?.community_id ?? ledger.communityId(h);
  for (const c of set.communities) {
    const s = ledger.get('community', c.handle);
    if (!(s && !s.inFlight && (s.status === 'created' || s.status === 'adopted' || s.status === 'exists'))) {
      out.push(`(4) ${r.label}: exit 0 but community ${c.handle} is ${s ? (s.status ?? 'in flight') : 'not in the ledger'}`);
    }
  }
  for (const g of set.groups) {
    const { key, state: s } = ledgerGroup(ledger, g, idOf);
    if (!(s && !s.inFlight && s.status === 'created')) out.push(`(4) ${r.label}: exit 0 but group ${key} is ${s ? (s.status ?? 'in flight') : 'not in the ledger'}`);
  }
  return out;
}

/**
 * (3) A rerun with nothing flagged sends nothing and exits 0. With items flagged it exits 1 and
 * may resend at most the flagged groups (a chat_id resend that the server refuses), nothing else.
 */
export function idleRerun(r: CliRun, stillFlagged: Flag[]): string[] {
  const out: string[] = [];
  const groups = stillFlagged.filter((f) => f.kind === 'group').length;
  if (stillFlagged.length === 0 && r.requests !== 0) out.push(`(3) ${r.label}: nothing flagged, yet it sent ${r.requests} requests (expected none)`);
  if (stillFlagged.length > 0 && r.requests > groups) out.push(`(3) ${r.label}: sent ${r.requests} requests with only ${groups} flagged groups`);
  const want = stillFlagged.length === 0 ? 0 : 1;
  if (r.code !== want) out.push(`(3) ${r.label}: exit ${r.code ?? r.signal}, expected ${want}${want ? ` (flagged: ${stillFlagged.map(flagText).join(', ')})` : ''}`);
  return out;
}

/**
 * (6) One run at a time writes a ledger: the lines of each run stand together in a file ledger
 * (runs here are sequential but for an overlap, which must wait or leave).
 */
export function oneWriterAtATime(text: string): string[] {
  const ended = new Set<string>();
  let current: string | undefined;
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let run: unknown;
    try {
      run = (JSON.parse(line) as { run?: unknown }).run;
    } catch {
      return [`(6) ledger line ${i + 1} is not JSON: two writers at once?`];
    }
    if (typeof run !== 'string' || run === current) continue;
    if (ended.has(run)) return [`(6) ledger line ${i + 1}: run ${run} writes again after run ${current} wrote: two runs wrote the ledger at once`];
    if (current !== undefined) ended.add(current);
    current = run;
  }
  return [];
}

/** An overlapping apply either waited for the ledger or left naming its holder; never ran beside it. */
export function overlapLeft(r: CliRun): string[] {
  if (r.code !== 3) return [];
  return /in use by|heartbeat/i.test(r.stderr) ? [] : [`(6) ${r.label}: exit 3 without naming the ledger's holder: ${r.stderr.trim().split('\n')[0]}`];
}
