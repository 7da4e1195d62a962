// The in-process CLI (test/helpers/in-process-cli.ts) prints what the binary prints, for validate
// and for apply against a simulator in this process, and leaves the process as it found it.
import { describe, expect, it } from 'vitest';
import { spawnCli, tempDir } from './cli.js';
import { runCliInProcess } from './in-process-cli.js';
import { simulatorWorkspace } from './workspace.js';

const ws = simulatorWorkspace('in-process-token');
const MANIFEST = 'version: 1\ncommunities:\n  - handle: alpha\n    name: Alpha\n    type: 1\n    actions: []\n    groups:\n      - key: chat\n        type: 4\n        group: { name: Chat }\n';

describe('the CLI in process', () => {
  it('apply, then an idle rerun: the same words and exit codes as the binary, one community on the simulator', async () => {
    ws.write('m.yaml', MANIFEST);
    const args = ['apply', 'm.yaml', '--rate', '500/s', '--no-progress', '--json'];
    const cwd = process.cwd();
    const envBefore = { ...process.env };
    const signals = process.listenerCount('SIGTERM');

    const first = await runCliInProcess(args, { cwd: ws.dir, env: ws.env() });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ created: 2 });
    expect(ws.sim.state.snapshot().communities.map((c) => c.handle)).toEqual(['alpha']);

    const idle = await runCliInProcess(args, { cwd: ws.dir, env: ws.env() });
    const binary = await spawnCli(args, { cwd: ws.dir, env: ws.env() });
    expect(idle.code).toBe(0);
    expect(binary.code).toBe(0);
    // Run ids and timings differ between runs; the figures do not.
    const figures = (s: string) => {
      const { created, exists, failed, in_doubt: inDoubt } = JSON.parse(s);
      return { created, exists, failed, inDoubt };
    };
    expect(figures(idle.stdout)).toEqual(figures(binary.stdout));
    expect(ws.sim.state.snapshot().communities).toHaveLength(1);

    expect(process.cwd()).toBe(cwd);
    expect(process.env).toEqual(envBefore);
    expect(process.listenerCount('SIGTERM')).toBe(signals);
  });

  it('validate: byte for byte the binary\'s output, faults included', async () => {
    const dir = tempDir();
    const bad = MANIFEST.replace('type: 1', 'type: x');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${dir}/m.yaml`, bad);
    const inProcess = await runCliInProcess(['validate', 'm.yaml'], { cwd: dir });
    const binary = await spawnCli(['validate', 'm.yaml'], { cwd: dir });
    expect(inProcess).toEqual(binary);
    expect(inProcess.code).toBe(2);
  });
});
