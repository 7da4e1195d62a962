// Target 5, no-op rerun: the ledger of a finished run of communities × 9 groups (an attempt and
// a created line per item, as the executor writes them) and the same manifest: `apply` must
// send nothing and exit 0. Compared with reading and JSON.parse-ing the ledger file alone, and
// with that plus csv-parse reading the manifest (the least any rerun must read).
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, outDir, row } from '../lib/common.js';
import { csvManifest, ledgerFor } from '../lib/gen.js';
import { runCli, runNode } from '../lib/proc.js';
import { startSim, summarise } from '../lib/sim.js';

const LEDGER_PARSE = join(ROOT, 'bench', 'baselines', 'ledger-parse-only.js');
const CSV_PARSE = join(ROOT, 'bench', 'baselines', 'csv-parse-only.js');

export async function run({ quick, log }) {
  const communities = quick ? 10_000 : 100_000;
  const n = communities * 10;
  const csv = await csvManifest(communities, 9, 'c');
  const source = await ledgerFor(csv);
  const ledger = join(outDir('work'), 'noop.jsonl');
  copyFileSync(source, ledger); // apply appends nothing, but a run must never touch the cached input
  const sim = await startSim();
  try {
    const parse = await runNode([LEDGER_PARSE, ledger]);
    const csvParse = await runNode([CSV_PARSE, csv]);
    const ours = await runCli(['apply', csv, '--ledger', ledger, '--quiet', '--log-level', 'warn'], { env: sim.env });
    const s = summarise(await sim.state());
    log(`  noop ${n} items: apply ${ours.wallMs.toFixed(0)} ms, ${ours.maxRssMB.toFixed(0)} MB, exit ${ours.code}, ${s.requests} requests; ledger parse ${parse.wallMs.toFixed(0)} ms; csv-parse ${csvParse.wallMs.toFixed(0)} ms`);
    if (parse.code !== 0 || csvParse.code !== 0) throw new Error('noop: a baseline failed');
    const ok = ours.code === 0 && s.requests === 0;
    const note = `exit ${ours.code}, ${s.requests} requests sent, peak RSS ${ours.maxRssMB.toFixed(0)} MB${ok ? '' : ' (FAILED: must be exit 0 and nothing sent)'}`;
    return [
      row({ target: '5 no-op', case: `apply, ledger of ${n.toLocaleString('en-US')} created items (${(2 * n).toLocaleString('en-US')} lines): wall ms vs read + JSON.parse of the ledger`, measured: ours.wallMs, baseline: parse.wallMs, ratio: ours.wallMs / parse.wallMs, goal: '<= 2', note }),
      row({ target: '5 no-op', case: '(comparison) vs ledger read + JSON.parse, plus csv-parse of the manifest', measured: ours.wallMs, baseline: parse.wallMs + csvParse.wallMs, ratio: ours.wallMs / (parse.wallMs + csvParse.wallMs) }),
    ];
  } finally {
    await sim.stop();
    rmSync(ledger, { force: true });
    rmSync(`${ledger}.lock`, { force: true, recursive: true });
  }
}
