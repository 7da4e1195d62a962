// `--version` is the tool's own (its package.json, not the one of the directory it runs in),
// and the library's configuration is named options that read no `.env` unless asked.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../../src/config/run-config.js';
import { ConfigError } from '../../src/errors.js';
import { ROOT, runCli, tempDir } from '../helpers/cli.js';

const OWN = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('--version', () => {
  it("prints the tool's version from another package's directory, whatever npm_package_version says", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'someone-else', version: '42.0.0-other' }));
    // What `npx genuin-provision` and `npm exec` set: the version of the package in the working directory.
    const r = await runCli(['--version'], { cwd: dir, env: { npm_package_version: '42.0.0-other', npm_package_name: 'someone-else' } });
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: `${OWN}\n`, stderr: '' });
  });
});

describe('resolveRunConfig with named options', () => {
  const env = { GENUIN_API_URL: 'https://api.example.com', GENUIN_ACCESS_TOKEN: 'lib-token' };

  it('flags, env and requireApi by name; the ledger path is absolute', () => {
    const config = resolveRunConfig({ flags: { rate: '5/s', ledger: 'rel/genuin.jsonl' }, env });
    expect(config).toMatchObject({ apiUrl: 'https://api.example.com', token: 'lib-token', rate: 5, ledgerPath: join(process.cwd(), 'rel', 'genuin.jsonl') });
    expect(() => resolveRunConfig({ env: {} })).toThrow(ConfigError);
    expect(resolveRunConfig({ env: {}, requireApi: false }).apiUrl).toBeUndefined();
  });

  it('reads a .env only when `dotenv` names one; the given env wins over it', () => {
    const dir = tempDir();
    const file = join(dir, '.env');
    writeFileSync(file, 'GENUIN_API_URL=https://from-dotenv.example.com\nGENUIN_ACCESS_TOKEN=dotenv-token\nGENUIN_LEDGER=/data/from-dotenv.jsonl\n', { mode: 0o600 });
    const config = resolveRunConfig({ env: { GENUIN_ACCESS_TOKEN: 'env-token' }, dotenv: file });
    expect(config).toMatchObject({ apiUrl: 'https://from-dotenv.example.com', token: 'env-token', ledgerPath: '/data/from-dotenv.jsonl' });
  });

  it("the built library ignores a .env in the working directory unless asked", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.env'), 'GENUIN_API_URL=https://from-dotenv.example.com\nGENUIN_ACCESS_TOKEN=dotenv-token\n', { mode: 0o600 });
    const script = `
      const { resolveRunConfig } = await import(${JSON.stringify(join(ROOT, 'dist', 'index.js'))});
      let plain;
      try { plain = resolveRunConfig({}).apiUrl; } catch (e) { plain = e.name + ': ' + e.message; }
      const asked = resolveRunConfig({ dotenv: '.env' }).apiUrl;
      console.log(JSON.stringify({ plain, asked }));`;
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, env: { PATH: process.env.PATH ?? '' } });
      let text = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
      child.on('error', reject);
      child.on('close', () => resolve(text));
    });
    expect(JSON.parse(out)).toEqual({ plain: expect.stringMatching(/^ConfigError: GENUIN_API_URL is not set/), asked: 'https://from-dotenv.example.com' });
  });
});

describe('the built library entry', () => {
  it('exports the schemas built, under their names (the CLI builds each on first use)', async () => {
    const script = `
      const lib = await import(${JSON.stringify(join(ROOT, 'dist', 'index.js'))});
      const body = { handle: 'acme', name: 'Acme', type: 1, actions: [{ action_id: 3, access_type_id: 5 }] };
      console.log(JSON.stringify({
        community: lib.CommunityBodySchema.safeParse(body).success,
        typo: lib.CommunityBodySchema.safeParse({ ...body, nmae: 'x' }).success,
        group: lib.GroupBodySchema.safeParse({ type: 4, community_id: 'C1' }).success,
        lazySame: lib.communityBodySchema() === lib.CommunityBodySchema,
        credentials: lib.CredentialsSchema.safeParse({ source: 'token', token: 't' }).success,
        ledgerLine: lib.LedgerEventSchema.safeParse({ at: 'a', run: 'r', kind: 'group', key: 'k', event: 'created' }).success,
      }));`;
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: tempDir(), env: { PATH: process.env.PATH ?? '' } });
      let text = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
      child.on('error', reject);
      child.on('close', () => resolve(text));
    });
    expect(JSON.parse(out)).toEqual({ community: true, typo: false, group: true, lazySame: true, credentials: true, ledgerLine: true });
  });
});
