// The corpus of hostile and awkward manifests (test/corpus/cases/): each input beside the exact
// output the CLI's `validate` must give for it (`<input>.expected`). Every case runs through the
// CLI's main() in this process (test/helpers/in-process-cli.ts); a few also run through the built
// binary, as a user runs it, to prove the two print the same. CORPUS_UPDATE=1 rewrites the
// expected outputs from what the CLI prints now: review the diff.
//
// `<input>.expected`: `# comment` lines (what the case is), optional `env: NAME=value` and
// `args: a.yaml b.csv` (a directory case: the files in the order given), `exit: N`, then the
// exact stdout after `--- stdout` and the exact stderr after `--- stderr`.
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it, type ExpectStatic } from 'vitest';

import { runCli, tempDir, type CliResult } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/in-process-cli.js';

const CASES_DIR = new URL('./cases/', import.meta.url).pathname;
const UPDATE = process.env.CORPUS_UPDATE === '1';
/**
 * Cases also run through the built binary: a directory of files, an environment variable, an alias
 * bomb (memory of a real process), a YAML tag that must not run code, a CSV fault list.
 */
const SPAWNED = ['cross-file-references', 'limit-raised.csv', 'alias-bomb.yaml', 'tags-js-function.yaml', 'bad-handles.csv'];

interface Case {
  name: string;
  input: string;
  expectedFile: string;
  comments: string[];
  env: Record<string, string>;
  args: string[];
  exit: number | undefined;
  stdout: string;
  stderr: string;
}

function parseExpected(name: string): Case {
  const expectedFile = join(CASES_DIR, `${name}.expected`);
  const text = readFileSync(expectedFile, 'utf8');
  const c: Case = { name, input: join(CASES_DIR, name), expectedFile, comments: [], env: {}, args: [name], exit: undefined, stdout: '', stderr: '' };
  const stdoutAt = text.indexOf('--- stdout\n');
  const stderrAt = text.indexOf('--- stderr\n');
  if (stdoutAt < 0 || stderrAt < stdoutAt) throw new Error(`${expectedFile}: needs "--- stdout" then "--- stderr"`);
  for (const line of text.slice(0, stdoutAt).split('\n')) {
    if (line.startsWith('#')) c.comments.push(line);
    else if (line.startsWith('env: ')) {
      const [k, ...v] = line.slice(5).split('=');
      c.env[k] = v.join('=');
    } else if (line.startsWith('args: ')) c.args = line.slice(6).trim().split(/\s+/);
    else if (line.startsWith('exit: ')) c.exit = line.slice(6) === '?' ? undefined : Number(line.slice(6));
    else if (line.trim() !== '') throw new Error(`${expectedFile}: unknown header line "${line}"`);
  }
  c.stdout = text.slice(stdoutAt + 11, stderrAt);
  c.stderr = text.slice(stderrAt + 11);
  return c;
}

function formatExpected(c: Case, r: CliResult): string {
  const head = [...c.comments, ...Object.entries(c.env).map(([k, v]) => `env: ${k}=${v}`)];
  if (c.args.length !== 1 || c.args[0] !== c.name) head.push(`args: ${c.args.join(' ')}`);
  head.push(`exit: ${r.code}`);
  return `${head.join('\n')}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

const names = readdirSync(CASES_DIR)
  .filter((n) => !n.endsWith('.expected'))
  .sort();
const cases = names.map(parseExpected);

/** A line of the fault list: `file:line[:column]: field: message`. */
const FAULT_LINE = /^[^:\s][^:]*:\d+(?::\d+)?: [^:]+: .+$/;
/** A V8 stack frame, as a crash would print it. */
const STACK_FRAME = /^\s+at .+(?:\(.+:\d+:\d+\)|:\d+:\d+)$/m;

/** What every run must satisfy, whatever the case: no crash, no stack trace, faults shaped file:line. */
function checkShape(r: CliResult): string[] {
  const problems: string[] = [];
  if (r.signal !== null) problems.push(`killed by ${r.signal} (over the time limit?)`);
  if (STACK_FRAME.test(r.stderr) || STACK_FRAME.test(r.stdout)) problems.push('a stack trace was printed');
  if (/internal error/.test(r.stderr)) problems.push('an internal error (a bug) was reported');
  const lines = r.stderr.split('\n').filter(Boolean);
  if (/manifest errors?; nothing was sent$/.test(lines.at(-1) ?? '')) {
    for (const line of lines.slice(0, -1)) {
      if (!line.startsWith('warning: ') && !FAULT_LINE.test(line)) problems.push(`not a file:line fault: ${line}`);
    }
  }
  return problems;
}

const PWNED = '/tmp/genuin-pwned';
beforeAll(() => rmSync(PWNED, { force: true }));

let ran = 0;
afterAll(() => {
  console.log(`corpus: ${ran} case runs (${cases.length} in process, ${SPAWNED.length} through the built binary)`);
});

type Runner = (args: string[], options: { cwd: string; env: Record<string, string> }) => Promise<CliResult>;

async function checkCase(c: Case, run: Runner, expect: ExpectStatic): Promise<void> {
  const dir = tempDir('genuin-corpus-');
  const isDir = statSync(c.input).isDirectory();
  cpSync(c.input, isDir ? dir : join(dir, c.name), { recursive: true });
  const before = readdirSync(dir).sort();

  const r = await run(['validate', ...c.args], { cwd: dir, env: c.env });
  ran++;
  const after = readdirSync(dir).sort();
  rmSync(dir, { recursive: true, force: true });

  if (UPDATE) {
    writeFileSync(c.expectedFile, formatExpected(c, r));
    return;
  }
  expect(c.exit, `${c.expectedFile} has no exit code yet: run with CORPUS_UPDATE=1`).toBeDefined();
  expect({ exit: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ exit: c.exit, stdout: c.stdout, stderr: c.stderr });
  expect(checkShape(r)).toEqual([]);
  // validate reads; it writes nothing (no ledger, no lock, no temp file) next to the manifests.
  expect(after).toEqual(before);
}

describe('corpus: validate prints exactly the expected lines', () => {
  it.for(cases)('$name', async (c, { expect }) => checkCase(c, runCliInProcess, expect));
});

describe.concurrent('corpus: the built binary prints the same', () => {
  it.for(cases.filter((c) => SPAWNED.includes(c.name)))('$name', async (c, { expect }) => {
    // A hang is killed (and reported as a signal) well before the test's own timeout.
    await checkCase(c, (args, o) => runCli(args, { ...o, timeoutMs: 20_000 }), expect);
  });

  it('names only cases that exist', ({ expect }) => {
    expect(SPAWNED.filter((n) => !names.includes(n))).toEqual([]);
  });
});

describe('corpus: afterwards', () => {
  it('ran no code from a YAML tag', ({ expect }) => {
    // tags-js-function.yaml and tags-many.yaml would create this file if any tag were executed.
    expect(existsSync(PWNED)).toBe(false);
  });
});
