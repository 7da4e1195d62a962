// Target 1, rate accuracy: `apply --rate R/s` against the simulator limited to R req/s (token
// bucket, burst R). Achieved rate is measured by the server (arrival times of the creates it
// holds), so it is what the limit sees. At R = 500 the same job also goes through p-queue's
// interval limiter, the alternative the pacer was written instead of (see src/run/pacer.ts).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, outDir, row } from '../lib/common.js';
import { bodiesFor, csvManifest } from '../lib/gen.js';
import { runCli, runNode } from '../lib/proc.js';
import { startSim, summarise } from '../lib/sim.js';

const BARE = join(ROOT, 'bench', 'baselines', 'bare-got.js');
const LATENCY_MS = 20;
const CONCURRENCY = 32;

export async function run({ quick, log }) {
  const seconds = quick ? 3 : 10;
  const sim = await startSim({ latencyMs: LATENCY_MS });
  const rows = [];
  try {
    // At 500/s a second concurrency: the pacer's look-ahead is the queue slots not in flight
    // (C − R × latency), and an event-loop stall longer than that loses slots (see BENCHMARKS.md).
    for (const [R, C] of [[20, CONCURRENCY], [100, CONCURRENCY], [500, CONCURRENCY], [500, 64]]) {
      const n = R * seconds;
      const csv = await csvManifest(n, 0, 'r');
      await sim.configure({ rateLimit: { rate: R } });
      await sim.reset();
      const ledger = join(outDir('work'), `rate-${R}.jsonl`);
      rmSync(ledger, { force: true });
      const res = await runCli(['apply', csv, '--ledger', ledger, '--rate', `${R}/s`, '--concurrency', String(C), '--quiet', '--log-level', 'warn'], { env: sim.env });
      const s = summarise(await sim.state());
      if (res.code !== 0 || s.created !== n) throw new Error(`rate ${R}: exit ${res.code}, created ${s.created}/${n}: ${res.stderr.slice(0, 500)}`);
      log(`  rate ${R}/s C=${C} ours: ${s.rate.toFixed(2)}/s over ${(s.spanMs / 1000).toFixed(1)} s, ${s.rateLimited} × 429`);
      rows.push(row({ target: '1 rate', case: `apply --rate ${R}/s --concurrency ${C}, ${n} creates; limit ${R}/s, burst ${R}, latency ${LATENCY_MS} ms`, measured: s.rate, baseline: R, ratio: s.rate / R, goal: '>= 0.98', note: `${s.rateLimited} × 429` }));

      if (R !== 500 || C !== CONCURRENCY) continue;
      const bodies = await bodiesFor(csv);
      for (const [limiter, label] of [
        ['pacer', 'bare got + the Pacer'],
        ['pq-even', 'p-queue intervalCap 1, interval 2 ms'],
        ['pq-window', 'p-queue intervalCap 500, interval 1 s'],
        ['pq-strict', 'p-queue intervalCap 500, interval 1 s, strict'],
      ]) {
        await sim.reset();
        const b = await runNode([BARE, sim.url, sim.token, bodies, '--concurrency', String(CONCURRENCY), '--rate', String(R), '--limiter', limiter]);
        const bs = summarise(await sim.state());
        if (b.code !== 0) throw new Error(`rate ${limiter}: exit ${b.code}: ${b.stderr.slice(0, 500)}`);
        log(`  rate ${R}/s ${limiter}: ${bs.rate.toFixed(2)}/s, ${bs.created}/${n} created, ${bs.rateLimited} × 429`);
        // A 429'd create is lost by the bare sender (no retries): count creates only.
        rows.push(row({ target: '1 rate', case: `(comparison, C=${CONCURRENCY}) ${label}`, measured: bs.rate, baseline: R, ratio: bs.rate / R, note: `${bs.rateLimited} × 429, ${n - bs.created} not created` }));
      }
    }
  } finally {
    await sim.stop();
  }
  return rows;
}
