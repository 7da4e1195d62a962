// Target 7, the PostgreSQL ledger (issue 13), against the file ledger in the same run: `apply` at
// 500 req/s (the server's limit) with each ledger, and a no-op rerun over 100,000 and 1,000,000
// items with each.
// The cluster is a throwaway one on loopback with durable commits (fsync, synchronous_commit on).
import { copyFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { outDir, row } from '../lib/common.js';
import { claimLedger, csvManifest, ledgerFor } from '../lib/gen.js';
import { findPgBin, startPgCluster } from '../lib/pg.js';
import { runCli } from '../lib/proc.js';
import { startSim, summarise } from '../lib/sim.js';

const R = 500;
const CONCURRENCY = 32;
const LATENCY_MS = 20;

export async function run({ quick, log }) {
  if (!findPgBin()) {
    log('  skipped: no PostgreSQL binaries (initdb, pg_ctl) on PATH or in /usr/lib/postgresql/*/bin');
    return [row({ target: '7 pg ledger', case: 'skipped: no PostgreSQL binaries on this machine', note: "install Debian's postgresql" })];
  }
  const cluster = await startPgCluster();
  const rows = [];
  try {
    // At 32 in flight (the rate suite's setting) and at 64: a commit to a database on another
    // process costs more than an O_DSYNC write, and more requests in flight hide it.
    // PG_LEDGER_CASES=noop runs only the no-op cases (for tuning).
    const only = process.env.PG_LEDGER_CASES;
    if (only !== 'noop') for (const c of [CONCURRENCY, 64]) rows.push(...(await rate(cluster, quick, log, c)));
    // Issue 22: the no-op at 1,000,000 items too, within 1.2 × the file's (the 100,000-item case for scale).
    for (const communities of quick ? [2_000] : [10_000, 100_000]) rows.push(...(await noop(cluster, communities, log)));
  } finally {
    await cluster.close();
  }
  return rows;
}

/** apply --rate 500/s with the file ledger, then with PostgreSQL, one manifest, one limited simulator. */
async function rate(cluster, quick, log, concurrency) {
  const n = R * (quick ? 3 : 10);
  const csv = await csvManifest(n, 0, 'p');
  const sim = await startSim({ latencyMs: LATENCY_MS });
  const runs = { file: [], postgres: [] };
  const loads = [];
  try {
    await sim.configure({ rateLimit: { rate: R } });
    const file = join(outDir('work'), 'pg-rate.jsonl');
    // File, PostgreSQL, PostgreSQL, file, twice: on a shared machine whose load drifts, the two
    // ledgers see the same drift on average (an ABBA order), and each figure is a mean of runs.
    const order = ['file', 'postgres', 'postgres', 'file'];
    for (const name of quick ? order : [...order, ...order]) {
      loads.push(loadavg()[0]);
      const ledger = name === 'file' ? file : await cluster.createDatabase();
      rmSync(file, { force: true });
      await sim.reset();
      const res = await runCli(['apply', csv, '--ledger', ledger, '--rate', `${R}/s`, '--concurrency', String(concurrency), '--quiet', '--log-level', 'warn'], { env: sim.env });
      const s = summarise(await sim.state());
      if (res.code !== 0 || s.created !== n) throw new Error(`pg rate (${name}): exit ${res.code}, created ${s.created}/${n}: ${res.stderr.slice(0, 500)}`);
      log(`  C=${concurrency} ${name} ledger: ${s.rate.toFixed(2)}/s over ${(s.spanMs / 1000).toFixed(1)} s, ${s.rateLimited} × 429, cpu ${res.cpuMs?.toFixed(0)} ms`);
      runs[name].push({ rate: s.rate, limited: s.rateLimited, cpuMs: res.cpuMs ?? NaN });
    }
    rmSync(file, { force: true });
  } finally {
    await sim.stop();
  }
  const mean = (list, key) => list.reduce((sum, r) => sum + r[key], 0) / list.length;
  const rates = Object.fromEntries(
    Object.entries(runs).map(([name, list]) => [name, { rate: mean(list, 'rate'), limited: mean(list, 'limited'), cpuMs: mean(list, 'cpuMs'), each: list.map((r) => r.rate.toFixed(0)).join(', ') }]),
  );
  return [
    row({
      target: '7 pg ledger',
      case: `apply --rate ${R}/s --concurrency ${concurrency}, ${n} creates, limit ${R}/s, latency ${LATENCY_MS} ms: PostgreSQL ledger vs the file ledger, same run`,
      measured: rates.postgres.rate,
      baseline: rates.file.rate,
      ratio: rates.postgres.rate / rates.file.rate,
      goal: '>= 0.98',
      note: `means of ${runs.postgres.length} runs each (postgres ${rates.postgres.each}/s, file ${rates.file.each}/s); ${rates.postgres.limited} / ${rates.file.limited} × 429; CPU ${rates.postgres.cpuMs.toFixed(0)} / ${rates.file.cpuMs.toFixed(0)} ms per run; load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} at the runs' starts`,
    }),
  ];
}

/** A no-op rerun: the ledger of a finished run (an attempt and a created line per item), in a file and imported into PostgreSQL. */
async function noop(cluster, communities, log) {
  const n = communities * 10;
  // The 1,000,000-item case shares the noop suite's inputs (prefix c): 0.5 GB of ledger, generated once.
  const csv = await csvManifest(communities, 9, communities >= 100_000 ? 'c' : 'q');
  const source = await ledgerFor(csv);
  const file = join(outDir('work'), 'pg-noop.jsonl');
  copyFileSync(source, file);
  const url = await cluster.createDatabase();
  const sim = await startSim();
  await claimLedger(file, sim.env.GENUIN_API_URL);
  try {
    const imported = await runCli(['ledger', 'import', file, '--ledger', url]);
    if (imported.code !== 0) throw new Error(`pg noop: import exit ${imported.code}: ${imported.stderr.slice(0, 500)}`);
    // The database ledger's settled record is in a cache directory: this run's own.
    const env = { ...sim.env, GENUIN_CACHE_DIR: outDir('work') };
    const fileRun = await runCli(['apply', csv, '--ledger', file, '--quiet', '--log-level', 'warn'], { env });
    const pgRun = await runCli(['apply', csv, '--ledger', url, '--quiet', '--log-level', 'warn'], { env });
    // Then the scheduled rerun with nothing changed, each reusing its first run's answer: a second
    // or so each, so three of each in ABBA order and the mean (one run is mostly the host's noise).
    const again = { file: [], postgres: [] };
    for (const name of ['file', 'postgres', 'postgres', 'file', 'file', 'postgres']) {
      again[name].push(await runCli(['apply', csv, '--ledger', name === 'file' ? file : url, '--quiet', '--log-level', 'warn'], { env }));
    }
    const meanOf = (runs) => ({ wallMs: runs.reduce((t, r) => t + r.wallMs, 0) / runs.length, maxRssMB: Math.max(...runs.map((r) => r.maxRssMB ?? 0)), code: runs.find((r) => r.code !== 0)?.code ?? 0 });
    const fileAgain = meanOf(again.file);
    const pgAgain = meanOf(again.postgres);
    const settled = [...again.file, ...again.postgres].every((r) => /nothing changed since run/.test(r.stdout + r.stderr));
    const s = summarise(await sim.state());
    log(`  noop ${n} items: file ${fileRun.wallMs.toFixed(0)} ms (exit ${fileRun.code}), postgres ${pgRun.wallMs.toFixed(0)} ms (exit ${pgRun.code}); again ${fileAgain.wallMs.toFixed(0)} / ${pgAgain.wallMs.toFixed(0)} ms${settled ? ' (settled)' : ''}; import ${imported.wallMs.toFixed(0)} ms, ${s.requests} requests`);
    const ok = fileRun.code === 0 && pgRun.code === 0 && s.requests === 0;
    return [
      row({
        target: '7 pg ledger',
        case: `the scheduled no-op over ${n.toLocaleString('en-US')} items, nothing changed since the first: PostgreSQL ledger vs the file ledger, wall ms`,
        measured: pgAgain.wallMs,
        baseline: fileAgain.wallMs,
        ratio: pgAgain.wallMs / fileAgain.wallMs,
        goal: n >= 1_000_000 ? '<= 1.2' : undefined,
        note: `means of 3 runs each, in turn; exit ${pgAgain.code} / ${fileAgain.code}; peak RSS ${pgAgain.maxRssMB?.toFixed(0)} / ${fileAgain.maxRssMB?.toFixed(0)} MB${settled && pgAgain.code === 0 && fileAgain.code === 0 ? '' : ' (FAILED: both must be settled, exit 0)'}`,
      }),
      row({
        target: '7 pg ledger',
        case: `the first no-op apply over ${n.toLocaleString('en-US')} created items (${(2 * n).toLocaleString('en-US')} lines, reads everything): PostgreSQL ledger vs the file ledger, wall ms`,
        measured: pgRun.wallMs,
        baseline: fileRun.wallMs,
        ratio: pgRun.wallMs / fileRun.wallMs,
        goal: n >= 1_000_000 ? '<= 1.2' : undefined,
        note: `exit ${pgRun.code} / ${fileRun.code}, ${s.requests} requests; peak RSS ${pgRun.maxRssMB?.toFixed(0)} / ${fileRun.maxRssMB?.toFixed(0)} MB${ok ? '' : ' (FAILED: must be exit 0 and nothing sent)'}`,
      }),
      row({ target: '7 pg ledger', case: `(for scale) ledger import of those ${(2 * n).toLocaleString('en-US')} lines into PostgreSQL, wall ms`, measured: imported.wallMs, note: 'one transaction' }),
    ];
  } finally {
    await sim.stop();
    rmSync(file, { force: true });
    rmSync(`${file}.settled`, { force: true });
  }
}
