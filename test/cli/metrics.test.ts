// `apply --metrics-file` and `--metrics-push`: the run's outcome in the Prometheus text format,
// read back by a real exposition-format parser; written on every ending that has a summary (exit
// 0, 1, 3), atomically; the last clean run's time carried across runs that are not clean; pushed
// to a Pushgateway (a tiny recording server on 127.0.0.1) with prom-client's client.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';
import { simulatorWorkspace } from '../helpers/workspace.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';

const TOKEN = 'test-token-metrics-5d1e';
const ws = simulatorWorkspace(TOKEN);
const run = (args: string[], env: Record<string, string> = {}) => runCli(args, { env: { ...ws.env(), ...env }, cwd: ws.dir });

/** `ok-*` are created with a group each; with `bad`, one community is refused (unknown category) and blocks its group. */
function manifest(bad = false): string {
  const rows = ['version: 1', 'communities:'];
  for (const h of ['ok-a', 'ok-b', ...(bad ? ['bad'] : [])]) {
    rows.push(`  - handle: ${h}`, `    name: ${h}`, '    type: 1', '    actions: []');
    if (h === 'bad') rows.push('    categories: { existing: [999] }');
    rows.push('    groups:', `      - { group: { name: G }, type: 4 }`);
  }
  return ws.write(bad ? 'bad.yaml' : 'ok.yaml', rows.join('\n') + '\n');
}

/** The file parsed by parse-prometheus-text-format: name → samples, as `labels → number`. */
function read(file: string): Map<string, { type: string; samples: { labels: Record<string, string>; value: number }[] }> {
  const families = parsePrometheusTextFormat(readFileSync(file, 'utf8'));
  return new Map(families.map((f) => [f.name, { type: f.type, samples: f.metrics.map((m) => ({ labels: m.labels ?? {}, value: Number(m.value) })) }]));
}
function value(m: ReturnType<typeof read>, name: string, labels: Record<string, string> = {}): number | undefined {
  return m.get(`genuin_provision_${name}`)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describe('apply --metrics-file', () => {
  it('a clean run: items by kind and outcome, requests, duration, exit code 0 and the last success time; no temporary file left', async () => {
    const file = join(ws.dir, 'genuin.prom');
    const r = await run(['apply', manifest(), '--quiet', '--metrics-file', file]);
    expect(r.code, r.stderr).toBe(0);
    const m = read(file);
    expect(m.get('genuin_provision_items')!.type).toBe('GAUGE');
    expect(m.get('genuin_provision_items')!.samples).toHaveLength(18); // 2 kinds × 8 outcomes, zeros included
    expect(value(m, 'items', { kind: 'community', outcome: 'created' })).toBe(2);
    expect(value(m, 'items', { kind: 'group', outcome: 'created' })).toBe(2);
    expect(value(m, 'items', { kind: 'group', outcome: 'failed' })).toBe(0);
    expect(value(m, 'requests')).toBe(4);
    expect(value(m, 'throttled_requests')).toBe(0);
    expect(value(m, 'exit_code')).toBe(0);
    expect(value(m, 'duration_seconds')).toBeGreaterThanOrEqual(0);
    const last = value(m, 'last_run_timestamp_seconds')!;
    expect(Math.abs(last - Date.now() / 1000)).toBeLessThan(600);
    expect(value(m, 'last_success_timestamp_seconds')).toBe(last);
    expect(readdirSync(ws.dir).filter((f) => f.includes('.tmp'))).toEqual([]);

    // Nothing left to do: a second clean run, a new success time; `skipped` counts what was done before.
    const again = await run(['apply', manifest(), '--quiet', '--metrics-file', file]);
    expect(again.code).toBe(0);
    const m2 = read(file);
    expect(value(m2, 'items', { kind: 'community', outcome: 'skipped' })).toBe(2);
    expect(value(m2, 'requests')).toBe(0);
    expect(value(m2, 'last_success_timestamp_seconds')).toBe(value(m2, 'last_run_timestamp_seconds'));
  });

  it('exit 1 (a failed community, its group blocked): the counts and exit code 1; the last success carried over from the file', async () => {
    const file = join(ws.dir, 'genuin.prom');
    expect((await run(['apply', manifest(), '--quiet', '--metrics-file', file])).code).toBe(0);
    const success = value(read(file), 'last_success_timestamp_seconds')!;
    const r = await run(['apply', manifest(true), '--quiet', '--metrics-file', file]);
    expect(r.code).toBe(1);
    const m = read(file);
    expect(value(m, 'exit_code')).toBe(1);
    expect(value(m, 'items', { kind: 'community', outcome: 'failed' })).toBe(1);
    expect(value(m, 'items', { kind: 'group', outcome: 'blocked' })).toBe(1);
    expect(value(m, 'items', { kind: 'community', outcome: 'skipped' })).toBe(2);
    expect(value(m, 'last_success_timestamp_seconds')).toBe(success);
    expect(value(m, 'last_run_timestamp_seconds')).toBeGreaterThanOrEqual(success);
  });

  it('exit 3 (the token refused: the run stops): written too, with what the run did; no success time without an earlier one', async () => {
    const file = join(ws.dir, 'genuin.prom');
    const r = await run(['apply', manifest(), '--quiet', '--metrics-file', file], { GENUIN_ACCESS_TOKEN: 'not-the-token' });
    expect(r.code).toBe(3);
    const m = read(file);
    expect(value(m, 'exit_code')).toBe(3);
    expect(value(m, 'requests')).toBeGreaterThanOrEqual(1);
    expect(value(m, 'items', { kind: 'community', outcome: 'created' })).toBe(0);
    expect(m.has('genuin_provision_last_success_timestamp_seconds')).toBe(false);
  });

  it('429s and the rate found are counted', async () => {
    const sim: Simulator = await startSimulator({ token: TOKEN, rateLimit: { rate: 2, burst: 1 } });
    try {
      const file = join(ws.dir, 'genuin.prom');
      const r = await runCli(['apply', manifest(), '--quiet', '--rate', '100/s', '--metrics-file', file], { env: { GENUIN_API_URL: sim.url, GENUIN_ACCESS_TOKEN: TOKEN }, cwd: ws.dir });
      expect(r.code, r.stderr).toBe(0);
      const m = read(file);
      expect(value(m, 'throttled_requests')).toBeGreaterThan(0);
      expect(value(m, 'requests')).toBe(4 + value(m, 'throttled_requests')!);
      expect(value(m, 'rate_found_requests_per_second')).toBeGreaterThan(0);
    } finally {
      await sim.close();
    }
  });

  it('a file that cannot be written is one warning; the exit code is the run\'s', async () => {
    const r = await run(['apply', manifest(), '--quiet', '--metrics-file', join(ws.dir, 'no-such-dir', 'genuin.prom')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/cannot write the metrics file .*no-such-dir\/genuin\.prom: ENOENT/);
  });
});

describe("the README's alert rules", () => {
  it('parse as Prometheus rule groups and name only metrics a run writes', async () => {
    const { parse } = await import('yaml');
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((t) => /alert: /.test(t));
    const rules = (parse(block!) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups[0]!.rules;
    expect(rules.map((r) => r.alert)).toEqual(['GenuinProvisionNotSucceeding', 'GenuinProvisionNotRunning', 'GenuinProvisionInDoubt', 'GenuinProvisionAborted']);
    const file = join(ws.dir, 'genuin.prom');
    expect((await run(['apply', manifest(), '--quiet', '--metrics-file', file])).code).toBe(0);
    const written = read(file);
    for (const rule of rules) for (const name of rule.expr.match(/genuin_provision_\w+/g) ?? []) expect(written.has(name), `${rule.alert}: ${name}`).toBe(true);
  });

  it('an invalid manifest (exit 2) writes the exit code and times alone', async () => {
    const file = join(ws.dir, 'genuin.prom');
    const r = await run(['apply', ws.write('broken.yaml', 'version: 2\n'), '--quiet', '--metrics-file', file]);
    expect(r.code).toBe(2);
    const m = read(file);
    expect(value(m, 'exit_code')).toBe(2);
    expect(m.has('genuin_provision_items')).toBe(false);
  });
});

describe('apply --metrics-push', () => {
  let server: http.Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  /** A Pushgateway stand-in on 127.0.0.1 that records what it is sent and answers `status`. */
  async function gateway(status = 200): Promise<{ url: string; received: { method: string; url: string; body: string }[] }> {
    const received: { method: string; url: string; body: string }[] = [];
    server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (d: string) => (body += d));
      req.on('end', () => {
        received.push({ method: req.method!, url: req.url!, body });
        res.writeHead(status).end(status === 200 ? '' : 'gateway says no');
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, received };
  }

  it("pushes the run's metrics with POST under job genuin_provision and this host's instance", async () => {
    const gw = await gateway();
    const file = join(ws.dir, 'genuin.prom');
    const r = await run(['apply', manifest(), '--quiet', '--metrics-file', file, '--metrics-push', gw.url]);
    expect(r.code, r.stderr).toBe(0);
    expect(gw.received).toHaveLength(1);
    const [push] = gw.received;
    expect(push!.method).toBe('POST');
    expect(push!.url).toBe(`/metrics/job/genuin_provision/instance/${encodeURIComponent(hostname())}`);
    const families = new Map(parsePrometheusTextFormat(push!.body).map((f) => [f.name, f]));
    expect(families.get('genuin_provision_exit_code')!.metrics[0]!.value).toBe('0');
    expect(push!.body).toBe(readFileSync(file, 'utf8'));
  });

  it('a gateway that refuses is one warning (never its credentials); the exit code is the run\'s; a push URL that is not http(s) is exit 2', async () => {
    const gw = await gateway(500);
    const withCreds = gw.url.replace('http://', 'http://ops:push-pw-77@');
    const r = await run(['apply', manifest(), '--quiet', '--metrics-push', withCreds]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/cannot push the metrics to http:\/\/ops:\*\*\*@127\.0\.0\.1:\d+\/: push failed with status 500/);
    expect(r.stderr).not.toContain('push-pw-77');
    const bad = await run(['apply', manifest(), '--metrics-push', 'ftp://127.0.0.1/x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--metrics-push ftp:\/\/127\.0\.0\.1\/x is not http:\/\/ or https:\/\//);
  });
});
