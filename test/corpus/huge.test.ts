// Corpus cases too big to commit, generated at test time into a temporary directory: a 100 MB
// single line of CSV, a 24 MiB single line of YAML (past its 16 MiB bound: the YAML parser is what
// a bigger one would time, not the bound) and a file of 10,000 bad rows (ten times the fault cap). Each must end (a hang is killed) in
// bounded memory with the exact fault lines, and no crash. How fast is `npm run bench`'s business.
import { createWriteStream, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { runCli, tempDir, type CliResult } from '../helpers/cli.js';

const MB100 = 100 * 1024 * 1024;
const MIB24 = 24 * 1024 * 1024;
const dir = tempDir('genuin-corpus-huge-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `head`, then `size` bytes of `fill`, then `tail`, without holding 100 MB at once. */
async function generate(name: string, head: string, fill: string, size: number, tail = ''): Promise<string> {
  const out = createWriteStream(join(dir, name));
  const block = Buffer.alloc(1 << 20, fill);
  out.write(head);
  for (let left = size; left > 0; left -= block.length) {
    if (!out.write(left >= block.length ? block : block.subarray(0, left))) await once(out, 'drain');
  }
  out.end(tail);
  await once(out, 'finish');
  return name;
}

/** Peak resident memory of a child, sampled from /proc (Linux); undefined elsewhere. */
function watchMemory(): { onSpawn: (child: import('node:child_process').ChildProcess) => void; peakKb: () => number | undefined } {
  let peak: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  return {
    onSpawn(child) {
      const sample = () => {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) peak = Math.max(peak ?? 0, Number(m[1]));
        } catch {
          // Not Linux, or the child has exited between samples.
        }
      };
      timer = setInterval(sample, 10);
      child.once('exit', () => clearInterval(timer));
    },
    peakKb: () => peak,
  };
}

async function validate(file: string, env: Record<string, string> = {}): Promise<CliResult & { ms: number; peakMb?: number }> {
  const mem = watchMemory();
  const started = performance.now();
  const r = await runCli(['validate', file], { cwd: dir, env, timeoutMs: 60_000, onSpawn: mem.onSpawn });
  const kb = mem.peakKb();
  return { ...r, ms: performance.now() - started, peakMb: kb === undefined ? undefined : kb / 1024 };
}

/** Memory bound: far below what buffering 100 MB (and parsing it) would take. No time bound: a busy machine is not a bug. */
function bounded(r: { ms: number; peakMb?: number; signal: NodeJS.Signals | null }, maxMb: number): void {
  expect(r.signal).toBeNull();
  if (r.peakMb !== undefined) expect(r.peakMb).toBeLessThan(maxMb);
  console.log(`  ${Math.round(r.ms)} ms, peak ${r.peakMb === undefined ? '?' : Math.round(r.peakMb)} MB`);
}

describe('corpus: huge inputs, generated at test time', () => {
  it('a 100 MB CSV of one line (no newline, no comma) stops at the record bound', async () => {
    const file = await generate('one-line.csv', '', 'x', MB100);
    const r = await validate(file);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'one-line.csv:1:1: csv: record longer than 1048576 characters (an unclosed quote?): the rest of the file cannot be read (limit maxCellBytes; raise it with GENUIN_MAX_CELL_BYTES)\n' +
        'error: 1 manifest error; nothing was sent\n',
    );
    bounded(r, 200);
  });

  it('a 100 MB data line after a good header: the same bound, on line 2', async () => {
    const file = await generate('long-row.csv', 'handle,name,type,actions\nc1,', 'y', MB100, ',1,3:5\n');
    const r = await validate(file);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'long-row.csv:2:2: csv: record longer than 1048576 characters (an unclosed quote?): the rest of the file cannot be read (limit maxCellBytes; raise it with GENUIN_MAX_CELL_BYTES)\n' +
        'error: 1 manifest error; nothing was sent\n',
    );
    bounded(r, 200);
  });

  it('a 100 MB unclosed quote (newlines inside) does not buffer the file', async () => {
    const file = await generate('unclosed.csv', 'handle,name,type,actions\nc1,"', 'z\n', MB100);
    const r = await validate(file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^unclosed\.csv:2:\d+: csv: record longer than 1048576 characters \(an unclosed quote\?\)/);
    bounded(r, 200);
  });

  it('a 24 MiB single-line YAML is refused by size before it is read', async () => {
    const file = await generate('one-line.yaml', 'version: 1\ncommunities: [{handle: a, name: ', 'z', MIB24, ', type: 1, actions: []}]\n');
    const r = await validate(file);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'one-line.yaml:1: file: file is 24.0 MiB, larger than the limit of 16.0 MiB (limit maxYamlBytes; raise it with GENUIN_MAX_YAML_BYTES)\n' +
        'error: 1 manifest error; nothing was sent\n',
    );
    bounded(r, 150);
  });

  it('the same YAML with the size limit raised: its 24 MiB text value is refused by the text bound', async () => {
    const r = await validate('one-line.yaml', { GENUIN_MAX_YAML_BYTES: '128M' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'one-line.yaml:2:33: communities[0].name: text of 25165824 characters is longer than the limit of 65536 (limit maxCellBytes; raise it with GENUIN_MAX_CELL_BYTES)\n' +
        'error: 1 manifest error; nothing was sent\n',
    );
    bounded(r, 300);
  });

  it('10,000 bad rows: 1000 faults listed, the rest counted', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => `c${i},Name,x,3:5\n`).join('');
    const out = createWriteStream(join(dir, 'many-faults.csv'));
    out.write('handle,name,type,actions\n');
    for (let i = 0; i < 10; i++) out.write(rows.replaceAll(/^c(\d+),/gm, (_, n: string) => `c${i * 1000 + Number(n)},`));
    out.end();
    await once(out, 'finish');
    const r = await validate('many-faults.csv');
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1002);
    expect(lines[0]).toBe('many-faults.csv:2:3: type: expected an integer, got "x"');
    expect(lines[1000]).toBe('many-faults.csv:1002: manifest: … and 9000 more: only the first 1000 are listed (limit maxFaults; raise it with GENUIN_MAX_ERRORS)');
    expect(lines[1001]).toBe('error: 10000 manifest errors; nothing was sent');
    bounded(r, 300);
  });
});
