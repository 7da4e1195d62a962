// Runs the generated scenarios under fast-check: how many, from which seed, and how a failure is
// printed (seed, replay path, the scenario in words, each violated invariant, what each run did).
import fc from 'fast-check';
import { describeScenario, scenarioArb, type Profile, type Scenario } from './generate.js';
import { runScenario, type ScenarioStore } from './run-scenario.js';

export interface ScenarioRunOptions {
  /** Cases to run unless SCENARIO_RUNS says otherwise. */
  runs: number;
  /** The seed unless SCENARIO_SEED says otherwise; a fresh one each time when absent. */
  seed?: number;
  /** The file to name in the replay command. */
  file: string;
  profile: Profile;
  /** The ledger store of each case (default: a file in the case's directory). */
  store?: ScenarioStore;
}

/** Throws the scenario's violations as one readable error (fast-check adds seed and path). */
export async function checkScenario(s: Scenario, store?: ScenarioStore): Promise<void> {
  const { violations, log } = await runScenario(s, store);
  // SCENARIO_LOG=1: what each case did, passing or not (to see that endings really struck);
  // SCENARIO_LOG=2 adds the stderr of each drawn run.
  if (process.env.SCENARIO_LOG) console.log([describeScenario(s), ...log.map((l) => `  ${l}`)].join('\n'));
  if (violations.length === 0) return;
  throw new Error(
    [
      `${violations.length} invariant violation(s):`,
      ...violations.map((v) => `  - ${v}`),
      'scenario:',
      ...describeScenario(s).split('\n').map((l) => `  ${l}`),
      'what happened:',
      ...log.map((l) => `  ${l}`),
    ].join('\n'),
  );
}

/**
 * fast-check's assert over the scenario arbitrary. SCENARIO_SEED and SCENARIO_PATH replay a
 * failure (the values its report prints); SCENARIO_SHRINK=1 looks for a smaller failing case
 * (slow: each case runs the CLI several times), otherwise the first failure is reported as is.
 */
export async function assertScenarios(o: ScenarioRunOptions): Promise<void> {
  const env = process.env;
  if (env.SCENARIO_SURVEY === '1') return surveyScenarios(o);
  const seed = env.SCENARIO_SEED !== undefined ? Number(env.SCENARIO_SEED) : (o.seed ?? Date.now() ^ (Math.random() * 0x100000000));
  const path = env.SCENARIO_PATH || undefined;
  const numRuns = env.SCENARIO_RUNS !== undefined ? Number(env.SCENARIO_RUNS) : o.runs;
  const shrink = env.SCENARIO_SHRINK === '1';
  const details = await fc.check(fc.asyncProperty(scenarioArb(o.profile, { database: o.store?.database !== undefined }), (s) => checkScenario(s, o.store)), { seed, path, numRuns, endOnFailure: !shrink });
  if (!details.failed) return;
  const replay = `SCENARIO_SEED=${details.seed} SCENARIO_PATH=${details.counterexamplePath ?? ''} npx vitest run ${o.file}`;
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(`generated scenario failed after ${details.numRuns} case(s): seed ${details.seed}, path ${details.counterexamplePath}\nreplay: ${replay}\n${error}`);
}

/**
 * SCENARIO_SURVEY=1: every case runs, whatever fails, and the failures are listed together, each
 * with the seed and path that replay it alone (case i of a seed is fast-check's path "i").
 */
async function surveyScenarios(o: ScenarioRunOptions): Promise<void> {
  const env = process.env;
  const seed = env.SCENARIO_SEED !== undefined ? Number(env.SCENARIO_SEED) : Date.now() ^ (Math.random() * 0x100000000);
  const numRuns = env.SCENARIO_RUNS !== undefined ? Number(env.SCENARIO_RUNS) : o.runs;
  const failures: string[] = [];
  const scenarios = fc.sample(scenarioArb(o.profile, { database: o.store?.database !== undefined }), { seed, numRuns });
  for (const [i, s] of scenarios.entries()) {
    try {
      await checkScenario(s, o.store);
    } catch (err) {
      const text = `SCENARIO_SEED=${seed} SCENARIO_PATH=${i} npx vitest run ${o.file}\n${(err as Error).message}`;
      failures.push(text);
      console.log(`survey case ${i} FAILED:\n${text}\n`);
    }
  }
  if (failures.length > 0) throw new Error(`${failures.length} of ${numRuns} scenarios failed (seed ${seed}):\n\n${failures.join('\n\n')}`);
}
