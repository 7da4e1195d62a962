// The driver: one scenario from a fresh simulator to the invariants. Faulty runs with their
// endings, then faults off, a recovery rerun, the person's part, a final rerun, an idle rerun.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LedgerState } from '../../src/ledger/replay.js';
import { ledgerStore } from '../../src/ledger/open.js';
import { isFaultKind, startSimulator, type Simulator, type SimulatorOptions, type StateSnapshot } from '../../src/simulator/index.js';
import type { ChatIdMode } from '../../src/simulator/options.js';
import { runCliScenario, runLine, type CliRun } from './cli-run.js';
import type { DatabaseStrike, ManifestSet, Scenario } from './generate.js';
import { allDone, cleanExit, everyIdKept, flagged, flagText, groupKeys, ledgerGroup, idleRerun, noDuplicates, zeroMeansDone, type Model } from './invariants.js';
import { writeManifests } from './render.js';
import { runCli } from '../helpers/cli.js';

const TOKEN = 'scenario-token-5e1d';

export interface ScenarioResult {
  violations: string[];
  /** What happened, run by run: printed with a failure. */
  log: string[];
}

/** The manifests of run `i`: a grown second run holds the first run's items too. */
export function manifestsOfRun(s: Scenario, i: number): ManifestSet {
  const set = s.runs[i]!.manifests;
  if (i === 0 || !s.secondRunGrown) return set;
  const first = s.runs[0]!.manifests;
  return { ...set, communities: [...first.communities, ...set.communities], groups: [...first.groups, ...set.groups] };
}

export function modelOf(s: Scenario): Model {
  return { communities: s.runs.flatMap((r) => r.manifests.communities), groups: s.runs.flatMap((r) => r.manifests.groups) };
}

async function simulatorFor(s: Scenario): Promise<Simulator> {
  const options: SimulatorOptions & Record<string, unknown> = {
    token: TOKEN,
    seed: s.seed,
    // Late answers outlive the short --timeout drawn with them; drips and huge bodies stay quick.
    lateAnswerMs: 1_500,
    dripIntervalMs: 5,
    hugeBodyBytes: 2 * 1024 * 1024,
  };
  options.chatIds = s.faults.chatIds;
  return startSimulator(options);
}

function faultsOn(sim: Simulator, s: Scenario): void {
  const probabilities = Object.fromEntries(Object.entries(s.faults.probabilities).filter(([k]) => isFaultKind(k)));
  sim.configure({ faults: probabilities, rateLimit: s.faults.rateLimit, latencyMs: s.faults.latencyMs });
  for (const f of s.faults.scripted) if (isFaultKind(f.kind)) sim.injectNext(f.kind, { count: f.count, endpoint: f.endpoint });
}

/** No more faults, scripted ones still queued included. Items and ids stay. */
function faultsOff(sim: Simulator): void {
  sim.configure({ faults: {}, rateLimit: null, latencyMs: 0 });
  const clear = (sim as unknown as { clearFaults?: () => void }).clearFaults;
  if (typeof clear === 'function') return clear.call(sim);
  // The simulator clears scripted faults only with everything else: put the items back.
  const held = sim.state.snapshot();
  sim.reset();
  for (const c of held.communities) sim.state.addCommunity(c);
  for (const g of held.groups) sim.state.addGroup(g);
}

/** The community the person's probe uses: theirs, outside every manifest. */
const SANDBOX = 'probe-sandbox';

/** The server's state without the probe's sandbox community and the probe groups in it. */
function withoutSandbox(held: StateSnapshot): StateSnapshot {
  const sandbox = held.communities.find((c) => c.handle === SANDBOX)?.community_id;
  if (sandbox === undefined) return held;
  return {
    ...held,
    communities: held.communities.filter((c) => c.community_id !== sandbox),
    groups: held.groups.filter((g) => g.community_id !== sandbox),
    duplicates: held.duplicates.filter((d) => d.community_id !== sandbox),
  };
}

/** The person runs `probe` in a sandbox community of theirs before the first run (README's recipe). */
async function probe(sim: Simulator, ledgerPath: string, dir: string, log: string[], violations: string[]): Promise<void> {
  const res = await fetch(`${sim.url}/api/thirdparty/community/create`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ handle: SANDBOX, name: 'Sandbox', type: 1, actions: [{ action_id: 3, access_type_id: 5 }] }),
  });
  const id = ((await res.json()) as { data: { community_id: string } }).data.community_id;
  const r = await runCli(['probe', '--community-id', id, '--yes', '--ledger', ledgerPath], { cwd: dir, env: { GENUIN_API_URL: sim.url, GENUIN_ACCESS_TOKEN: TOKEN } });
  log.push(`person: probe -> exit ${r.code}: ${r.stdout.trim()}`);
  if (r.code !== 0) violations.push(`probe exited ${r.code}: ${r.stderr.trim()}`);
}

/** The server changes what it does with a repeated chat_id once it has seen `after` create requests. */
function switchChatIds(sim: Simulator, after: number, to: ChatIdMode): { stop: () => string } {
  const start = sim.state.counts.creates;
  let switched = false;
  const timer = setInterval(() => {
    if (switched || sim.state.counts.creates - start < after) return;
    switched = true;
    sim.configure({ chatIds: to });
  }, 2);
  return {
    stop: () => {
      clearInterval(timer);
      return switched ? `the server switched to chat_ids ${to} during run 1` : `run 1 ended before the chat_id switch (${after} creates)`;
    },
  };
}

/** The communities that exist before the scenario starts, created as another tool would. */
async function precreate(sim: Simulator, s: Scenario, ids: Map<string, string>): Promise<void> {
  for (const c of s.runs[0]!.manifests.communities.filter((c) => c.adopt)) {
    const res = await fetch(`${sim.url}/api/thirdparty/community/create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ handle: c.handle, name: c.name, type: 1, actions: [{ action_id: 3, access_type_id: 5 }] }),
    });
    const body = (await res.json()) as { data?: { community_id?: string } };
    const id = body.data?.community_id ?? sim.state.communityByHandle(c.handle)?.community_id;
    if (!id) throw new Error(`could not create adopted community ${c.handle}: HTTP ${res.status}`);
    ids.set(c.handle, id);
  }
}

/**
 * Where a case's ledger lives: a file in the case's directory unless the caller says otherwise
 * (test/ledger/pg/scenario.test.ts gives each case a fresh PostgreSQL database).
 */
export type LedgerMaker = (dir: string) => Promise<string>;
const fileLedger: LedgerMaker = async (dir) => join(dir, 'ledger.jsonl');

export interface ScenarioStore {
  /** Where each case's ledger lives (default: a file in the case's directory). */
  ledger?: LedgerMaker;
  /** Strikes the database of a PostgreSQL ledger (the scenario's `database` endings). */
  database?: (strike: DatabaseStrike, ledger: string) => Promise<unknown>;
}

async function ledgerOf(path: string, violations: string[]): Promise<LedgerState | undefined> {
  try {
    return await ledgerStore(path).read();
  } catch (err) {
    violations.push(`ledger unreadable: ${(err as Error).message}`);
    return undefined;
  }
}

export async function runScenario(s: Scenario, store: ScenarioStore = {}): Promise<ScenarioResult> {
  const dir = mkdtempSync(join(tmpdir(), 'genuin-scenario-'));
  const sim = await simulatorFor(s);
  const violations: string[] = [];
  const log: string[] = [];
  const ledgerPath = await (store.ledger ?? fileLedger)(dir);
  const database = store.database;
  const ids = new Map<string, string>();
  const model = modelOf(s);
  const flags = ['--ledger', ledgerPath, '--json', '--rate', '1000/s', '--concurrency', String(s.concurrency), '--retries', String(s.retries), '--timeout', s.timeout];
  // A person's true setting, as support would give it for the server as it is at the start.
  if (s.faults.proof === 'setting') flags.push('--chat-id-exists', s.faults.chatIds === 'refuse' ? '409:5230' : 'none');
  const cli = async (label: string, files: string[], extra: string[] = [], ending = s.runs[0]!.ending, faulty = false): Promise<CliRun> => {
    const r = await runCliScenario(['apply', ...files, ...flags, ...extra], {
      sim,
      token: TOKEN,
      cwd: dir,
      label,
      ending: faulty ? ending : { kind: 'complete' },
      database: database && ((strike) => database(strike, ledgerPath)),
    });
    log.push(runLine(r));
    violations.push(...cleanExit(r, faulty && s.runs.length > 1 && !s.secondRunGrown && label !== 'run 1'));
    return r;
  };
  const files = () => s.runs.map((_, i) => writeManifests(dir, `run${i + 1}`, manifestsOfRun(s, i), ids));
  try {
    await precreate(sim, s, ids);
    if (s.faults.proof === 'probe') await probe(sim, ledgerPath, dir, log, violations);
    faultsOn(sim, s);
    const switching = s.faults.chatIdsLater !== undefined ? switchChatIds(sim, s.faults.chatIdsSwitchAt, s.faults.chatIdsLater) : undefined;

    // The runs as drawn, faults on, each with its ending.
    for (let i = 0; i < s.runs.length; i++) {
      const r = await cli(`run ${i + 1}`, files()[i]!, [], s.runs[i]!.ending, true);
      if (i === 0 && switching) log.push(switching.stop());
      await appendPrinted(r, ledgerPath, dir, log, violations);
      if (process.env.SCENARIO_LOG === '2') log.push(`stderr of run ${i + 1}:\n${r.stderr}`);
      const ledger = await ledgerOf(ledgerPath, violations);
      if (ledger) violations.push(...zeroMeansDone(r, ledger, sim.state.snapshot(), manifestsOfRun(s, i)));
    }
    const faultLog = sim.state.snapshot().faultLog;
    if (faultLog.length > 0) log.push(`faults struck: ${faultLog.map((f) => `${f.kind}@${f.endpoint}:${f.ref ?? '?'}`).join(', ')}`);
    faultsOff(sim);

    // Faults off: the same commands again, as a person reruns after an incident; then the
    // person's part and, if it changed anything, a final rerun.
    for (let i = 0; i < s.runs.length; i++) await cli(`recovery rerun ${i + 1}`, files()[i]!);
    if (await personsPart(sim, s, ledgerPath, dir, ids, log, violations)) {
      for (let i = 0; i < s.runs.length; i++) await cli(`final rerun ${i + 1}`, files()[i]!);
    }

    // The checks against what the server holds (the probe's sandbox is no item of the scenario).
    const held = withoutSandbox(sim.state.snapshot());
    violations.push(...noDuplicates(held));
    const ledger = await ledgerOf(ledgerPath, violations);
    if (!ledger) return { violations, log };
    violations.push(...everyIdKept(held, ledger, model));
    violations.push(...allDone(held, model));
    const still = flagged(ledger);
    if (still.length > 0) log.push(`left flagged for a person (on the server, ids unknown to the ledger): ${still.map(flagText).join(', ')}`);

    // Nothing left to do: a rerun must send nothing, and exit 1 only for what is still flagged.
    for (let i = 0; i < s.runs.length; i++) {
      const set = manifestsOfRun(s, i);
      const idOf = (h: string) => held.communities.find((c) => c.handle === h)?.community_id;
      const mine = still.filter((f) => (f.kind === 'community' ? set.communities.some((c) => c.handle === f.key) : set.groups.some((g) => groupKeys(g, idOf).includes(f.key))));
      const idle = await cli(`idle rerun ${i + 1}`, files()[i]!);
      violations.push(...idleRerun(idle, mine));
      if (idle.requests > 0) log.push(`note: idle rerun ${i + 1} resent ${idle.requests} flagged group(s)`);
    }
    violations.push(...noDuplicates(withoutSandbox(sim.state.snapshot())).map((v) => `after the idle reruns: ${v}`));
    return { violations, log };
  } finally {
    await sim.close();
    // SCENARIO_KEEP=1 keeps the manifests and the ledger of each case for a look.
    if (process.env.SCENARIO_KEEP === '1') log.push(`kept: ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A run that could not write answers to its ledger prints them on stderr, and docs/recovery.md
 * says: save them in a file and `ledger append` it once the ledger can be written.
 */
async function appendPrinted(r: CliRun, ledgerPath: string, dir: string, log: string[], violations: string[]): Promise<void> {
  if (!r.stderr.includes('ledger append')) return;
  const file = join(dir, `${r.label.replace(/\W+/g, '-')}-stderr.txt`);
  writeFileSync(file, r.stderr);
  const args = ['ledger', 'append', file, '--ledger', ledgerPath];
  const a = await runCli(args, { cwd: dir });
  log.push(`person: ledger append of ${r.label}'s stderr -> exit ${a.code}`);
  if (a.code !== 0) violations.push(`ledger append of ${r.label}'s stderr exited ${a.code}: ${a.stderr.trim()}`);
}

/**
 * What docs/recovery.md asks of a person, with the simulator standing in for Genuin's back
 * office, done with the commands the runbook names (never a hand edit): an `exists` community
 * is adopted with its id, an in-doubt group found on the server is recorded with its chat_id,
 * one not found is marked absent (the next run sends it). True if the person did anything.
 */
async function personsPart(
  sim: Simulator,
  s: Scenario,
  ledgerPath: string,
  dir: string,
  _ids: Map<string, string>,
  log: string[],
  violations: string[],
): Promise<boolean> {
  const ledger = await ledgerOf(ledgerPath, violations);
  if (!ledger) return false;
  const held = sim.state.snapshot();
  const model = modelOf(s);
  const idOf = (h: string) => held.communities.find((c) => c.handle === h)?.community_id;
  const verdicts: string[][] = [];
  for (const c of model.communities) {
    const id = idOf(c.handle);
    if (ledger.get('community', c.handle)?.status === 'exists' && id) verdicts.push([c.handle, '--community-id', id]);
  }
  for (const g of model.groups) {
    const { key, state } = ledgerGroup(ledger, g, idOf);
    if (!(state?.status === 'in_doubt' || state?.inFlight)) continue;
    const parentId = idOf(g.parent);
    const found = held.groups.find((x) => x.community_id === parentId && (x.body.group as { name?: string } | undefined)?.name === g.name);
    verdicts.push(found ? [key, '--created', found.chat_id] : [key, '--absent']);
  }
  for (const v of verdicts) {
    const args = ['ledger', 'resolve', ...v, '--ledger', ledgerPath];
    const r = await runCli(args, { cwd: dir });
    log.push(`person: ledger resolve ${v.join(' ')} -> exit ${r.code}`);
    if (r.code !== 0) violations.push(`ledger resolve ${v.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  }
  return verdicts.length > 0;
}
