// The simulator as a separate process (`genuin-provision simulate`), so its CPU never shares
// the measured runner's event loop; steered and read through its /__sim/ control endpoints.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { BIN, TOKEN, outDir } from './common.js';

export async function startSim({ rate, latencyMs } = {}) {
  const args = [BIN, 'simulate', '--port', '0'];
  if (rate) args.push('--rate', `${rate}/s`);
  if (latencyMs) args.push('--latency', `${latencyMs}ms`);
  const child = spawn(process.execPath, args, {
    cwd: outDir('work'),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', GENUIN_ACCESS_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (text += d));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`simulator did not start: ${text}`)), 15_000);
    child.stdout.setEncoding('utf8').on('data', (d) => {
      text += d;
      const m = /listening on (http:\/\/\S+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`simulator exited (${code}): ${text}`)));
  });
  child.stdout.resume();

  const call = async (method, path, body) => {
    const res = await fetch(url + path, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };

  return {
    url,
    token: TOKEN,
    /** Environment for a CLI run against this simulator. */
    env: { GENUIN_API_URL: url, GENUIN_ACCESS_TOKEN: TOKEN },
    /** `{rateLimit: {rate} | null, latencyMs, faults}`; a new rateLimit starts with a full bucket. */
    configure: (opts) => call('POST', '/__sim/config', opts),
    /** Forget every item and counter; the bucket refills. */
    reset: () => call('POST', '/__sim/reset'),
    inject: (kind, count, endpoint) => call('POST', '/__sim/inject', { kind, count, endpoint }),
    state: () => call('GET', '/__sim/state'),
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** Items the server holds, requests and 429s, duplicates, and the arrival window of creates. */
export function summarise(state) {
  const times = [];
  for (const c of state.communities) times.push(Date.parse(c.created_at));
  for (const g of state.groups) times.push(Date.parse(g.created_at));
  times.sort((a, b) => a - b);
  const spanMs = times.length > 1 ? times[times.length - 1] - times[0] : 0;
  return {
    communities: state.communities.length,
    groups: state.groups.length,
    created: times.length,
    requests: state.counts.requests,
    rateLimited: state.counts.rateLimited,
    duplicates: state.duplicates.reduce((n, d) => n + d.count - 1, 0),
    firstAt: times[0],
    lastAt: times[times.length - 1],
    spanMs,
    /** Creates per second between the first and the last arrival. */
    rate: spanMs > 0 ? ((times.length - 1) / spanMs) * 1000 : 0,
  };
}
