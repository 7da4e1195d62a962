// scratch: old vs new start-up, in turn (not committed)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { median, outDir } from './lib/common.js';
import { runNode } from './lib/proc.js';
const rounds = Number(process.argv[2] ?? 15);
const dir = outDir('work');
const yaml = join(dir, 'startup-empty.yaml'); const csv = join(dir, 'startup-empty.csv');
writeFileSync(yaml, 'version: 1\n'); writeFileSync(csv, 'kind,handle,name,type,community_handle,group.name\n');
const ledger = join(dir, 'startup-absent.jsonl');
const OLD = '/tmp/sb/old/bin/genuin-provision.js', NEW = '/work/wt-startup/bin/genuin-provision.cjs';
const cli = (bin, args) => () => runNode([bin, ...args], { cwd: dir });
const cases = {
  node: () => runNode(['-e', '0']),
  'old yaml': cli(OLD, ['plan', yaml, '--ledger', ledger]), 'new yaml': cli(NEW, ['plan', yaml, '--ledger', ledger]),
  'old csv': cli(OLD, ['plan', csv, '--ledger', ledger]), 'new csv': cli(NEW, ['plan', csv, '--ledger', ledger]),
  'old version': cli(OLD, ['--version']), 'new version': cli(NEW, ['--version']),
};
const got = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let i = 0; i < rounds; i++) for (const [k, go] of Object.entries(cases)) { const r = await go(); if (r.code !== 0) throw new Error(k + r.stderr); got[k].push(r); }
const w = (k) => median(got[k].map((r) => r.wallMs)), c = (k) => median(got[k].map((r) => r.cpuMs)), b = (k) => Math.min(...got[k].map((r) => r.wallMs));
for (const k of Object.keys(cases)) console.log(`${k.padEnd(12)} wall median ${w(k).toFixed(0)} ms (${(w(k) / w('node')).toFixed(2)} ×)  best ${b(k).toFixed(0)} (${(b(k) / b('node')).toFixed(2)} ×)  CPU ${c(k).toFixed(0)} ms (${(c(k) / c('node')).toFixed(2)} ×)`);
