// The driver: one scenario from a fresh simulator to the invariants. Faulty runs with their
// endings, then faults off, a recovery rerun, the person's part, a final rerun, an idle rerun.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LedgerState } from '../../src/ledger/replay.js';
import { ledgerStore } from '../../src/ledger/open.js';
import { isFaultKind, startSimulator, type Simulator, type SimulatorOptions, type StateSnapshot } from '../../src/simulator/index.js';
import type { ChatIdMode } from '../../src/simulator/options.js';
import { runCliScenario, runLine, type CliRun } from './cli-run.js';
import { Manifests } from './edits.js';
import type { DatabaseStrike, Ending, Scenario } from './generate.js';
import {
  allDone, cleanExit, everyIdKept, flagged, flagText, groupKeys, idleRerun, ledgerGroup, lineage, noDuplicates, oneWriterAtATime, overlapLeft, zeroMeansDone, type Model,
} from './invariants.js';
import { BIN, runCli } from '../helpers/cli.js';
import { ownCommunity } from '../helpers/own-community.js';
import { pidNamespaceCommand, spawnInPidNamespace, whyNot } from '../helpers/pid-namespace.js';

const TOKEN = 'scenario-token-5e1d';

export interface ScenarioResult {
  violations: string[];
  /** What happened, run by run: printed with a failure. */
  log: string[];
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
  if (s.faults.numericIds !== 'off') options.numericIds = s.faults.numericIds;
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
  const id = await ownCommunity(sim, TOKEN, SANDBOX, 'Sandbox');
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
  for (const c of s.runs[0]!.manifests.communities.filter((c) => c.adopt)) ids.set(c.handle, await ownCommunity(sim, TOKEN, c.handle, c.name));
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
  const book = new Manifests(s);
  const flags = ['--ledger', ledgerPath, '--json', '--rate', '1000/s', '--concurrency', String(s.concurrency), '--retries', String(s.retries), '--timeout', s.timeout];
  // A person's true setting, as support would give it for the server as it is at the start.
  if (s.faults.proof === 'setting') flags.push('--chat-id-exists', s.faults.chatIds === 'refuse' ? '409:5230' : 'none');
  const serverId = (h: string) => sim.state.communityByHandle(h)?.community_id;
  /**
   * Run `i`'s command. After an edit the tool may refuse (exit 2, nothing sent, naming what to
   * write): the person answers as its lines say and runs it again (`answers: false` for the idle
   * reruns, where nothing may have changed). `drawn`: one of the runs drawn, faults on.
   */
  const apply = async (label: string, i: number, o: { ending?: Ending; answers?: boolean; drawn?: boolean } = {}): Promise<CliRun> => {
    const { ending = { kind: 'complete' }, answers = true, drawn = false } = o;
    for (let attempt = 1; ; attempt++) {
      const r = await runCliScenario(['apply', ...book.files(dir)[i]!, ...flags], {
        sim,
        token: TOKEN,
        cwd: dir,
        label: attempt === 1 ? label : `${label} (try ${attempt})`,
        ending,
        database: database && ((strike) => database(strike, ledgerPath)),
      });
      log.push(runLine(r));
      const refused = book.edited && answers && attempt < 5 && r.code === 2 && r.requests === 0 && !r.hung && r.signal === null;
      const did = refused ? book.answer(r.stderr, serverId) : [];
      if (did.length > 0) {
        log.push(`person: ${did.join('; ')}`);
        continue;
      }
      violations.push(...cleanExit(r, drawn && s.runs.length > 1 && !s.secondRunGrown && i > 0));
      return r;
    }
  };
  try {
    await precreate(sim, s, book.ids);
    if (s.faults.proof === 'probe') await probe(sim, ledgerPath, dir, log, violations);
    faultsOn(sim, s);
    const switching = s.faults.chatIdsLater !== undefined ? switchChatIds(sim, s.faults.chatIdsSwitchAt, s.faults.chatIdsLater) : undefined;

    // The runs as drawn, faults on, each with its ending; edits after the first, and the first
    // run's command once more with them (faults still on).
    const drawn = async (label: string, i: number, ending: Ending) => {
      const overlap = label === 'run 1' && s.overlap ? startOverlap(sim, s, book.files(dir)[0]!, flags, dir, log) : undefined;
      const r = await apply(label, i, { ending, drawn: true });
      if (overlap) {
        const o = await overlap.result();
        if (o) {
          log.push(runLine(o));
          violations.push(...cleanExit(o), ...overlapLeft(o));
        }
      }
      await appendPrinted(r, ledgerPath, dir, log, violations);
      if (process.env.SCENARIO_LOG === '2') log.push(`stderr of ${label}:\n${r.stderr}`);
      const ledger = await ledgerOf(ledgerPath, violations);
      if (ledger) violations.push(...zeroMeansDone(r, ledger, sim.state.snapshot(), book.setOf(i)));
    };
    for (let i = 0; i < s.runs.length; i++) {
      await drawn(`run ${i + 1}`, i, s.runs[i]!.ending);
      if (i === 0 && switching) log.push(switching.stop());
      if (i === 0 && s.edits.length > 0) {
        const ledger = await ledgerOf(ledgerPath, violations);
        // The id `report` shows a person for a created community (a conflict's carried id is another's).
        const own = (h: string) => {
          const c = ledger?.get('community', h);
          return c && (c.status === 'created' || c.status === 'adopted') && c.held_by === undefined ? c.community_id : undefined;
        };
        for (const e of s.edits) log.push(`person edits: ${book.apply(e, own)}`);
        await drawn('edited run 1', 0, { kind: 'complete' });
      }
    }
    const faultLog = sim.state.snapshot().faultLog;
    if (faultLog.length > 0) log.push(`faults struck: ${faultLog.map((f) => `${f.kind}@${f.endpoint}:${f.ref ?? '?'}`).join(', ')}`);
    faultsOff(sim);

    // Faults off: the same commands again, as a person reruns after an incident; then the
    // person's part and, if it changed anything, a final rerun.
    for (let i = 0; i < s.runs.length; i++) await apply(`recovery rerun ${i + 1}`, i);
    if (await personsPart(sim, book.model(), ledgerPath, dir, log, violations)) {
      for (let i = 0; i < s.runs.length; i++) await apply(`final rerun ${i + 1}`, i);
    }

    // The checks against what the server holds (the probe's sandbox is no item of the scenario).
    const model = book.model();
    const held = withoutSandbox(sim.state.snapshot());
    violations.push(...noDuplicates(held));
    const ledger = await ledgerOf(ledgerPath, violations);
    if (!ledger) return { violations, log };
    violations.push(...everyIdKept(held, ledger, model));
    violations.push(...allDone(held, model));
    const still = flagged(ledger);
    if (still.length > 0) log.push(`left flagged for a person (on the server, ids unknown to the ledger): ${still.map(flagText).join(', ')}`);

    // Nothing left to do: a rerun must send nothing, and exit 1 only for what is still flagged.
    const idOf = (h: string) => held.communities.find((c) => c.handle === h)?.community_id;
    const flaggedIn = (i: number) => {
      const set = book.setOf(i);
      return still.filter((f) => (f.kind === 'community' ? set.communities.some((c) => c.handle === f.key) : set.groups.some((g) => groupKeys(g, idOf).includes(f.key))));
    };
    for (let i = 0; i < s.runs.length; i++) {
      const mine = flaggedIn(i);
      const idle = await apply(`idle rerun ${i + 1}`, i, { answers: false });
      violations.push(...idleRerun(idle, mine));
      if (idle.requests > 0) log.push(`note: idle rerun ${i + 1} resent ${idle.requests} flagged group(s)`);
    }
    // Once more: a set whose idle rerun found everything done, with nothing written since, now
    // reuses that answer without reading (pipeline/settled.ts): the same exit, nothing sent.
    for (let i = 0; i < s.runs.length; i++) {
      const again = await apply(`settled rerun ${i + 1}`, i, { answers: false });
      violations.push(...idleRerun(again, flaggedIn(i)));
      if (/nothing changed since run/.test(again.stdout + again.stderr)) log.push(`settled rerun ${i + 1}: reused a settled run's answer`);
    }
    violations.push(...noDuplicates(withoutSandbox(sim.state.snapshot())).map((v) => `after the idle reruns: ${v}`));
    if (!/^postgres(ql)?:/.test(ledgerPath)) violations.push(...oneWriterAtATime(readFileSync(ledgerPath, 'utf8')));
    return { violations, log };
  } finally {
    await sim.close();
    // SCENARIO_KEEP=1 keeps the manifests and the ledger of each case for a look.
    if (process.env.SCENARIO_KEEP === '1') log.push(`kept: ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

let namespaceNoted = false;

/**
 * A second apply of the first run's command, started once that run's `afterRequests`-th request
 * reached the server: as another cron job or container would. In a PID namespace of its own where
 * the machine allows it (a container sharing the host's name, not its PIDs); elsewhere beside it,
 * after one line saying why. `result()` is undefined when the first run ended before the instant.
 */
function startOverlap(sim: Simulator, s: Scenario, files: string[], flags: string[], dir: string, log: string[]): { result: () => Promise<CliRun | undefined> } {
  const o = s.overlap!;
  const inNamespace = o.namespace && pidNamespaceCommand() !== null;
  if (o.namespace && !inNamespace && !namespaceNoted) {
    namespaceNoted = true;
    console.log(`scenario overlaps run in this PID namespace: ${whyNot}`);
  }
  const label = `overlapping apply${inNamespace ? ' (own PID namespace)' : ''}`;
  const args = [BIN, 'apply', ...files, ...flags];
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', GENUIN_API_URL: sim.url, GENUIN_ACCESS_TOKEN: TOKEN };
  const target = sim.state.counts.requests + o.afterRequests + 1;
  let started: Promise<CliRun> | undefined;
  let stop = false;
  const poll = setInterval(() => {
    if (stop || sim.state.counts.requests < target) return;
    clearInterval(poll);
    started = new Promise<CliRun>((resolve, reject) => {
      const begun = performance.now();
      const before = sim.state.counts.requests;
      const child = inNamespace
        ? spawnInPidNamespace('env', ['-i', '-C', dir, ...Object.entries(env).map(([k, v]) => `${k}=${v}`), process.execPath, ...args]).child
        : spawn(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      // The heartbeat watch of a holder in another namespace takes up to 30 s; more is a hang.
      let hung = false;
      const hang = setTimeout(() => {
        hung = true;
        child.kill('SIGKILL');
      }, 60_000);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(hang);
        resolve({ label, args, code, signal, stdout, stderr, requests: sim.state.counts.requests - before, statuses: {}, struck: false, ending: { kind: 'complete' }, hung, ms: Math.round(performance.now() - begun) });
      });
    });
  }, 1);
  return {
    result: async () => {
      stop = true;
      clearInterval(poll);
      if (!started) log.push(`${label}: run 1 ended before its ${o.afterRequests + 1}th request: not started`);
      return started;
    },
  };
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
async function personsPart(sim: Simulator, model: Model, ledgerPath: string, dir: string, log: string[], violations: string[]): Promise<boolean> {
  const ledger = await ledgerOf(ledgerPath, violations);
  if (!ledger) return false;
  const held = sim.state.snapshot();
  const idOf = (h: string) => held.communities.find((c) => c.handle === h)?.community_id;
  const verdicts: string[][] = [];
  for (const c of model.communities) {
    const id = idOf(c.handle);
    const status = ledger.get('community', c.handle)?.status;
    // `exists`: adopt it with its id. `conflict`: its answer carried another's id; its own is the server's.
    if ((status === 'exists' || status === 'conflict') && id) verdicts.push([c.handle, '--community-id', id]);
  }
  for (const g of model.groups) {
    const { key, state } = ledgerGroup(ledger, g, idOf);
    if (!(state?.status === 'in_doubt' || state?.status === 'conflict' || state?.inFlight)) continue;
    const parentId = idOf(g.parent);
    const names = lineage(g).map((x) => x.name);
    const found = held.groups.find((x) => x.community_id === parentId && names.includes((x.body.group as { name?: string } | undefined)?.name ?? ''));
    if (state.status === 'conflict' && !found) continue; // a conflicted group was created: its own is on the server
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
