// Issue 22: a command loads only the modules it uses. The built CLI runs with a module hook that
// writes down every module it loads (ESM through the loader hook, CommonJS from require.cache at
// exit); the packages a plan, or a rerun with nothing to send, must not load are named here.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { spawnCli, tempDir } from '../helpers/cli.js';

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

/** The packages (node_modules) and our own folders a run of `args` loaded. */
async function loaded(args: string[], files: Record<string, string>, env: Record<string, string> = {}): Promise<{ code: number | null; packages: Set<string>; ours: string[] }> {
  const cwd = tempDir();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(cwd, name), text);
  const list = join(cwd, 'loaded.txt');
  writeFileSync(list, '');
  const r = await spawnCli(args, { cwd, env: { ...env, NODE_OPTIONS: moduleRecorder(cwd, list) } });
  if (r.code !== 0) appendFileSync(list, ''); // keep the list for the assertion's message
  const lines = existsSync(list) ? readFileSync(list, 'utf8').split('\n').filter(Boolean) : [];
  const packages = new Set(lines.map((l) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(l)?.[1]).filter((p): p is string => p !== undefined));
  const ours = lines.map((l) => /\/dist\/(.+)$/.exec(l)?.[1]).filter((p): p is string => p !== undefined);
  return { code: r.code, packages, ours };
}

/** Loaded only by what needs them: the HTTP client, a proxy, PostgreSQL, metrics, terminal logs. */
const NOT_FOR_A_QUIET_RUN = ['got', 'hpagent', 'pg', 'prom-client', 'pino-pretty', 'yaml'];

describe('a command loads only the modules it uses', () => {
  it('plan of a CSV manifest loads no HTTP client, proxy agent, PostgreSQL, metrics or YAML parser', async () => {
    const r = await loaded(['plan', 'm.csv', '--ledger', 'l.jsonl'], { 'm.csv': 'kind,handle,name,type,actions\ncommunity,acme,Acme,1,3:5\n' });
    expect(r.code).toBe(0);
    expect(NOT_FOR_A_QUIET_RUN.filter((p) => r.packages.has(p))).toEqual([]);
    expect(r.packages.has('csv-parse')).toBe(true); // the recorder sees packages at all
    expect(r.ours.filter((f) => f.startsWith('ledger/pg/store') || f.startsWith('simulator/'))).toEqual([]);
  });

  it('apply with nothing to send loads no HTTP client, metrics, PostgreSQL or YAML parser', async () => {
    const r = await loaded(['apply', 'm.csv', '--ledger', 'l.jsonl', '--quiet'], { 'm.csv': 'kind,handle,name,type\n' }, { GENUIN_API_URL: 'http://127.0.0.1:9', GENUIN_ACCESS_TOKEN: TOKEN });
    expect(r.code).toBe(0);
    expect(NOT_FOR_A_QUIET_RUN.filter((p) => r.packages.has(p))).toEqual([]);
    expect(r.ours).toContain('run/executor.js');
  });

  it('ledger show loads neither the decision files\' readers (yaml) nor the HTTP client', async () => {
    const line = JSON.stringify({ at: '2026-11-01T00:00:00.000Z', run: 'r1', kind: 'community', key: 'acme', event: 'created', community_id: 'C1' });
    const r = await loaded(['ledger', 'show', 'acme', '--ledger', 'l.jsonl'], { 'l.jsonl': `${line}\n` });
    expect(r.code).toBe(0);
    expect(NOT_FOR_A_QUIET_RUN.filter((p) => r.packages.has(p))).toEqual([]);
  });
});
