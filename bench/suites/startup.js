// Issue 22, start-up: `plan` of an empty manifest against `node -e 0`, both with the bench's
// probe preloaded, run in turn so that the machine's load falls on both alike. What it measures
// is module loading: a command should load only the modules it uses.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { median, outDir, row } from '../lib/common.js';
import { runCli, runNode } from '../lib/proc.js';

export async function run({ quick, log }) {
  const rounds = quick ? 5 : 15;
  const dir = outDir('work');
  const yaml = join(dir, 'startup-empty.yaml');
  const csv = join(dir, 'startup-empty.csv');
  writeFileSync(yaml, 'version: 1\n');
  writeFileSync(csv, 'kind,handle,name,type,community_handle,group.name\n');
  const ledger = join(dir, 'startup-absent.jsonl'); // never created: plan reads no ledger
  const cases = {
    node: () => runNode(['-e', '0']),
    yaml: () => runCli(['plan', yaml, '--ledger', ledger]),
    csv: () => runCli(['plan', csv, '--ledger', ledger]),
    version: () => runCli(['--version']),
  };
  const got = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < rounds; i++) {
    for (const [name, go] of Object.entries(cases)) {
      const r = await go();
      if (r.code !== 0) throw new Error(`startup: ${name} exited ${r.code}: ${r.stderr.slice(0, 300)}`);
      got[name].push(r);
    }
  }
  const wall = (name) => median(got[name].map((r) => r.wallMs));
  const cpu = (name) => median(got[name].map((r) => r.cpuMs));
  const best = (name) => Math.min(...got[name].map((r) => r.wallMs));
  for (const name of Object.keys(cases)) log(`  ${name}: wall median ${wall(name).toFixed(0)} ms (best ${best(name).toFixed(0)}), CPU median ${cpu(name).toFixed(0)} ms`);
  const note = (name) => `medians of ${rounds} runs in turn; best wall ${best(name).toFixed(0)} vs ${best('node').toFixed(0)} ms; CPU ${cpu(name).toFixed(0)} vs ${cpu('node').toFixed(0)} ms (${(cpu(name) / cpu('node')).toFixed(2)} ×)`;
  return [
    row({ target: '22 start-up', case: 'plan of an empty YAML manifest (`version: 1`), no ledger: wall ms vs node -e 0', measured: wall('yaml'), baseline: wall('node'), ratio: wall('yaml') / wall('node'), goal: '<= 2', note: note('yaml') }),
    row({ target: '22 start-up', case: '(comparison) plan of an empty CSV manifest (a header only): wall ms vs node -e 0', measured: wall('csv'), baseline: wall('node'), ratio: wall('csv') / wall('node'), note: note('csv') }),
    row({ target: '22 start-up', case: '(comparison) --version: wall ms vs node -e 0', measured: wall('version'), baseline: wall('node'), ratio: wall('version') / wall('node'), note: note('version') }),
  ];
}
