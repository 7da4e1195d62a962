// `simulate`: the built-in Genuin API simulator as a standalone server, until interrupted.
import { once } from 'node:events';
import { ConfigError, EXIT, type ExitCode } from '../../errors.js';
import { parseCount, parseDuration, parseRate } from '../../config/parse.js';
import { startSimulator } from '../../simulator/index.js';
import type { Environment } from '../environment.js';
import type { Output } from '../output.js';

export interface SimulateFlags {
  port?: string;
  rate?: string;
  latency?: string;
  env: Environment;
}

export async function runSimulate(flags: SimulateFlags, out: Output): Promise<ExitCode> {
  const token = flags.env.GENUIN_ACCESS_TOKEN?.trim() || 'sim-token';
  const port = flags.port !== undefined ? parseCount(flags.port, '--port', { min: 0, max: 65535 }) : 0;
  const rate = flags.rate !== undefined ? parseRate(flags.rate) : undefined;
  let simulator;
  try {
    simulator = await startSimulator({
      port,
      token,
      rateLimit: rate ? { rate } : null,
      latencyMs: flags.latency !== undefined ? parseDuration(flags.latency, '--latency') : 0,
    });
  } catch (error) {
    throw new ConfigError(`cannot start the simulator: ${(error as Error).message}`);
  }
  out.info(`Genuin API simulator listening on ${simulator.url}${rate ? ` (rate limit ${rate}/s)` : ''}`);
  out.info(`  export GENUIN_API_URL=${simulator.url}`);
  if (!flags.env.GENUIN_ACCESS_TOKEN) out.info('  export GENUIN_ACCESS_TOKEN=sim-token');
  out.info(`  state: curl ${simulator.url}/__sim/state    stop: Ctrl-C`);
  await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  await simulator.close();
  return EXIT.ok;
}
