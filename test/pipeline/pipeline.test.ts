// The pipeline as the library sees it: one frozen configuration passed to every call, the
// simulator passed in as a target (never started by the library), and the same calls the CLI makes.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  applyManifests,
  ConfigError,
  ledgerConfig,
  ManifestError,
  planManifests,
  reportFailedItems,
  reportLedger,
  resolveRunConfig,
  showLedgerItem,
  startSimulator,
  validateManifests,
  type Simulator,
} from '../../src/index.js';
import { ROOT, runCli, tempDir } from '../helpers/cli.js';

const TOKEN = 'pipeline-token';
const MANIFEST = [
  'version: 1',
  'communities:',
  '  - handle: alpha',
  '    name: Alpha',
  '    type: 1',
  '    actions: [{ action_id: 3, access_type_id: 5 }]',
  '    groups:',
  '      - key: welcome',
  '        type: 4',
  '        group: { name: Welcome }',
  '',
].join('\n');

describe('resolveRunConfig: everything a run needs, frozen all the way down', () => {
  const env = { GENUIN_API_URL: 'https://api.example.com', GENUIN_ACCESS_TOKEN: 'lib-token', GENUIN_MAX_DEPTH: '8', HTTPS_PROXY: 'http://proxy.example:3128', LOG_LEVEL: 'debug' };

  it('limits, proxy, log and progress come from the same flags and env', () => {
    const config = resolveRunConfig({ flags: { progressInterval: '2s', logFile: 'run.log', quiet: true }, env });
    expect(config.limits).toEqual({ maxDepth: 8 });
    expect(config.proxy?.url.host).toBe('proxy.example:3128');
    expect(config.log).toEqual({ level: 'debug', file: 'run.log' });
    // --quiet is about the terminal (progressMode): the log file keeps its progress lines.
    expect(config.progress).toEqual({ show: true, intervalMs: 2000 });
    expect(config.ledgerFrom).toBe('default');
    for (const part of [config, config.limits, config.log, config.progress, config.credentials, config.proxy]) expect(Object.isFrozen(part)).toBe(true);
  });

  it('--quiet without a log file lowers the terminal log to errors; a log file keeps info', () => {
    expect(resolveRunConfig({ flags: { quiet: true }, env: { ...env, LOG_LEVEL: undefined } }).log.level).toBe('error');
    expect(resolveRunConfig({ flags: { quiet: true, logFile: 'x.log' }, env: { ...env, LOG_LEVEL: undefined } }).log.level).toBe('info');
  });

  it('a malformed GENUIN_MAX_* or --progress-interval is a ConfigError; the ledger verbs never read them', () => {
    expect(() => resolveRunConfig({ env: { ...env, GENUIN_MAX_DEPTH: 'lots' } })).toThrow(/^GENUIN_MAX_DEPTH: "lots" is not a limit/);
    expect(() => resolveRunConfig({ flags: { progressInterval: 'soon' }, env })).toThrow(ConfigError);
    expect(ledgerConfig({ ledger: 'l.jsonl' }, { GENUIN_MAX_DEPTH: 'lots' }).ledgerPath).toBe(resolve('l.jsonl'));
  });
});

describe('the pipeline calls, against a simulator the caller started', () => {
  let sim: Simulator;
  let dir: string;
  beforeEach(async () => {
    sim = await startSimulator({ token: TOKEN });
    dir = tempDir();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('validate, plan, apply (the simulator as target), report, show: one config object throughout', async () => {
    const file = join(dir, 'm.yaml');
    writeFileSync(file, MANIFEST);
    const config = resolveRunConfig({ flags: { simulate: true, ledger: join(dir, 'ledger.jsonl'), rate: '50/s' }, env: {} });
    expect(await validateManifests([file], config)).toMatchObject({ files: 1, communities: 1, groups: 1 });
    expect((await planManifests([file], config)).ledgerExisted).toBe(false);
    const { summary } = await applyManifests([file], config, {}, { apiUrl: sim.url, credentials: { source: 'token', token: TOKEN } });
    expect(summary.tally.created).toBe(2);
    expect(sim.state.snapshot().communities).toHaveLength(1);
    const planned = await planManifests([file], config);
    expect({ existed: planned.ledgerExisted, create: planned.plan.counts.create }).toEqual({ existed: true, create: { community: 0, group: 0 } });
    const rows = [...(await reportLedger([], config)).rows];
    expect(rows.map((r) => [r.kind, r.key, r.status])).toEqual([
      ['community', 'alpha', 'created'],
      ['group', 'alpha/welcome', 'created'],
    ]);
    expect((await reportFailedItems([file], config)).items).toEqual([]);
    expect((await showLedgerItem('alpha', config)).map((s) => s.state.status)).toEqual(['created']);
  });

  it('simulate without a target is a ConfigError before the ledger is touched', async () => {
    const ledger = join(dir, 'ledger.jsonl');
    const config = resolveRunConfig({ flags: { simulate: true, ledger }, env: {} });
    await expect(applyManifests([join(dir, 'none.yaml')], config)).rejects.toThrow(/simulate: no simulator to run against/);
    expect(() => readFileSync(ledger)).toThrow(/ENOENT/);
  });

  it('manifest faults reject with every fault (ManifestError)', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'version: 1\ncommunities:\n  - handle: alpha\n');
    const config = resolveRunConfig({ flags: { ledger: join(dir, 'l.jsonl') }, env: {}, requireApi: false });
    await expect(validateManifests([file], config)).rejects.toBeInstanceOf(ManifestError);
    await expect(planManifests([file], config)).rejects.toBeInstanceOf(ManifestError);
  });
});

describe('layering', () => {
  /** Every module a source file reaches through relative imports (type-only imports left out). */
  function reach(entry: string, seen = new Set<string>()): Set<string> {
    if (seen.has(entry)) return seen;
    seen.add(entry);
    const text = readFileSync(entry, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)[^'"]*?from\s+'(\.[^']+)'/gm)) {
      reach(resolve(dirname(entry), m[1]!.replace(/\.js$/, '.ts')), seen);
    }
    for (const m of text.matchAll(/import\('(\.[^']+)'\)/g)) reach(resolve(dirname(entry), m[1]!.replace(/\.js$/, '.ts')), seen);
    return seen;
  }
  const rel = (files: Set<string>) => [...files].map((f) => f.slice(join(ROOT, 'src').length + 1));

  it('the pipeline never loads the simulator: the CLI passes it in', () => {
    expect(rel(reach(join(ROOT, 'src', 'pipeline', 'index.ts'))).filter((f) => f.startsWith('simulator/'))).toEqual([]);
  });

  it('commands reach the stages only through the pipeline, and import no other command', () => {
    const stages = /^(ledger\/(replay|lock|writer|compact|append|resolve|store|transfer)|plan\/make-plan|manifest\/load|run\/(apply|executor))\.ts$/;
    const commands = readdirSync(join(ROOT, 'src', 'cli', 'commands')).filter((f) => f.endsWith('.ts'));
    expect(commands).toEqual(expect.arrayContaining(['validate.ts', 'plan.ts', 'apply.ts', 'report.ts', 'ledger.ts', 'demo.ts']));
    for (const name of commands) {
      const file = join(ROOT, 'src', 'cli', 'commands', name);
      const direct = [...readFileSync(file, 'utf8').matchAll(/^import\s+(?!type\b)[^'"]*?from\s+'(\.[^']+)'/gm)].map((m) => resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
      const names = direct.map((f) => f.slice(join(ROOT, 'src').length + 1));
      expect(names.filter((f) => stages.test(f)), name).toEqual([]);
      expect(names.filter((f) => f.startsWith('cli/commands/') && !/ledger-(show|resolve)\.ts$/.test(f)), name).toEqual([]);
    }
  });

  it('the CLI: a malformed GENUIN_MAX_* stops plan (exit 2) but not ledger show', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'm.yaml'), MANIFEST);
    const plan = await runCli(['plan', 'm.yaml'], { cwd, env: { GENUIN_MAX_DEPTH: 'lots' } });
    expect({ code: plan.code, stderr: plan.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(/^error: GENUIN_MAX_DEPTH: "lots" is not a limit/) });
    const show = await runCli(['ledger', 'show', 'alpha'], { cwd, env: { GENUIN_MAX_DEPTH: 'lots' } });
    expect(show.stderr).toMatch(/^error: no item "alpha" in ledger/);
  });
});
