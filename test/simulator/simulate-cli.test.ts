// `genuin-provision simulate` (the built CLI, so run `npm run build` first): its flags reach the
// simulator, and the key and secret it accepts come from the environment.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMUNITY, GROUP, community, group, post, raw } from './http.js';

const BIN = resolve('bin/genuin-provision.cjs');

async function simulate(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, 'simulate', ...args], {
    cwd: mkdtempSync(join(tmpdir(), 'sim-cli-')),
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env },
  });
  let output = '';
  const url = await new Promise<string>((ok, fail) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) ok(m[1]!);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => fail(new Error(`simulate exited ${code}: ${output}`)));
  });
  const stop = async () => {
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    return exited;
  };
  return { url, stop, output: () => output };
}

describe('simulate', () => {
  it('--chat-ids ignore and --auth-ttl reach the simulator; GENUIN_API_KEY/SECRET are the accepted credentials', async () => {
    const sim = await simulate(['--chat-ids', 'ignore', '--auth-ttl', '1'], { GENUIN_API_KEY: 'k-env', GENUIN_API_SECRET: 's-env' });
    try {
      const login = await raw(sim.url, '/api/thirdparty/auth', { body: { api_key: 'k-env', api_secret: 's-env' } });
      const token = login.ok ? (login.headers['gn-access-token'] as string) : '';
      expect(token).toMatch(/^gn-sim-/);
      const bearer = { authorization: `Bearer ${token}` };
      const cid = (await post(sim.url, COMMUNITY, community('c'), bearer)).json.data.community_id;
      expect((await post(sim.url, COMMUNITY, community('d'), bearer)).status).toBe(401);
      const g = await post(sim.url, GROUP, group(cid, 'G', { chat_id: 'mine' }));
      expect(g.json.data.chat_id).not.toBe('mine');
      // the defaults give way to the environment's credentials
      const defaults = await raw(sim.url, '/api/thirdparty/auth', { body: { api_key: 'sim-key', api_secret: 'sim-secret' } });
      expect(defaults.ok && defaults.status).toBe(404);
      expect(sim.output()).not.toContain('s-env');
    } finally {
      expect(await sim.stop()).toBe(0);
    }
  });

  it('refuses a bad --auth-ttl with exit 2', async () => {
    await expect(simulate(['--auth-ttl', '0'])).rejects.toThrow(/exited 2: .*--auth-ttl/s);
  });
});
