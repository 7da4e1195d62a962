// The question a bulk `ledger resolve` asks on a terminal: the built CLI run under `script`, which
// gives it a real pseudo-terminal as stdin, the answer typed ahead (it waits in the terminal until read).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, tempDir } from '../helpers/cli.js';

const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasScript) process.stderr.write('ledger resolve TTY tests skipped: no `script` (util-linux) on PATH\n');

/** `answer` typed at the terminal the CLI runs in; its exit code and everything the terminal showed. */
function underTerminal(args: string[], answer: string, cwd: string): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', TERM: 'dumb' } });
    let screen = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (screen += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, screen: screen.replaceAll('\r\n', '\n') }));
    child.stdin.end(answer);
  });
}

describe.skipIf(!hasScript)('ledger resolve --adopt on a terminal', () => {
  function setup(): { dir: string; ledger: string } {
    const dir = tempDir();
    const ledger = join(dir, 'L.jsonl');
    writeFileSync(ledger, `${JSON.stringify({ at: '2026-11-01T00:00:00.000Z', run: 'r1', kind: 'community', key: 'beta', event: 'exists', status: 500, code: '5216' })}\n`);
    writeFileSync(join(dir, 'ids.csv'), 'beta,C2\n');
    return { dir, ledger };
  }

  it('asks before writing: y writes, anything else writes nothing (exit 1)', async () => {
    const { dir, ledger } = setup();
    const before = readFileSync(ledger, 'utf8');
    const no = await underTerminal(['ledger', 'resolve', '--adopt', 'ids.csv', '--ledger', ledger], 'n\n', dir);
    expect(no.code).toBe(1);
    expect(no.screen).toContain('community beta: exists -> adopted (community_id C2)\n1 line to write to');
    expect(no.screen).toContain(`write 1 line to ${ledger}? [y/N] nothing written`);
    expect(readFileSync(ledger, 'utf8')).toBe(before);

    const yes = await underTerminal(['ledger', 'resolve', '--adopt', 'ids.csv', '--ledger', ledger], 'y\n', dir);
    expect(yes.code).toBe(0);
    expect(yes.screen).toContain(`[y/N] wrote 1 line to ${ledger}: 1 adopted`);
    expect(readFileSync(ledger, 'utf8').split('\n').filter(Boolean).at(-1)).toMatch(/"event":"adopted","community_id":"C2"/);
  });
});
