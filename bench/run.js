// `npm run bench [-- --quick] [-- --only rate,peer]`: builds dist/ if it is older than src/,
// runs every bench suite in turn (each starts its own simulator process and measures the runner
// and its baseline as separate child processes), then prints one table and writes it to
// bench/.out/results.{json,md}. Every figure is a ratio against a baseline measured in this run.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { DIST, ROOT, fmt, newestMtime, outDir, parseFlags } from './lib/common.js';

const SUITES = ['startup', 'rate', 'schedule', 'overhead', 'manifest', 'noop', 'peer', 'auto-rate', 'pg-ledger'];

const flags = parseFlags();
const log = (s) => process.stderr.write(`${s}\n`);

function ensureBuild() {
  // The bundled CLI is written last by every build (build/bundle-cli.js): its age is the build's.
  const bundle = join(DIST, 'cli', 'bundle.cjs');
  const built = existsSync(bundle) && existsSync(join(DIST, 'index.js')) ? statSync(bundle).mtimeMs : 0;
  const source = newestMtime(join(ROOT, 'src'), (name) => name.endsWith('.ts'));
  if (flags.build && source > built) {
    log('building dist/ (src/ is newer) …');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  } else if (!built) {
    throw new Error('dist/ is missing: run npm run build');
  }
}

function machine() {
  const model = (cpus()[0]?.model ?? 'unknown').trim();
  const load = loadavg().map((l) => l.toFixed(1)).join(' ');
  return `${cpus().length} × ${model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}, load average ${load}`;
}

function table(rows) {
  const head = ['target', 'case', 'measured', 'baseline', 'ratio', 'goal', 'met', 'note'];
  const cells = rows.map((r) => [r.target, r.case, fmt(r.measured), fmt(r.baseline), fmt(r.ratio, 3), r.goal, r.ok === undefined ? '' : r.ok ? 'yes' : 'NO', r.note]);
  const md = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...cells.map((c) => `| ${c.map((x) => String(x ?? '').replace(/\|/g, '\\|')).join(' | ')} |`)].join('\n');
  return md;
}

const started = performance.now();
ensureBuild();
const names = flags.only ?? SUITES;
for (const n of names) if (!SUITES.includes(n)) throw new Error(`unknown suite ${n} (suites: ${SUITES.join(', ')})`);
log(`bench${flags.quick ? ' --quick' : ''}: ${names.join(', ')} on ${machine()}`);
const rows = [];
const failures = [];
for (const name of names) {
  const t = performance.now();
  log(`— ${name}`);
  try {
    const suite = await import(`./suites/${name}.js`);
    rows.push(...(await suite.run({ quick: flags.quick, log })));
  } catch (error) {
    failures.push(name);
    log(`  ${name} FAILED: ${error instanceof Error ? error.stack : String(error)}`);
  }
  log(`  (${((performance.now() - t) / 1000).toFixed(0)} s)`);
}
const seconds = (performance.now() - started) / 1000;
const md = table(rows);
const header = `npm run bench${flags.quick ? ' -- --quick' : ''} · ${new Date().toISOString()} · ${machine()} · ${seconds.toFixed(0)} s`;
writeFileSync(join(outDir(), 'results.json'), JSON.stringify({ header, quick: flags.quick, rows }, null, 2));
writeFileSync(join(outDir(), 'results.md'), `${header}\n\n${md}\n`);
process.stdout.write(`\n${header}\n\n${md}\n`);
if (failures.length) {
  log(`\nsuites that failed: ${failures.join(', ')}`);
  process.exitCode = 1;
}
