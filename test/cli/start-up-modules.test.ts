// Issue 22: a command loads only the modules it uses. The built CLI runs with a module hook that
// writes down every module it loads (ESM through the loader hook, CommonJS from require.cache at
// exit); the packages a plan, or a rerun with nothing to send, must not load are named here. The
// CLI as shipped is one bundle (build/bundle-cli.js) that loads got, hpagent, pg, prom-client and
// pino-pretty as files of their own (node_modules/<name>, dist/vendor/<name>.cjs); our own modules,
// yaml and csv-parse are inside it, so what a command loads of those is read from tsc's modules
// (dist/), whose imports the bundle follows (a module in it runs when the ES module would load).
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT, spawnCli, tempDir, type CliResult } from '../helpers/cli.js';

const TOKEN = 'gn-test-token-0123456789';

/** Files that make a process write every module it loads to `list`. */
function moduleRecorder(dir: string, list: string): string {
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(hooks, `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) { appendFileSync(${JSON.stringify(list)}, url + '\\n'); return next(url, context); }\n`);
  const register = join(dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  const cjs = join(dir, 'cjs.cjs');
  writeFileSync(cjs, `process.on('exit', () => require('node:fs').appendFileSync(${JSON.stringify(list)}, Object.keys(require.cache).join('\\n') + '\\n'));\n`);
  return `--import ${pathToFileURL(register).href} --require ${cjs}`;
}

/** The CLI from tsc's modules (dist/cli/main.js), not the bundle: the graph of our own modules. */
function spawnModules(args: string[], cwd: string, env: Record<string, string>): Promise<Pick<CliResult, 'code'>> {
  const main = pathToFileURL(join(ROOT, 'dist', 'cli', 'main.js')).href;
  const code = `import(${JSON.stringify(main)}).then((m) => m.main(process.argv)).then((c) => { process.exitCode = c; });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', code, 'genuin-provision', ...args], { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ...env }, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c }));
  });
}

/** The packages (node_modules, dist/vendor), our own modules (dist/) and bin/ files a run of `args` loaded. */
async function loaded(
  args: string[],
  files: Record<string, string>,
  env: Record<string, string> = {},
  cli: 'shipped' | 'modules' = 'shipped',
): Promise<{ code: number | null; packages: Set<string>; ours: string[]; bin: string[] }> {
  const cwd = tempDir();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(cwd, name), text);
  const list = join(cwd, 'loaded.txt');
  writeFileSync(list, '');
  const withHook = { ...env, NODE_OPTIONS: moduleRecorder(cwd, list) };
  const r = cli === 'shipped' ? await spawnCli(args, { cwd, env: withHook }) : await spawnModules(args, cwd, withHook);
  if (r.code !== 0) appendFileSync(list, ''); // keep the list for the assertion's message
  const lines = existsSync(list) ? readFileSync(list, 'utf8').split('\n').filter(Boolean) : [];
  const packageOf = (l: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(l)?.[1] ?? /\/dist\/vendor\/(.+)\.cjs$/.exec(l)?.[1];
  const packages = new Set(lines.map(packageOf).filter((p): p is string => p !== undefined));
  const ours = lines.map((l) => /\/dist\/(.+)$/.exec(l)?.[1]).filter((p): p is string => p !== undefined && !p.startsWith('vendor/'));
  const bin = lines.map((l) => /\/bin\/([^/]+)$/.exec(l)?.[1]).filter((p): p is string => p !== undefined);
  return { code: r.code, packages, ours, bin };
}

/** Loaded only by what needs them: the HTTP client, a proxy, PostgreSQL, metrics, terminal logs. */
const NOT_FOR_A_QUIET_RUN = ['got', 'hpagent', 'pg', 'prom-client', 'pino-pretty', 'yaml'];

const CSV_PLAN = { args: ['plan', 'm.csv', '--ledger', 'l.jsonl'], files: { 'm.csv': 'kind,handle,name,type,actions\ncommunity,acme,Acme,1,3:5\n' } };
const QUIET_APPLY = {
  args: ['apply', 'm.csv', '--ledger', 'l.jsonl', '--quiet'],
  files: { 'm.csv': 'kind,handle,name,type\n' },
  env: { GENUIN_API_URL: 'http://127.0.0.1:9', GENUIN_ACCESS_TOKEN: TOKEN },
};

describe('a command loads only the modules it uses', () => {
  it('plan of a CSV manifest, as shipped, loads no HTTP client, proxy agent, PostgreSQL or metrics', async () => {
    const r = await loaded(CSV_PLAN.args, CSV_PLAN.files);
    expect(r.code).toBe(0);
    expect(NOT_FOR_A_QUIET_RUN.filter((p) => r.packages.has(p))).toEqual([]);
    expect(r.bin).toContain('load-cli.cjs'); // the recorder sees the shipped CLI's files at all
  });

  it('plan of a CSV manifest loads no YAML parser, PostgreSQL store or simulator (tsc modules)', async () => {
    const r = await loaded(CSV_PLAN.args, CSV_PLAN.files, {}, 'modules');
    expect(r.code).toBe(0);
    expect(NOT_FOR_A_QUIET_RUN.filter((p) => r.packages.has(p))).toEqual([]);
    expect(r.packages.has('csv-parse')).toBe(true); // the recorder sees packages at all
    expect(r.ours.filter((f) => f.startsWith('ledger/pg/store') || f.startsWith('simulator/'))).toEqual([]);
  });

  it('apply with nothing to send loads no HTTP client, metrics, PostgreSQL or YAML parser', async () => {
    for (const cli of ['shipped', 'modules'] as const) {
      const r = await loaded(QUIET_APPLY.args, QUIET_APPLY.files, QUIET_APPLY.env, cli);
      expect(r.code).toBe(0);
      expect(NOT_FOR_A_QUIET_RUN.filter((p) => r.packages.has(p))).toEqual([]);
      if (cli === 'modules') expect(r.ours).toContain('run/executor.js');
      else expect(r.bin).toContain('load-cli.cjs');
    }
  });

  it('ledger show loads neither the decision files\' readers (yaml) nor the HTTP client', async () => {
    const line = JSON.stringify({ at: '2026-11-01T00:00:00.000Z', run: 'r1', kind: 'community', key: 'acme', event: 'created', community_id: 'C1' });
    const r = await loaded(['ledger', 'show', 'acme', '--ledger', 'l.jsonl'], { 'l.jsonl': `${line}\n` });
    expect(r.code).toBe(0);
    expect(NOT_FOR_A_QUIET_RUN.filter((p) => r.packages.has(p))).toEqual([]);
  });
});

describe('the shipped CLI starts from one bundle', () => {
  it('is the bundle, compiled from the code cache its build wrote', async () => {
    // A cache V8 refuses (another build's, a stale one) costs the start its compile time again.
    const probe = `const r = require(${JSON.stringify(join(ROOT, 'bin', 'load-cli.cjs'))}).loadCli(); process.stdout.write(JSON.stringify({ fromCache: r.fromCache, main: typeof r.exports.main }));`;
    const out = await new Promise<string>((resolve, reject) => {
      let text = '';
      const child = spawn(process.execPath, ['-e', probe], { cwd: tempDir(), stdio: ['ignore', 'pipe', 'inherit'] });
      child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
      child.on('error', reject);
      child.on('close', () => resolve(text));
    });
    expect(JSON.parse(out)).toEqual({ fromCache: true, main: 'function' });
  });
});
