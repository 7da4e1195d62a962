// Target 2, dependency scheduling: makespan of communities × 9 groups with latency L per
// request, concurrency C and rate R, against the lower bound max(N / min(R, C/L), chain × L).
// Two comparisons run in the same bench: the naive schedule (all communities, then all groups,
// same pacer and concurrency, bare got), and apply on the same number of items with no
// dependencies at all (communities only), which shows what is scheduling and what is per-request
// cost. Makespan is measured by the server: first arrival to last arrival, + L. Best of N runs.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, outDir, row } from '../lib/common.js';
import { bodiesFor, csvManifest } from '../lib/gen.js';
import { runCli, runNode } from '../lib/proc.js';
import { startSim, summarise } from '../lib/sim.js';

const BARE = join(ROOT, 'bench', 'baselines', 'bare-got.js');
const L = 50;
const CHAIN = 2; // community, then its group

export async function run({ quick, log }) {
  const communities = quick ? 40 : 120;
  const repeats = quick ? 1 : 2;
  const n = communities * 10;
  const csv = await csvManifest(communities, 9, 's');
  const flat = await csvManifest(n, 0, 'sf');
  const bodies = await bodiesFor(csv);
  const sim = await startSim({ latencyMs: L });
  const rows = [];
  try {
    for (const { C, R, label } of [
      { C: 16, R: 1000, label: 'concurrency-bound' },
      { C: 32, R: 200, label: 'rate-bound' },
    ]) {
      const bound = Math.max(n / Math.min(R, C / (L / 1000)), (CHAIN * L) / 1000) * 1000;
      await sim.configure({ rateLimit: { rate: R } });
      const makespan = { naive: Infinity, ours: Infinity, flat: Infinity };
      for (let r = 0; r < repeats; r++) {
        for (const who of ['naive', 'ours', 'flat']) {
          await sim.reset();
          let res;
          if (who === 'naive') {
            res = await runNode([BARE, sim.url, sim.token, bodies, '--concurrency', String(C), '--rate', String(R), '--limiter', 'pacer']);
          } else {
            const ledger = join(outDir('work'), `schedule-${who}.jsonl`);
            rmSync(ledger, { force: true });
            res = await runCli(['apply', who === 'ours' ? csv : flat, '--ledger', ledger, '--rate', `${R}/s`, '--concurrency', String(C), '--quiet', '--log-level', 'warn'], { env: sim.env });
          }
          const s = summarise(await sim.state());
          if (res.code !== 0 || s.created !== n) throw new Error(`schedule ${who}: exit ${res.code}, created ${s.created}/${n}, ${s.rateLimited} × 429: ${res.stderr.slice(0, 500)}`);
          makespan[who] = Math.min(makespan[who], s.spanMs + L);
          log(`  schedule ${label} ${who}: makespan ${s.spanMs + L} ms (bound ${bound.toFixed(0)} ms), ${s.rateLimited} × 429`);
        }
      }
      const common = `${communities}×(1+9) = ${n} items, L=${L} ms, C=${C}, R=${R}/s: ${label}`;
      rows.push(row({ target: '2 schedule', case: `apply makespan (ms) vs lower bound; ${common}`, measured: makespan.ours, baseline: bound, ratio: makespan.ours / bound, goal: '<= 1.05' }));
      rows.push(row({ target: '2 schedule', case: '(comparison) naive: all communities, then all groups', measured: makespan.naive, baseline: bound, ratio: makespan.naive / bound }));
      rows.push(row({ target: '2 schedule', case: `(comparison) apply, ${n} items without dependencies`, measured: makespan.flat, baseline: bound, ratio: makespan.flat / bound }));
    }
  } finally {
    await sim.stop();
  }
  return rows;
}
