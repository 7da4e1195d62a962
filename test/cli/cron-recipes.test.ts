// Every crontab recipe in README.md and docs/ installs as pasted: each ```cron line is one valid
// crontab line (5 time fields and a command, no `\` continuation, `%` escaped). The README's
// line is then run by sh, as cron would, against the simulator: quiet when done or skipped.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/ledger/lock.js';
import { BIN, ROOT } from '../helpers/cli.js';
import { simulatorWorkspace } from '../helpers/workspace.js';

const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** The ```cron blocks of a Markdown file, with the line each starts on. */
function cronBlocks(file: string): { line: number; text: string }[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const blocks: { line: number; text: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```cron') continue;
    const start = i + 1;
    while (++i < lines.length && lines[i]!.trim() !== '```');
    blocks.push({ line: start + 1, text: lines.slice(start, i).join('\n') });
  }
  return blocks;
}

const RANGES: [number, number][] = [
  [0, 59], // minute
  [0, 23], // hour
  [1, 31], // day of month
  [1, 12], // month
  [0, 7], // day of week
];
const NAMES = [undefined, undefined, undefined, ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'], ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']];

function fieldFault(field: string, index: number): string | undefined {
  const [lo, hi] = RANGES[index]!;
  const names = NAMES[index];
  const value = (v: string) => (names?.includes(v.toLowerCase()) ? lo : /^\d+$/.test(v) ? Number(v) : NaN);
  for (const part of field.split(',')) {
    const m = /^(\*|[^-/]+(?:-[^-/]+)?)(?:\/(\d+))?$/.exec(part);
    if (!m) return `"${field}" is not a cron field`;
    if (m[1] === '*') continue;
    for (const v of m[1]!.split('-')) {
      const n = value(v);
      if (!(n >= lo && n <= hi)) return `"${v}" is outside ${lo}-${hi}`;
    }
  }
  return undefined;
}

/** Why a crontab line would not install or would not run as written; undefined when it is fine. */
export function crontabLineFault(line: string): string | undefined {
  const text = line.trim();
  if (text === '' || text.startsWith('#')) return undefined;
  if (/^[A-Za-z_][A-Za-z0-9_]*\s*=/.test(text)) return undefined; // MAILTO=…, PATH=…
  if (/\\$/.test(text)) return 'ends with "\\": crontab has no continuation lines (it reads the next line as a new entry: "bad minute")';
  if (/(^|[^\\])%/.test(text)) return 'an unescaped % (cron turns it into a newline): write \\%';
  const special = /^@(reboot|yearly|annually|monthly|weekly|daily|midnight|hourly)\s+(\S.*)$/.exec(text);
  if (special) return undefined;
  const fields = text.split(/\s+/);
  if (fields.length < 6) return 'needs 5 time fields and a command';
  for (let i = 0; i < 5; i++) {
    const fault = fieldFault(fields[i]!, i);
    if (fault) return `time field ${i + 1}: ${fault}`;
  }
  return undefined;
}

describe('the crontab line checker', () => {
  it('refuses what crontab refuses, and takes what it takes', () => {
    const OLD_README = [
      '0 2 * * * cd /srv/genuin && ./node_modules/.bin/genuin-provision apply manifests/*.yaml \\',
      '            --quiet --max-duration 2h --log-file /var/log/genuin-provision.log; \\',
      '          rc=$?; [ $rc -le 1 ] || echo "genuin-provision exit $rc" | mail -s genuin ops@example.com',
    ];
    // (Its third line reads to cron as a variable setting, `rc=…`: accepted, and useless.)
    expect(OLD_README.map(crontabLineFault)).toEqual([expect.stringMatching(/continuation/), expect.stringMatching(/ends with/), undefined]);
    expect(crontabLineFault('0 2 * * * date +%F')).toMatch(/unescaped %/);
    expect(crontabLineFault('0 2 * * * date +\\%F')).toBeUndefined();
    expect(crontabLineFault('61 2 * * * true')).toMatch(/outside 0-59/);
    expect(crontabLineFault('0 2 * * true')).toMatch(/needs 5 time fields and a command/);
    expect(crontabLineFault('0 2 * * --quiet /bin/true')).toMatch(/time field 5/);
    expect(crontabLineFault('*/15 1-5 1,15 jan-jun mon-fri /srv/x.sh')).toBeUndefined();
    expect(crontabLineFault('@daily /srv/x.sh')).toBeUndefined();
    expect(crontabLineFault('MAILTO=ops@example.com')).toBeUndefined();
  });
});

describe('every ```cron block in README.md and docs/ installs as pasted', () => {
  const blocks = DOCS.flatMap((file) => cronBlocks(file).map((b) => ({ file, ...b })));

  it('there are recipes to check, the README one among them', () => {
    expect(blocks.map((b) => b.file)).toContain('README.md');
  });

  it.each(blocks.map((b) => [`${b.file}:${b.line}`, b] as const))('%s', (_where, block) => {
    const entries = block.text.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#') && !/^[A-Za-z_]\w*\s*=/.test(l.trim()));
    expect(entries.length).toBeGreaterThan(0);
    const faults = block.text.split('\n').flatMap((l, i) => {
      const fault = crontabLineFault(l);
      return fault ? [`${block.file}:${block.line + i}: ${fault}`] : [];
    });
    expect(faults).toEqual([]);
  });

  it('the recipes that run apply skip quietly on an overlap (--skip-if-locked)', () => {
    const applyLines = blocks.flatMap((b) => b.text.split('\n')).filter((l) => / apply /.test(l));
    expect(applyLines.length).toBeGreaterThan(0);
    for (const l of applyLines) expect(l).toContain('--skip-if-locked');
  });
});

const TOKEN = 'test-token-cron-recipe-3b9d';
const ws = simulatorWorkspace(TOKEN);

/** The README's crontab entry, its paths moved into a scratch directory laid out like /srv/genuin. */
function readmeEntry(dir: string): string {
  const [block] = cronBlocks('README.md');
  const entry = block!.text.split('\n').find((l) => /^\d/.test(l))!;
  return entry.replace(/^(\S+\s+){5}/, '').replaceAll('/srv/genuin', dir).replaceAll('/var/log/', `${dir}/log/`);
}

function sh(command: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // What cron does with the command: /bin/sh -c, output collected for mail.
    const child = spawn('/bin/sh', ['-c', command], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '', ...env } });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe("the README's crontab entry, run as cron runs it", () => {
  it('mails nothing when the run is done, nothing when another run holds the ledger, and a line for exit 3', async () => {
    const dir = ws.dir;
    mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
    mkdirSync(join(dir, 'manifests'));
    mkdirSync(join(dir, 'log'));
    symlinkSync(BIN, join(dir, 'node_modules', '.bin', 'genuin-provision'));
    writeFileSync(join(dir, 'manifests', 'brand.yaml'), 'version: 1\ncommunities:\n  - { handle: cron-1, name: One, type: 1, actions: [] }\n');
    writeFileSync(join(dir, '.env'), `GENUIN_API_URL=${ws.sim.url}\nGENUIN_ACCESS_TOKEN=${TOKEN}\n`, { mode: 0o600 });
    const command = readmeEntry(dir);
    const log = join(dir, 'log', 'genuin-provision.log');

    const first = await sh(command, {});
    expect(first).toEqual({ code: 0, output: '' });
    expect(ws.sim.state.snapshot().communities.map((c) => c.handle)).toEqual(['cron-1']);

    const lock = await acquireLock(join(dir, 'genuin-ledger.jsonl'));
    try {
      const overlap = await sh(command, {});
      expect(overlap).toEqual({ code: 0, output: '' });
      expect(readFileSync(log, 'utf8')).toMatch(/"level":30,.*skipped \(--skip-if-locked\): ledger .* is in use by pid/);
    } finally {
      await lock.release();
    }

    writeFileSync(join(dir, '.env'), `GENUIN_API_URL=${ws.sim.url}\nGENUIN_ACCESS_TOKEN=wrong-token\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'manifests', 'brand.yaml'), 'version: 1\ncommunities:\n  - { handle: cron-2, name: Two, type: 1, actions: [] }\n');
    const refused = await sh(command, {});
    expect(refused.output).toMatch(/^error: .*\ngenuin-provision exit 3: see .*genuin-provision\.log\n$/);
  });
});

describe('the nightly.sh of docs/operations.md', () => {
  it('is valid sh', async () => {
    const text = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
    const script = /```sh\n(#!\/bin\/sh\n[\s\S]*?)```/.exec(text)?.[1];
    expect(script).toContain('--skip-if-locked');
    const r = await sh(`sh -n <<'EOF'\n${script}EOF`, {});
    expect(r).toEqual({ code: 0, output: '' });
  });
});

describe('the Kubernetes CronJob recipe', () => {
  it('authenticates with key + secret from a Secret (renewable), never a static token, and the Secret it reads is created as shown', async () => {
    const { parse } = await import('yaml');
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((t) => /kind: CronJob/.test(t));
    expect(block).toBeDefined();
    const job = parse(block!) as { spec: { jobTemplate: { spec: { template: { spec: { containers: { env: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[] }[] } } } } } };
    const env = job.spec.jobTemplate.spec.template.spec.containers[0]!.env;
    const names = env.map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['GENUIN_API_KEY', 'GENUIN_API_SECRET']));
    expect(names).not.toContain('GENUIN_ACCESS_TOKEN');
    const secretKeys = env.filter((e) => e.valueFrom).map((e) => e.valueFrom!.secretKeyRef.key);
    for (const name of ['GENUIN_API_KEY', 'GENUIN_API_SECRET', 'PGPASSWORD']) expect(env.find((e) => e.name === name)?.valueFrom?.secretKeyRef.name, name).toBe('genuin');
    const create = /kubectl create secret generic genuin (.*)/.exec(readme)?.[1] ?? '';
    for (const key of secretKeys) expect(create, key).toContain(`--from-literal=${key}=`);
  });
});
