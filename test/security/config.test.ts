// Where the token comes from (the environment or .env, never a flag), the warning for a .env
// others can read, the refusal to send it over plain http beyond this machine, and the limits
// read from the environment.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { checkApiUrl } from '../../src/config/api-target.js';
import { readDotenv } from '../../src/config/dotenv.js';
import { limitsFromEnv } from '../../src/config/limits.js';
import { resolveRunConfig } from '../../src/config/run-config.js';
import { ConfigError } from '../../src/errors.js';
import { runCli, tempDir } from '../helpers/cli.js';

const TOKEN = 'gn-SECRET-config-5a8d1c4f7b0e';

describe('the token comes from the environment or .env only', () => {
  it.each(['--token', '--access-token', '--gn-access-token', '--genuin-access-token', '--bearer'])('%s is not an option', async (flag) => {
    const dir = tempDir();
    writeFileSync(join(dir, 'm.yaml'), 'version: 1\n');
    const r = await runCli(['apply', 'm.yaml', '--simulate', flag, TOKEN], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option/);
    // commander names the flag, never the value that followed it.
    expect(r.stderr + r.stdout).not.toContain(TOKEN);
  });

  it('no command offers a token option in its help', async () => {
    for (const command of ['apply', 'plan', 'validate', 'report', 'simulate', 'demo']) {
      const r = await runCli([command, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toMatch(/^\s+--\S*(token|secret|bearer)/im);
    }
  });

  it('without GENUIN_ACCESS_TOKEN, apply refuses to start and says where to put it', () => {
    expect(() => resolveRunConfig({ env: { GENUIN_API_URL: 'https://api.example.com' } })).toThrow(
      /GENUIN_ACCESS_TOKEN is not set: put the gn-access-token in the environment or in \.env \(never on the command line\)/,
    );
  });

  it('the environment wins over .env; .env fills what the environment lacks', () => {
    const dir = tempDir();
    const path = join(dir, '.env');
    writeFileSync(path, `GENUIN_ACCESS_TOKEN='${TOKEN}'\nexport GENUIN_API_URL=https://api.example.com # the API\n`);
    chmodSync(path, 0o600);
    const { values, warnings } = readDotenv(path);
    expect(warnings).toEqual([]);
    expect(values).toEqual({ GENUIN_ACCESS_TOKEN: TOKEN, GENUIN_API_URL: 'https://api.example.com' });
    const config = resolveRunConfig({ env: { ...values, GENUIN_ACCESS_TOKEN: 'from-env' } });
    expect(config.token).toBe('from-env');
    expect(Object.isFrozen(config)).toBe(true);
  });
});

describe('a .env others can read is warned about', () => {
  it.each([
    [0o600, false],
    [0o400, false],
    [0o640, true],
    [0o644, true],
    [0o604, true],
    [0o666, true],
  ])('mode %s: warned %s', (mode, warned) => {
    const dir = tempDir();
    const path = join(dir, '.env');
    writeFileSync(path, `GENUIN_ACCESS_TOKEN=${TOKEN}\n`);
    chmodSync(path, mode);
    const { warnings } = readDotenv(path);
    expect(warnings).toEqual(warned ? [`${path} is readable by other users and may hold the access token: chmod 600 ${path}`] : []);
    // The warning names the file, never its contents.
    expect(warnings.join('\n')).not.toContain(TOKEN);
  });

  it('the CLI prints the warning (and still runs), without the token', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.env'), `GENUIN_ACCESS_TOKEN=${TOKEN}\n`);
    chmodSync(join(dir, '.env'), 0o644);
    writeFileSync(join(dir, 'm.yaml'), 'version: 1\n');
    const r = await runCli(['validate', 'm.yaml'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('.env is readable by other users and may hold the access token: chmod 600');
    expect(r.stderr + r.stdout).not.toContain(TOKEN);
  });

  it('a malformed .env line is neither echoed nor a variable (util.parseEnv reads the file)', () => {
    const dir = tempDir();
    const path = join(dir, '.env');
    writeFileSync(path, `\uFEFF# comment\nGENUIN_LEDGER=/l.jsonl\n${TOKEN}\n`);
    chmodSync(path, 0o600);
    const { values, warnings } = readDotenv(path);
    expect(warnings).toEqual([]);
    expect(values).toEqual({ GENUIN_LEDGER: '/l.jsonl' });
  });
});

describe('plain http only to this machine', () => {
  it.each(['http://127.0.0.1:8080', 'http://localhost:3000/api', 'http://[::1]:9000', 'http://127.1.2.3', 'https://api.begenuin.com', 'https://10.0.0.5'])(
    'accepts %s',
    (url) => {
      expect(checkApiUrl(url)).toBeInstanceOf(URL);
    },
  );

  it.each([
    'http://api.begenuin.com',
    'http://10.0.0.5',
    'http://192.168.1.10:8080',
    'http://127.0.0.1.nip.io',
    'http://localhost.example.com',
    'http://0.0.0.0:8080',
    'http://[::ffff:7f00:1]',
  ])('refuses %s', (url) => {
    expect(() => checkApiUrl(url)).toThrow(ConfigError);
    expect(() => checkApiUrl(url)).toThrow(/refusing to send the access token over plain http to .+: use https \(plain http is allowed only to loopback addresses\)/);
  });

  it.each(['ftp://api.example.com', 'file:///etc/passwd', 'javascript:alert(1)'])('refuses the scheme of %s', (url) => {
    expect(() => checkApiUrl(url)).toThrow(/must be http\(s\)/);
  });

  it('refuses credentials in the URL without repeating them', () => {
    let message = '';
    try {
      checkApiUrl(`https://user:${TOKEN}@api.example.com`);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe('GENUIN_API_URL must not carry credentials; the token goes in GENUIN_ACCESS_TOKEN');
  });

  it('apply refuses before sending anything (exit 2)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'm.yaml'), 'version: 1\ncommunities: [{ handle: a, name: A, type: 1, actions: [] }]\n');
    // 0.0.0.0:9 is this machine's discard port: even a broken check would send nothing anywhere else.
    const r = await runCli(['apply', 'm.yaml'], { cwd: dir, env: { GENUIN_API_URL: 'http://0.0.0.0:9', GENUIN_ACCESS_TOKEN: TOKEN } });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: refusing to send the access token over plain http to 0.0.0.0: use https (plain http is allowed only to loopback addresses)\n');
    expect(r.stdout).toBe('');
  });
});

describe('limits from the environment', () => {
  it('reads each GENUIN_MAX_* variable, with K/M/G multiples', () => {
    expect(
      limitsFromEnv({
        GENUIN_MAX_MANIFEST_BYTES: '8G',
        GENUIN_MAX_YAML_BYTES: '64M',
        GENUIN_MAX_CELL_BYTES: '128k',
        GENUIN_MAX_DEPTH: '64',
        GENUIN_MAX_LIST_LENGTH: ' 50000 ',
        GENUIN_MAX_ALIASES: '100',
        GENUIN_MAX_ERRORS: '5000',
        GENUIN_OTHER: '1',
      }),
    ).toEqual({
      maxFileBytes: 8 * 1024 ** 3,
      maxYamlBytes: 64 * 1024 ** 2,
      maxCellBytes: 128 * 1024,
      maxDepth: 64,
      maxListLength: 50_000,
      maxAliasCount: 100,
      maxFaults: 5000,
    });
    expect(limitsFromEnv({})).toEqual({});
  });

  it.each(['0', '-1', '1.5', 'lots', '10T', '1e6', '99999999999999999999'])('refuses %s', (value) => {
    expect(() => limitsFromEnv({ GENUIN_MAX_DEPTH: value })).toThrow(ConfigError);
    expect(() => limitsFromEnv({ GENUIN_MAX_DEPTH: value })).toThrow(/^GENUIN_MAX_DEPTH: ".*" is not a limit; use a whole number above 0/);
  });

  it('plan and apply pass them to the loader, like validate', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'm.yaml'), 'version: 1\ncommunities: [{ handle: a, name: A, type: 1, actions: [], categories: { existing: [1, 2, 3] } }]\n');
    const env = { GENUIN_MAX_LIST_LENGTH: '2' };
    const line = 'm.yaml:2:83: communities[0].categories.existing: a list of 3 items is longer than the limit of 2 (limit maxListLength; raise it with GENUIN_MAX_LIST_LENGTH)\n';
    for (const args of [['plan', 'm.yaml'], ['apply', 'm.yaml', '--simulate']]) {
      const r = await runCli(args, { cwd: dir, env });
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: `${line}error: 1 manifest error; nothing was sent\n` });
    }
    expect((await runCli(['plan', 'm.yaml'], { cwd: dir, env: { GENUIN_MAX_LIST_LENGTH: '3' } })).code).toBe(0);
  });
});
