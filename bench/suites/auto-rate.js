// Issue 14's targets: `apply --rate auto` (and an explicit `--rate 10L`) against simulators
// limited to L = 5, 30 and 200 req/s (token bucket, burst L) the client is not told, over 60 × L
// creates; and two `--rate auto` runs started together on one token (one simulator), 30 × L
// creates each. Achieved rates come from the server (arrival times of the creates it holds),
// 429s from its counters; each case has its own simulator process. The rate over time of every
// case goes to bench/charts/auto-rate-L<L>.svg (committed, shown in BENCHMARKS.md).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ROOT, outDir, row } from '../lib/common.js';
import { csvManifest } from '../lib/gen.js';
import { runCli } from '../lib/proc.js';
import { startSim } from '../lib/sim.js';
import { lineChart } from '../lib/svg.js';

const LATENCY_MS = 20;
const CONCURRENCY = 64;
const CHARTS = join(ROOT, 'bench', 'charts');
/** Cases of these limits run side by side (light on CPU); 200/s cases run one at a time. */
const PHASES = [[5, 30], [200]];
/**
 * Cases run side by side start this far apart: a CLI starting up takes most of a core for a
 * moment, and six starting at once on two cores answered their first requests a second late
 * (a start-up no operator's run shares with five others).
 */
const STAGGER_MS = 2_000;
/**
 * `AUTO_RATE_CASES=30:two,5:fixed` runs only these cases (for tuning; charts are not written).
 * A full run of the suite is what BENCHMARKS.md quotes.
 */
/**
 * `short` (issue 22): `--rate 10L` over a run of SHORT_RUN creates, where the first overload is
 * a large share of the requests (3 s of sending at L = 200/s, 2 minutes at 5/s).
 */
const KINDS = ['auto', 'fixed', 'two', 'short'];
const SHORT_RUN = 600;
const ONLY = process.env.AUTO_RATE_CASES?.split(',').map((c) => c.trim());

export async function run({ quick, log }) {
  const span = quick ? 16 : 60;
  const rows = [];
  mkdirSync(CHARTS, { recursive: true });
  for (const limits of PHASES) {
    const cases = limits.flatMap((L) => KINDS.map((kind) => ({ L, kind }))).filter((c) => !ONLY || ONLY.includes(`${c.L}:${c.kind}`));
    if (cases.length === 0) continue;
    const concurrent = limits.includes(200) ? 1 : cases.length;
    const results = [];
    for (let i = 0; i < cases.length; i += concurrent) {
      results.push(...(await Promise.all(cases.slice(i, i + concurrent).map((c, k) => delay(k * STAGGER_MS).then(() => runCase({ ...c, span, log }))))));
    }
    for (const L of limits) {
      const mine = results.filter((r) => r.L === L);
      for (const r of mine) rows.push(...r.rows);
      if (!quick && !ONLY) writeFileSync(join(CHARTS, `auto-rate-L${L}.svg`), chart(L, mine));
    }
  }
  return rows;
}

async function runCase({ L, kind, span, log }) {
  const sim = await startSim({ latencyMs: LATENCY_MS });
  try {
    await sim.configure({ rateLimit: { rate: L } });
    await sim.reset();
    const n = kind === 'short' ? SHORT_RUN : span * L;
    const runs = kind === 'two' ? ['a', 'b'].map((p) => ({ prefix: `ar${L}two${p}`, n: n / 2 })) : [{ prefix: `ar${L}${kind}`, n }];
    const rateArgs = kind === 'fixed' || kind === 'short' ? ['--rate', `${10 * L}/s`] : ['--rate', 'auto'];
    const done = await Promise.all(
      runs.map(async ({ prefix, n }) => {
        const csv = await csvManifest(n, 0, prefix);
        const ledger = join(outDir('work'), `auto-rate-${prefix}.jsonl`);
        rmSync(ledger, { force: true });
        const res = await runCli(['apply', csv, '--ledger', ledger, ...rateArgs, '--concurrency', String(CONCURRENCY), '--quiet', '--json', '--log-level', 'warn'], { env: sim.env });
        if (res.code !== 0) throw new Error(`auto-rate L=${L} ${kind} ${prefix}: exit ${res.code}: ${res.stderr.slice(0, 500)}`);
        return { prefix, n, ledger, summary: JSON.parse(res.stdout) };
      }),
    );
    const state = await sim.state();
    const t0 = Math.min(...state.communities.map((c) => Date.parse(c.created_at)));
    const per = done.map((d) => {
      const times = state.communities.filter((c) => c.handle.startsWith(d.prefix)).map((c) => Date.parse(c.created_at) - t0).sort((a, b) => a - b);
      if (times.length !== d.n) throw new Error(`auto-rate L=${L} ${kind} ${d.prefix}: ${times.length}/${d.n} created`);
      return { ...d, times, refusedAt: refusals(d.ledger).map((t) => t - t0) };
    });
    const share = state.counts.rateLimited / state.counts.requests;
    const note = `${state.counts.rateLimited} × 429 of ${state.counts.requests} requests (${(share * 100).toFixed(2)} %)`;
    if (ONLY) for (const p of per) log(`    ${p.prefix} 429 at s: ${p.refusedAt.map((t) => (t / 1000).toFixed(2)).join(' ')}`);
    const rows = [];
    if (kind === 'two') {
      // While both run: from the first create to the moment the first of the two finished.
      const both = Math.min(...per.map((p) => p.times[p.times.length - 1]));
      const rates = per.map((p) => (p.times.filter((t) => t <= both).length / both) * 1000);
      log(`  L=${L} two runs: ${rates.map((r) => r.toFixed(2)).join(' and ')}/s while both ran (${(both / 1000).toFixed(1)} s); ${note}; found ${per.map((p) => p.summary.rate_found).join(', ')}`);
      const extra = L === 5 ? ' (not a target: see BENCHMARKS.md)' : '';
      rates.forEach((r, i) =>
        rows.push(row({ target: '14 share', case: `two apply --rate auto together, run ${'AB'[i]}, ${per[i].n} creates each; limit ${L}/s unknown${extra}`, measured: r, baseline: L, ratio: r / L, goal: extra ? undefined : '>= 0.4', note: `rate found ${per[i].summary.rate_found}/s` })),
      );
      rows.push(row({ target: '14 share', case: `two runs together, limit ${L}/s: share of requests answered 429${extra}`, measured: share * 100, baseline: 2, ratio: share / 0.02, goal: extra ? undefined : '<= 1', note }));
    } else if (kind === 'short') {
      const p = per[0];
      log(`  L=${L} --rate ${10 * L}/s, ${p.n} creates: ${note}`);
      rows.push(row({ target: '22 start', case: `apply --rate ${10 * L}/s (10 × L), ${p.n} creates; limit ${L}/s burst ${L} unknown: share of requests answered 429 (%)`, measured: share * 100, baseline: 1, ratio: share / 0.01, goal: '<= 1', note: `${note}; ${((p.n - 1) / (p.times[p.times.length - 1] / 1000)).toFixed(2)}/s achieved` }));
    } else {
      const p = per[0];
      const rate = ((p.times.length - 1) / p.times[p.times.length - 1]) * 1000;
      const label = kind === 'auto' ? 'apply --rate auto' : `apply --rate ${10 * L}/s (10 × L)`;
      log(`  L=${L} ${label}: ${rate.toFixed(2)}/s over ${(p.times[p.times.length - 1] / 1000).toFixed(1)} s; ${note}; found ${p.summary.rate_found}`);
      rows.push(row({ target: '14 auto', case: `${label}, ${p.n} creates; limit ${L}/s burst ${L} unknown`, measured: rate, baseline: L, ratio: rate / L, goal: '>= 0.9', note: `rate found ${p.summary.rate_found}/s` }));
      rows.push(row({ target: '14 auto', case: `${label}, limit ${L}/s: share of requests answered 429 (%)`, measured: share * 100, baseline: 2, ratio: share / 0.02, goal: '<= 1', note }));
    }
    return { L, kind, per, rows };
  } finally {
    await sim.stop();
  }
}

/** When the run's requests were answered 429: its ledger's `failed` lines with status 429. */
function refusals(ledger) {
  const out = [];
  for (const line of readFileSync(ledger, 'utf8').split('\n')) {
    if (!line.includes('"status":429')) continue;
    out.push(Date.parse(JSON.parse(line).at));
  }
  return out;
}

/** Creates per second in one-second bins, as [seconds, rate] points. */
function perSecond(times) {
  const end = Math.ceil((times[times.length - 1] ?? 0) / 1000);
  const bins = new Array(end + 1).fill(0);
  for (const t of times) bins[Math.floor(t / 1000)]++;
  return bins.slice(0, end).map((n, s) => [s + 0.5, n]);
}

function chart(L, cases) {
  const series = [];
  const name = { auto: '--rate auto', fixed: `--rate ${10 * L}/s` };
  for (const c of cases.filter((c) => c.kind !== 'short').sort((a, b) => KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind))) {
    c.per.forEach((p, i) => {
      series.push({ name: c.kind === 'two' ? `two runs together: run ${'AB'[i]}` : name[c.kind], points: perSecond(p.times), dash: c.kind === 'two', marks: p.refusedAt.map((t) => t / 1000) });
    });
    if (c.kind === 'two') {
      const all = c.per.flatMap((p) => p.times).sort((a, b) => a - b);
      series.push({ name: 'two runs together: A + B', points: perSecond(all), dash: true });
    }
  }
  return lineChart({
    title: `Creates per second over time against a token bucket of ${L}/s (burst ${L}), unknown to the client`,
    xLabel: 'seconds since the first create (1 s bins); ticks below: requests answered 429',
    yLabel: 'creates per second',
    series,
    hlines: [
      { y: L, label: `limit ${L}/s` },
      { y: 0.9 * L, label: '0.9 L' },
    ],
  });
}
