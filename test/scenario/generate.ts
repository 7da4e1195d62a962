// The scenarios of the generated-scenario test: what a person writes (manifests in every layout),
// how the server misbehaves (fault schedules) and how each run ends, as fast-check arbitraries.
import fc from 'fast-check';
import { FAULTS, FAULT_KINDS, isFaultKind } from '../../src/simulator/index.js';
import type { ChatIdMode, NumericIds } from '../../src/simulator/options.js';

/** How a run's manifests are written. */
export type Layout =
  /** One YAML: groups nested under their community (groups of other runs' communities top-level). */
  | 'nested'
  /** One YAML: communities, then a top-level `groups:` section naming parents by community_handle. */
  | 'top-level'
  /** A community file and a group file, each YAML or CSV. */
  | 'separate'
  /** One CSV with a `kind` column holding both. */
  | 'csv-kind';

export type FileFormat = 'yaml' | 'csv';

export interface CommunitySpec {
  handle: string;
  name: string;
  /** Exists before the scenario (the driver creates it first): the manifest gives its community_id. */
  adopt: boolean;
}

export interface GroupSpec {
  /** Parent's handle (always a community of the scenario). */
  parent: string;
  name: string;
  /** Manifest `key` (identity within the parent); absent: the name is the key. */
  key?: string;
  /** The manifest's own chat_id, if it gives one. */
  chatId?: string;
  /** Top-level group naming an adopted parent by community_id instead of its handle. */
  byId: boolean;
  /** Manifest `moved_from`: the key (or name) it had before an edit (the driver writes it as docs say). */
  movedFrom?: string;
  /** Model only, never written: the same group as it was before an edit that kept its identity. */
  before?: GroupSpec;
}

/**
 * An edit a person makes to the manifests between runs (README "What an edit does to an item's
 * identity"). Indices pick among the first run's items, modulo their number.
 */
export type Edit =
  /** A new `group.name`: a drift for a keyed group; without a key the person adds moved_from, as the README says. */
  | { kind: 'rename-group'; group: number }
  /** A `key` added (or a new one for a keyed group): refused while the ledger holds the old one. */
  | { kind: 'add-key'; group: number }
  /** The group under another community: a new group on the server by design. */
  | { kind: 'move-group'; group: number; to: number }
  /** Entries and files in another order. */
  | { kind: 'reorder' }
  /** YAML rewritten as CSV, CSV as YAML. */
  | { kind: 'reformat' }
  /**
   * A community's handle in other letter case; `withId`: the person also writes its community_id
   * (from the ledger), which the tool refuses under another handle. Without it, a new community.
   */
  | { kind: 'handle-case'; community: number; withId: boolean }
  /** A created community named by its community_id (from the ledger), with its handle or a new one. */
  | { kind: 'name-by-id'; community: number; newHandle: boolean };

/** A second apply started while the first run is under way: in a PID namespace of its own, or beside it. */
export interface Overlap {
  namespace: boolean;
  /** Started once the first run's `afterRequests`-th request reached the server. */
  afterRequests: number;
}

export interface ManifestSet {
  layout: Layout;
  /** For `separate`: the format of each file. */
  communityFormat: FileFormat;
  groupFormat: FileFormat;
  /** For `separate`: the group file first on the command line. */
  groupsFirst: boolean;
  communities: CommunitySpec[];
  groups: GroupSpec[];
}

export type Ending =
  | { kind: 'complete' }
  /** The signal once the simulator has seen `afterRequests` API requests of this run. */
  | { kind: 'signal'; signal: 'SIGKILL' | 'SIGTERM' | 'SIGHUP'; afterRequests: number }
  /** The reader of stdout and/or stderr goes away once `afterRequests` requests were seen. */
  | { kind: 'close'; streams: 'stdout' | 'stderr' | 'both'; afterRequests: number }
  /** A PostgreSQL ledger's database: the run's sessions killed, or the server restarted. */
  | { kind: 'database'; strike: DatabaseStrike; afterRequests: number };

export type DatabaseStrike = 'terminate' | 'restart';

export interface ArbitraryOptions {
  /** Draw database strikes too (the ledger is in PostgreSQL). */
  database?: boolean;
}

export interface ScriptedFault {
  kind: string;
  count: number;
  endpoint?: 'community' | 'group';
}

export interface FaultPlan {
  /** Per create request, by simulator fault kind. */
  probabilities: Record<string, number>;
  scripted: ScriptedFault[];
  /** Simulator token bucket (429 storms), requests per second. */
  rateLimit: { rate: number; burst: number } | null;
  latencyMs: { min: number; max: number } | 0;
  /** What the server does with a repeated chat_id at first: refuse it, echo without refusing, or ignore client ids. */
  chatIds: ChatIdMode;
  /** What it does after the first run's `chatIdsSwitchAt`-th create request: a change mid-run (undefined: none). */
  chatIdsLater?: ChatIdMode;
  chatIdsSwitchAt: number;
  /**
   * What the person knows before run 1: nothing, a `probe` run in a sandbox community, or the
   * true setting (from support). Drawn only where a client can hold exactly once: a proof is
   * about the API as it was, so a server proven to refuse never changes afterwards here (no lookup
   * could catch a resend to a server that stopped refusing; README says so).
   */
  proof: 'none' | 'probe' | 'setting';
  /** Ids as JSON numbers: `safe` below 2^53, `big` beyond it. */
  numericIds: NumericIds;
}

export interface RunSpec {
  manifests: ManifestSet;
  ending: Ending;
}

export interface Scenario {
  /** Simulator seed (ids, fault rolls, latency). */
  seed: number;
  concurrency: number;
  retries: number;
  /** --timeout; short when answers come late. */
  timeout: string;
  faults: FaultPlan;
  /** The first run; then, optionally, a second one adding communities and groups for earlier ones. */
  runs: RunSpec[];
  /** For the second run: its manifests hold everything (the file grew) or only the additions. */
  secondRunGrown: boolean;
  /** Edits made after the first run (then an `edited run 1`, faults still on); empty: none. */
  edits: Edit[];
  /** A second apply overlapping the first run (file ledger only). */
  overlap?: Overlap;
}

/** Fault kinds the simulator knows today, so the test runs before and after new kinds land. */
export const POST_ERROR_KINDS = ['502-after', '504-after', '500-html-after', '500-json-after'].filter(isFaultKind);
/** Kinds drawn by the generator: everything the simulator has (slow ones are tuned by the driver). */
export const DRAWN_KINDS: string[] = [...FAULT_KINDS];
const NUMERIC_IDS: readonly NumericIds[] = ['off', 'off', 'safe', 'big'];
const CHAT_ID_MODES: readonly ChatIdMode[] = ['refuse', 'echo', 'ignore'];

const layout = fc.constantFrom<Layout>('nested', 'top-level', 'separate', 'separate', 'csv-kind');
const format = fc.constantFrom<FileFormat>('yaml', 'csv');

/** Group names with what people type: spaces, capitals, punctuation that is not a path separator. */
const groupName = fc.constantFrom('Chat', 'General', 'Book Club', 'Q&A', 'Weekend Rides', 'news', 'Help desk', 'Off-topic');

function manifestSet(communities: fc.Arbitrary<CommunitySpec[]>, groupsFor: (c: CommunitySpec[]) => fc.Arbitrary<GroupSpec[]>) {
  return communities.chain((cs) =>
    fc.record({
      layout,
      communityFormat: format,
      groupFormat: format,
      groupsFirst: fc.boolean(),
      communities: fc.constant(cs),
      groups: groupsFor(cs),
    }),
  );
}

/** 0–4 groups for each parent, names unique per parent; keys, chat_ids and id-spelt parents sometimes. */
function groupsOf(parents: CommunitySpec[], tag: string, max = 4): fc.Arbitrary<GroupSpec[]> {
  if (parents.length === 0) return fc.constant([]);
  return fc
    .tuple(
      ...parents.map((p, i) =>
        fc.uniqueArray(groupName, { maxLength: max }).chain((names) =>
          fc.tuple(
            ...names.map((name, j) =>
              fc.record({
                parent: fc.constant(p.handle),
                name: fc.constant(`${name} ${tag}${i}.${j}`),
                key: fc.option(fc.constant(`k-${tag}${i}-${j}`), { nil: undefined, freq: 3 }),
                chatId: fc.option(fc.constant(chatIdFor(tag, i, j)), { nil: undefined, freq: 4 }),
                byId: p.adopt ? fc.boolean() : fc.constant(false),
              }),
            ),
          ),
        ),
      ),
    )
    .map((lists) => lists.flat().map(dropUndefined));
}

function dropUndefined(g: GroupSpec): GroupSpec {
  const out = { ...g };
  if (out.key === undefined) delete out.key;
  if (out.chatId === undefined) delete out.chatId;
  return out;
}

/** A fixed UUID per group slot: unique within a scenario, readable in a failure. */
function chatIdFor(tag: string, i: number, j: number): string {
  const n = (tag === 'a' ? 0 : 0x100) + i * 16 + j;
  return `5ce0a710-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

function communities(prefix: string, min: number, max: number, adoptable: boolean): fc.Arbitrary<CommunitySpec[]> {
  const adopt = adoptable ? fc.constantFrom(false, false, false, true) : fc.constant(false);
  return fc
    .array(adopt, { minLength: min, maxLength: max })
    .map((adopts) => adopts.map((a, i) => ({ handle: `${prefix}${i + 1}`, name: `Community ${prefix.toUpperCase()}${i + 1}`, adopt: a })));
}

function ending(maxRequests: number, o: ArbitraryOptions): fc.Arbitrary<Ending> {
  const at = fc.integer({ min: 0, max: Math.max(1, maxRequests) });
  const kinds: Array<fc.WeightedArbitrary<Ending>> = [
    { weight: 3, arbitrary: fc.constant<Ending>({ kind: 'complete' }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('signal' as const), signal: fc.constantFrom('SIGKILL' as const, 'SIGTERM' as const, 'SIGHUP' as const), afterRequests: at }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('close' as const), streams: fc.constantFrom('stdout' as const, 'stderr' as const, 'both' as const), afterRequests: at }) },
  ];
  if (o.database) kinds.push({ weight: 3, arbitrary: fc.record({ kind: fc.constant('database' as const), strike: fc.constantFrom<DatabaseStrike>('terminate', 'restart'), afterRequests: at }) });
  return fc.oneof(...kinds);
}

/**
 * How heavy the drawn scenarios are: `quick` (npm test) leaves out what costs whole seconds
 * (token-bucket 429 storms, long retry chains); `chaos` draws everything.
 */
export type Profile = 'quick' | 'chaos';

/** Mostly quiet servers, some noisy ones: a few kinds at a time, their sum well under 1. */
const faultPlan = (profile: Profile): fc.Arbitrary<FaultPlan> => fc.record({
  probabilities: fc
    .uniqueArray(fc.constantFrom(...DRAWN_KINDS, ...POST_ERROR_KINDS, ...POST_ERROR_KINDS), { maxLength: 3 })
    .chain((kinds) => fc.tuple(...kinds.map((k) => fc.tuple(fc.constant(k), fc.integer({ min: 5, max: 25 })))))
    .map((pairs) => Object.fromEntries(pairs.map(([k, pct]) => [k, pct / 100]))),
  scripted: fc.array(
    fc.record(
      {
        kind: fc.constantFrom(...DRAWN_KINDS, ...POST_ERROR_KINDS, ...POST_ERROR_KINDS),
        count: fc.integer({ min: 1, max: 2 }),
        endpoint: fc.constantFrom('community' as const, 'group' as const),
      },
      { requiredKeys: ['kind', 'count'] },
    ),
    { maxLength: 3 },
  ),
  rateLimit:
    profile === 'quick'
      ? fc.constant(null)
      : fc.option(fc.record({ rate: fc.integer({ min: 20, max: 60 }), burst: fc.integer({ min: 2, max: 6 }) }), { nil: null, freq: 3 }),
  latencyMs: fc.oneof(fc.constant(0 as const), fc.record({ min: fc.constant(0), max: fc.integer({ min: 5, max: 30 }) })),
  chatIds: fc.constantFrom(...CHAT_ID_MODES),
  chatIdsLater: fc.option(fc.constantFrom(...CHAT_ID_MODES), { nil: undefined, freq: 3 }),
  chatIdsSwitchAt: fc.integer({ min: 1, max: 12 }),
  proof: fc.constantFrom('none' as const, 'none' as const, 'probe' as const, 'setting' as const),
  numericIds: fc.constantFrom(...NUMERIC_IDS),
}).map((f) => (f.proof !== 'none' && f.chatIds === 'refuse' ? { ...f, chatIdsLater: undefined } : f));

/** Whether the plan lets the server answer with another item's ids. */
export const borrowsIds = (f: FaultPlan): boolean => 'duplicate-id' in f.probabilities || f.scripted.some((s) => s.kind === 'duplicate-id');

/** Kinds that create nothing: an answer for a request that did not create is never lost. */
const createsNothing = (kind: string): boolean => isFaultKind(kind) && !FAULTS[kind].creates;

/**
 * `duplicate-id` answers with the ids of the latest other item on the server, once per scenario. A client can call
 * that a conflict only when its ledger holds that id: an id of an item whose answer was lost (a
 * post fault, a kill, a late answer), of a community created by another tool, or of the probe's
 * sandbox, is one no client could tell from its own. So where it is drawn, the scenario keeps
 * every id the server made known to the ledger before the next create leaves: one request at a
 * time, beside it only faults that create nothing, no adopted parents, no probe, and endings that
 * let in-flight answers land (SIGTERM for SIGKILL; no database strike).
 */
function soundBorrowing(s: Scenario): Scenario {
  if (!borrowsIds(s.faults)) return s;
  // One borrowing at a time: two in a row would hand the second the ids the first one's item was
  // really given, which no answer ever carried (found by chaos: a group given another's real ids).
  const borrowing = s.faults.scripted.find((f) => f.kind === 'duplicate-id');
  const faults: FaultPlan = {
    ...s.faults,
    probabilities: Object.fromEntries(Object.entries(s.faults.probabilities).filter(([k]) => createsNothing(k))),
    scripted: [...s.faults.scripted.filter((f) => createsNothing(f.kind)), { kind: 'duplicate-id', count: 1, ...(borrowing?.endpoint ? { endpoint: borrowing.endpoint } : {}) }],
    proof: s.faults.proof === 'probe' ? 'setting' : s.faults.proof,
  };
  const ending = (e: Ending): Ending => (e.kind === 'signal' && e.signal === 'SIGKILL' ? { ...e, signal: 'SIGTERM' } : e.kind === 'database' ? { kind: 'complete' } : e);
  const runs = s.runs.map((r) => ({
    manifests: { ...r.manifests, communities: r.manifests.communities.map((c) => ({ ...c, adopt: false })), groups: r.manifests.groups.map((g) => ({ ...g, byId: false })) },
    ending: ending(r.ending),
  }));
  return { ...s, concurrency: 1, timeout: '5s', faults, runs };
}

const index = fc.integer({ min: 0, max: 31 });
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('rename-group' as const), group: index }),
  fc.record({ kind: fc.constant('add-key' as const), group: index }),
  fc.record({ kind: fc.constant('move-group' as const), group: index, to: index }),
  fc.record({ kind: fc.constant('reorder' as const) }),
  fc.record({ kind: fc.constant('reformat' as const) }),
  fc.record({ kind: fc.constant('handle-case' as const), community: index, withId: fc.boolean() }),
  fc.record({ kind: fc.constant('name-by-id' as const), community: index, newHandle: fc.boolean() }),
);

export const scenarioArb = (profile: Profile, o: ArbitraryOptions = {}): fc.Arbitrary<Scenario> => fc
  .record({
    seed: fc.integer({ min: 1, max: 0x7fffffff }),
    concurrency: fc.integer({ min: 1, max: 8 }),
    retries: fc.integer({ min: 0, max: profile === 'quick' ? 2 : 3 }),
    faults: faultPlan(profile),
    first: manifestSet(communities('c', 1, 8, true), (cs) => groupsOf(cs, 'a')),
    second: fc.option(
      fc.record({
        newCommunities: communities('d', 1, 4, false),
        grown: fc.boolean(),
      }),
      { nil: undefined, freq: profile === 'quick' ? 3 : 2 },
    ),
    // Most cases edit nothing: the rest of the space still needs its share.
    edits: fc.oneof({ weight: 3, arbitrary: fc.constant<Edit[]>([]) }, { weight: 2, arbitrary: fc.array(edit, { minLength: 1, maxLength: 3 }) }),
    // A process of its own per overlap: rare in the quick profile. Not with a PostgreSQL ledger
    // (its lock is the database's, whatever the PID namespace).
    overlap: o.database
      ? fc.constant(undefined)
      : fc.oneof(
          { weight: profile === 'quick' ? 5 : 3, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: fc.record({ namespace: fc.boolean(), afterRequests: fc.integer({ min: 0, max: 4 }) }) },
        ),
  })
  .chain(({ seed, concurrency, retries, faults, first, second, edits, overlap }) => {
    const size1 = first.communities.length + first.groups.length;
    const runs: fc.Arbitrary<RunSpec>[] = [fc.record({ manifests: fc.constant(first), ending: ending(size1, o) })];
    if (second) {
      // New communities with their groups, and new groups for earlier ones.
      const parents = [...first.communities, ...second.newCommunities];
      runs.push(
        manifestSet(fc.constant(second.newCommunities), () => groupsOf(parents, 'b', 2)).chain((set) =>
          fc.record({ manifests: fc.constant(set), ending: ending(set.communities.length + set.groups.length, o) }),
        ),
      );
    }
    const late = 'answer-late' in faults.probabilities || faults.scripted.some((s) => s.kind === 'answer-late' || s.kind === 'slow-drip');
    return fc.tuple(...runs).map((rs): Scenario => {
      // A run killed -9 beside an overlap in another PID namespace leaves a heartbeat that stands
      // still: the overlap then waits its 30 s to say so (test/ledger covers that; here it costs too much).
      const killed = rs[0]!.ending.kind === 'signal' && rs[0]!.ending.signal === 'SIGKILL';
      return soundBorrowing({
        seed, concurrency, retries, timeout: late ? '400ms' : '5s', faults, runs: rs, secondRunGrown: second?.grown ?? false,
        edits, ...(overlap && !killed ? { overlap } : {}),
      });
    });
  });

/** The scenario as a person would read it in a failure report. */
export function describeScenario(s: Scenario): string {
  const lines = [
    `seed ${s.seed}, --concurrency ${s.concurrency}, --retries ${s.retries}, --timeout ${s.timeout}`,
    `faults: ${JSON.stringify(s.faults.probabilities)} scripted ${JSON.stringify(s.faults.scripted)}` +
      (s.faults.rateLimit ? ` rate limit ${s.faults.rateLimit.rate}/s burst ${s.faults.rateLimit.burst}` : '') +
      (s.faults.latencyMs ? ` latency 0-${s.faults.latencyMs.max}ms` : '') +
      `; chat_ids: ${s.faults.chatIds}${s.faults.chatIdsLater ? `, ${s.faults.chatIdsLater} after ${s.faults.chatIdsSwitchAt} creates` : ''}, proof: ${s.faults.proof}` +
      (s.faults.numericIds !== 'off' ? `; numeric ids (${s.faults.numericIds})` : ''),
  ];
  if (s.overlap) lines.push(`overlap: a second apply after ${s.overlap.afterRequests} requests of run 1${s.overlap.namespace ? ', in a PID namespace of its own' : ''}`);
  if (s.edits.length > 0) lines.push(`edits after run 1: ${s.edits.map(editText).join('; ')}`);
  s.runs.forEach((r, i) => {
    const m = r.manifests;
    const files = m.layout === 'separate' ? `separate ${m.communityFormat}+${m.groupFormat}${m.groupsFirst ? ' (groups file first)' : ''}` : m.layout;
    const grown = i === 1 ? (s.secondRunGrown ? ', manifests hold the first run too' : ', manifests hold only the additions') : '';
    lines.push(`run ${i + 1}: ${files}${grown}; ending ${endingText(r.ending)}`);
    lines.push(`  communities: ${m.communities.map((c) => c.handle + (c.adopt ? ' (adopted)' : '')).join(', ') || '-'}`);
    lines.push(
      `  groups: ${m.groups.map((g) => `${g.byId ? 'id:' : ''}${g.parent}/${g.key ?? g.name}${g.chatId ? ' (chat_id)' : ''}`).join(', ') || '-'}`,
    );
  });
  return lines.join('\n');
}

function editText(e: Edit): string {
  switch (e.kind) {
    case 'rename-group':
    case 'add-key':
      return `${e.kind} #${e.group}`;
    case 'move-group':
      return `move group #${e.group} to community #${e.to}`;
    case 'handle-case':
      return `handle case of community #${e.community}${e.withId ? ' with its id' : ''}`;
    case 'name-by-id':
      return `community #${e.community} named by its id${e.newHandle ? ' under a new handle' : ''}`;
    default:
      return e.kind;
  }
}

function endingText(e: Ending): string {
  if (e.kind === 'complete') return 'run to completion';
  if (e.kind === 'signal') return `${e.signal} after ${e.afterRequests} requests`;
  if (e.kind === 'database') return `database ${e.strike === 'restart' ? 'server restarted' : 'sessions killed'} after ${e.afterRequests} requests`;
  return `closed ${e.streams} after ${e.afterRequests} requests`;
}
