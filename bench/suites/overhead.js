// Target 3, per-request overhead: CPU time of `apply` per request (manifest, plan, pacing,
// retries, ledger fsyncs included) against a bare got script sending the same POSTs at the same
// concurrency and recording nothing. Both are child processes; the simulator is a third.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, outDir, row } from '../lib/common.js';
import { bodiesFor, csvManifest } from '../lib/gen.js';
import { runCli, runNode } from '../lib/proc.js';
import { startSim, summarise } from '../lib/sim.js';

const BARE = join(ROOT, 'bench', 'baselines', 'bare-got.js');
const CONCURRENCY = 16;

export async function run({ quick, log }) {
  const sizes = quick ? [100, 400] : [200, 1500]; // communities, 9 groups each
  const repeats = quick ? 1 : 3;
  const sim = await startSim({ latencyMs: 2 });
  const results = [];
  try {
    for (const communities of sizes) {
      const csv = await csvManifest(communities, 9, 'o');
      const bodies = await bodiesFor(csv);
      const n = communities * 10;
      const cpu = { ours: [], bare: [] };
      const wall = { ours: [], bare: [] };
      for (let r = 0; r < repeats; r++) {
        for (const who of ['bare', 'ours']) {
          await sim.reset();
          let res;
          if (who === 'ours') {
            const ledger = join(outDir('work'), `overhead-${communities}.jsonl`);
            rmSync(ledger, { force: true });
            res = await runCli(['apply', csv, '--ledger', ledger, '--rate', '100000/s', '--concurrency', String(CONCURRENCY), '--quiet', '--log-level', 'warn'], { env: sim.env });
          } else {
            res = await runNode([BARE, sim.url, sim.token, bodies, '--concurrency', String(CONCURRENCY)]);
          }
          const s = summarise(await sim.state());
          if (res.code !== 0 || s.created !== n) throw new Error(`overhead ${who}: exit ${res.code}, created ${s.created}/${n}: ${res.stderr.slice(0, 500)}`);
          cpu[who].push(res.cpuMs);
          wall[who].push(res.wallMs);
          log(`  overhead ${who} n=${n}: cpu ${res.cpuMs.toFixed(0)} ms, wall ${res.wallMs.toFixed(0)} ms, rss ${res.maxRssMB.toFixed(0)} MB`);
        }
      }
      // Best of the runs for each side, as for makespans: on a shared machine the least disturbed
      // run is the one closest to the work itself (single runs moved either side by ±15%).
      results.push({ n, ours: Math.min(...cpu.ours), bare: Math.min(...cpu.bare), oursWall: Math.min(...wall.ours), bareWall: Math.min(...wall.bare) });
    }
  } finally {
    await sim.stop();
  }
  const rows = [];
  for (const r of results) {
    const ours = (r.ours / r.n) * 1000;
    const bare = (r.bare / r.n) * 1000;
    rows.push(row({ target: '3 overhead', case: `CPU µs/request, ${r.n} requests, C=${CONCURRENCY} (process total)`, measured: ours, baseline: bare, ratio: ours / bare, goal: '<= 1.3' }));
  }
  // The slope between the two sizes: per-request cost with start-up (module loading, manifest
  // and ledger set-up) taken out of both.
  const [a, b] = results;
  const oursSlope = ((b.ours - a.ours) / (b.n - a.n)) * 1000;
  const bareSlope = ((b.bare - a.bare) / (b.n - a.n)) * 1000;
  rows.push(row({ target: '3 overhead', case: `CPU µs/request, marginal (${a.n}→${b.n} requests)`, measured: oursSlope, baseline: bareSlope, ratio: oursSlope / bareSlope, goal: '<= 1.3' }));
  return rows;
}
