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
  /** What a group create does with a held chat_id: refuse (default), echo (create again), ignore (make its own). */
  chatIds?: 'refuse' | 'echo' | 'ignore';
  /** Create requests each token from the auth endpoint authorizes before it answers 401. */
  authTtl?: string;
  env: Environment;
}

export async function runSimulate(flags: SimulateFlags, out: Output): Promise<ExitCode> {
  const token = flags.env.GENUIN_ACCESS_TOKEN?.trim() || 'sim-token';
  const port = flags.port !== undefined ? parseCount(flags.port, '--port', { min: 0, max: 65535 }) : 0;
  const rate = flags.rate !== undefined ? parseRate(flags.rate) : undefined;
  const tokenTtl = flags.authTtl !== undefined ? parseCount(flags.authTtl, '--auth-ttl', { min: 1 }) : null;
  // The auth endpoint accepts the key and secret the tool itself would send, so native auth can be rehearsed.
  const apiKey = flags.env.GENUIN_API_KEY?.trim() || 'sim-key';
  const apiSecret = flags.env.GENUIN_API_SECRET?.trim() || 'sim-secret';
  let simulator;
  try {
    simulator = await startSimulator({
      port,
      token,
      rateLimit: rate ? { rate } : null,
      latencyMs: flags.latency !== undefined ? parseDuration(flags.latency, '--latency') : 0,
      chatIds: flags.chatIds ?? 'refuse',
      apiKey,
      apiSecret,
      tokenTtlRequests: tokenTtl,
    });
  } catch (error) {
    throw new ConfigError(`cannot start the simulator: ${(error as Error).message}`);
  }
  out.info(`Genuin API simulator listening on ${simulator.url}${rate ? ` (rate limit ${rate}/s)` : ''}`);
  out.info(`  export GENUIN_API_URL=${simulator.url}`);
  if (!flags.env.GENUIN_ACCESS_TOKEN) out.info('  export GENUIN_ACCESS_TOKEN=sim-token');
  if (!flags.env.GENUIN_API_KEY) out.info('  or, for tokens from POST /api/thirdparty/auth: export GENUIN_API_KEY=sim-key GENUIN_API_SECRET=sim-secret');
  if (tokenTtl !== null) out.info(`  each token from the auth endpoint expires after ${tokenTtl} create requests`);
  if (flags.chatIds === 'ignore') out.info('  client chat_ids are ignored: every group gets a chat_id made by the simulator');
  if (flags.chatIds === 'echo') out.info('  client chat_ids are kept but not unique: a repeated one creates a second group');
  out.info(`  state: curl ${simulator.url}/__sim/state    stop: Ctrl-C`);
  await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  await simulator.close();
  return EXIT.ok;
}
