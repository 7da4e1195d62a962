// The in-process simulator that `apply --simulate` and `demo` run against: the CLI starts it and
// hands it to the pipeline as the run's target, so the library never starts a server on its own.
import type { ApiTarget } from '../pipeline/apply.js';

/** The fake token of the in-process simulator. */
const SIMULATOR_TOKEN = 'sim-token';

export interface Rehearsal {
  target: ApiTarget;
  close(): Promise<void>;
}

/** A simulator on 127.0.0.1 (a free port), loaded only when a rehearsal asks for it. */
export async function startRehearsal(): Promise<Rehearsal> {
  const { startSimulator } = await import('../simulator/index.js');
  const simulator = await startSimulator({ token: SIMULATOR_TOKEN });
  return {
    target: { apiUrl: simulator.url, credentials: { source: 'token', token: SIMULATOR_TOKEN } },
    close: () => simulator.close(),
  };
}
