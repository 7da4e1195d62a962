// End to end: many verdicts in one command. The loop a person runs after a bad night (apply with
// faults, report --failed, fill in _decision, ledger resolve --from, apply: exit 0, nothing twice),
// the preview, --yes / --dry-run / no terminal, all or nothing, --all-in-doubt and --adopt.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { simulatorWorkspace } from '../helpers/workspace.js';

const TOKEN = 'test-token-bulk-5e0c';
const ws = simulatorWorkspace(TOKEN);
const ledger = () => join(ws.dir, 'ledger.jsonl');
const cli = (args: string[]) => runCli([...args, '--ledger', ledger()], { env: ws.env(), cwd: ws.dir });
const apply = (manifest: string) => cli(['apply', manifest, '--rate', '200/s', '--concurrency', '1']);
const ledgerText = () => readFileSync(ledger(), 'utf8');
const ledgerLines = () => ledgerText().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

const MANIFEST = `version: 1
defaults:
  community: { type: 1, actions: [{ action_id: 3, access_type_id: 5 }] }
  group: { type: 4 }
communities:
  - handle: alpha
    name: Alpha
    groups:
      - { key: g1, group: { name: G1 } }
      - { key: g2, group: { name: G2 } }
      - { key: g3, group: { name: G3 } }
  - handle: beta
    name: Beta
    groups:
      - { key: b1, group: { name: B1 } }
      - { key: b2, group: { name: B2 } }
`;

type Row = Record<string, string>;

/**
 * A bad night: beta's handle exists already (created from elsewhere: the ledger learns it only as
 * "exists"), alpha's first group meets a gateway error before the create, its second loses the
 * answer after it. Returns the manifest and beta's id as Genuin has it.
 */
async function badNight(): Promise<{ manifest: string; betaId: string }> {
  await fetch(`${ws.sim.url}/api/thirdparty/community/create`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ handle: 'beta', name: 'Beta', type: 1, actions: [] }),
  });
  const betaId = ws.sim.state.snapshot().communities[0]!.community_id;
  ws.sim.injectNext('502-html', { endpoint: 'group' });
  ws.sim.injectNext('reset-after', { endpoint: 'group' });
  const manifest = ws.write('m.yaml', MANIFEST);
  expect((await apply(manifest)).code).toBe(1);
  return { manifest, betaId };
}

/** The error file, each row filled in by `fill` (as a person does in a spreadsheet). */
async function filledReport(manifest: string, fill: (row: Row) => void): Promise<string> {
  const fix = join(ws.dir, 'fix.csv');
  const r = await cli(['report', '--failed', '--out', fix, manifest]);
  expect(r.code).toBe(0);
  const rows: Row[] = parse(readFileSync(fix, 'utf8'), { columns: true, bom: true });
  for (const row of rows) fill(row);
  return ws.write('fix.csv', stringify(rows, { header: true, columns: Object.keys(rows[0]!), record_delimiter: '\r\n' }));
}

/** What a person finds in Genuin: the group under its community, by name. */
function onServer(key: string): { chat_id: string } | undefined {
  const [handle, name] = key.split('/') as [string, string];
  const held = ws.sim.state.snapshot();
  const community = held.communities.find((c) => c.handle === handle);
  return held.groups.find((g) => g.community_id === community?.community_id && (g.body.group as { name: string }).name === name.toUpperCase());
}

describe('ledger resolve --from: the filled error file', () => {
  it('the whole loop: apply with faults, report --failed, fill in, resolve --from, apply again: exit 0, nothing created twice', async () => {
    const { manifest, betaId } = await badNight();

    // Filled in as a person would: each group looked up in Genuin, beta's id found there.
    const fix = await filledReport(manifest, (row) => {
      if (row._status === 'exists') row.community_id = betaId;
      else if (row._status === 'in_doubt') row._decision = onServer(row._ledger_key!) ? 'created' : 'absent';
    });
    const rows: Row[] = parse(readFileSync(fix, 'utf8'), { columns: true });
    expect(rows.map((r) => `${r._status} ${r._ledger_key} ${r._decision}`)).toEqual([
      'in_doubt alpha/g1 absent',
      'in_doubt alpha/g2 created',
      'exists beta ',
      'blocked beta/b1 ',
      'blocked beta/b2 ',
    ]);
    // Still a manifest apply reads, decisions and all.
    const valid = await cli(['validate', fix]);
    expect(valid.code, valid.stderr).toBe(0);

    // No terminal, no --yes: the preview, then a refusal; nothing written.
    const before = ledgerText();
    const asked = await cli(['ledger', 'resolve', '--from', fix]);
    expect(asked.code).toBe(2);
    const preview = [
      'group alpha/g1: in doubt -> absent (the next apply sends it)',
      expect.stringMatching(/^group alpha\/g2: in doubt -> created \(chat_id [0-9a-f-]{36}\)$/),
      'community beta: exists -> adopted (community_id ' + betaId + ')',
      `3 lines to write to ${ledger()}: 1 created, 1 absent, 1 adopted; 2 rows of ${fix} left as is (no decision)`,
    ];
    expect(asked.stdout.trimEnd().split('\n')).toEqual(preview);
    expect(asked.stderr).toBe(`error: nothing written: stdin is not a terminal to ask "write 3 lines to ${ledger()}?"; add --yes to write (or --dry-run to only see them)\n`);
    expect(ledgerText()).toBe(before);

    const dry = await cli(['ledger', 'resolve', '--from', fix, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout.trimEnd().split('\n')).toEqual([...preview, 'dry run: nothing written']);
    expect(ledgerText()).toBe(before);

    const done = await cli(['ledger', 'resolve', '--from', fix, '--yes']);
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(done.stdout.trimEnd().split('\n')).toEqual([
      ...preview,
      `wrote 3 lines to ${ledger()}: 1 created, 1 absent, 1 adopted`,
      'the next apply skips 1 group recorded created; sends 1 group marked absent (once each); skips 1 adopted community and creates their groups',
    ]);
    const written = ledgerLines().slice(-3);
    expect(written.map((l) => `${l.event} ${l.key}`)).toEqual(['absent alpha/g1', 'created alpha/g2', 'adopted beta']);
    expect(new Set(written.map((l) => l.run)).size).toBe(1);
    expect(written[1]!.chat_id).toBe(onServer('alpha/g2')!.chat_id);

    // The same file again: every decision is now refused (nothing left to decide), nothing written.
    const twice = await cli(['ledger', 'resolve', '--from', fix, '--yes']);
    expect(twice.code).toBe(2);
    expect(twice.stderr.split('\n').filter(Boolean)).toHaveLength(4);

    const next = await apply(manifest);
    expect(next.code, next.stdout + next.stderr).toBe(0);
    const held = ws.sim.state.snapshot();
    expect(held.duplicates).toEqual([]);
    expect(held.communities).toHaveLength(2);
    expect(held.groups).toHaveLength(5);
    // And the error file itself applies as a manifest: everything in it is done.
    const fixApplied = await apply(fix);
    expect(fixApplied.code, fixApplied.stderr).toBe(0);
    expect(ws.sim.state.snapshot().groups).toHaveLength(5);
  });

  it('all or nothing: every refusal printed with its file:line, exit 2, the ledger untouched', async () => {
    const { manifest, betaId } = await badNight();
    const g3 = ledgerLines().find((l) => l.key === 'alpha/g3' && l.event === 'created')!.chat_id as string;
    const fix = await filledReport(manifest, (row) => {
      if (row._status === 'exists') row.community_id = betaId; // fine on its own
    });
    // Rows a person got wrong, added to the file the report wrote (header + 5 rows: lines 2-6).
    const head = 'kind,handle,community_id,community_handle,key,_status,_reason,_decision,_ledger_key';
    const extra = [
      'group,,,alpha,g1,in_doubt,,created: ' + g3 + ',alpha/g1', // 7: g3's chat_id
      'group,,,alpha,g2,in_doubt,,absent,alpha/g2', // 8
      'group,,,alpha,g2,in_doubt,,created,alpha/g2', // 9: the same item, decided otherwise
      'group,,,alpha,g4,in_doubt,,absent,alpha/g4', // 10: no such item
      'group,,,alpha,g3,,,absent,alpha/g3', // 11: created, not in doubt
      'group,,,alpha,g1,,,maybe,alpha/g1', // 12: not a decision
      'community,gamma,,,,,,abandon,gamma', // 13: no reason
    ];
    const original = readFileSync(fix, 'utf8').trimEnd().split('\r\n');
    const cols = original[0]!.split(',');
    const reorder = (line: string) => {
      const cells = line.split(',');
      const byName = new Map(head.split(',').map((n, i) => [n, cells[i] ?? '']));
      return cols.map((n) => byName.get(n) ?? '').join(',');
    };
    const file = ws.write('fix.csv', [...original, ...extra.map(reorder)].join('\r\n') + '\r\n');
    const before = ledgerText();
    const r = await cli(['ledger', 'resolve', '--from', file, '--yes']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      `error: ${file}:7: group alpha/g1: chat_id ${g3} is held by group alpha/g3 in the ledger; one id, one item`,
      `error: ${file}:9: group alpha/g2 is decided twice, differently: absent at ${file}:8, created here; keep one`,
      expect.stringMatching(new RegExp(`^error: ${file}:10: no item "alpha/g4" in ledger .*ledger\\.jsonl: did you mean "alpha/g[123]"\\?$`)),
      expect.stringMatching(new RegExp(`^error: ${file}:11: group alpha/g3 is created \\(chat_id ${g3}.*\\), not in doubt: nothing to resolve$`)),
      `error: ${file}:12: "maybe" is not a decision: write one of created, created: <chat_id>, absent, abandon: <why>, adopt: <community_id>`,
      `error: ${file}:13: "abandon": abandon needs a reason (abandon: why)`,
      `error: 6 decisions refused; nothing was written to ${ledger()}`,
    ]);
    expect(ledgerText()).toBe(before);
  });

  it('reads the JSON form too: a decision per entry, adopt by the entry\'s community_id', async () => {
    const { manifest, betaId } = await badNight();
    const r = await cli(['report', '--failed', '--format', 'json', manifest]);
    const doc = JSON.parse(r.stdout) as { kind: string; key: string; status: string; decision: string; entry: Record<string, unknown> }[];
    expect(doc.every((e) => e.decision === '')).toBe(true);
    for (const e of doc) {
      if (e.status === 'exists') e.entry.community_id = betaId;
      if (e.key === 'alpha/g1') e.decision = 'abandon: not wanted after all';
      if (e.key === 'alpha/g2') e.decision = 'created';
    }
    const file = ws.write('fix.json', JSON.stringify(doc, null, 2));
    const done = await cli(['ledger', 'resolve', '--from', file, '--yes']);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain('group alpha/g1: in doubt -> abandoned ("not wanted after all")');
    expect(ledgerLines().slice(-3).map((l) => `${l.event} ${l.key}`)).toEqual(['abandoned alpha/g1', 'created alpha/g2', 'adopted beta']);

    // A refusal in JSON names the line its entry starts on.
    const bad = ws.write('bad.json', '[\n  { "kind": "group", "key": "alpha/g2", "decision": "absent" }\n]\n');
    const refused = await cli(['ledger', 'resolve', '--from', bad, '--yes']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(new RegExp(`^error: ${bad}:2: group alpha/g2 is created`));
    expect((await apply(manifest)).code).toBe(0);
    expect(ws.sim.state.snapshot().duplicates).toEqual([]);
  });
});

describe('ledger resolve --all-in-doubt and --adopt', () => {
  /** alpha's three groups and beta's two all lose their answers (beta created by this run too). */
  async function allInDoubt(): Promise<string> {
    ws.sim.injectNext('reset-after', { endpoint: 'group', count: 5 });
    const manifest = ws.write('m.yaml', MANIFEST);
    expect((await apply(manifest)).code).toBe(1);
    expect(ledgerLines().filter((l) => l.event === 'in_doubt')).toHaveLength(5);
    return manifest;
  }

  it('narrowed by --community (handle or id) and --prefix; each group with its own sent chat_id', async () => {
    const manifest = await allInDoubt();
    const betaId = ws.sim.state.snapshot().communities.find((c) => c.handle === 'beta')!.community_id;

    const byId = await cli(['ledger', 'resolve', '--all-in-doubt', '--community', betaId, '--created', '--dry-run']);
    expect(byId.code).toBe(0);
    expect(byId.stdout).toMatch(/^group beta\/b1: in doubt -> created \(chat_id \S+\)\ngroup beta\/b2: in doubt -> created \(chat_id \S+\)\n2 lines to write to .*: 2 created\ndry run: nothing written\n$/);

    const prefix = await cli(['ledger', 'resolve', '--all-in-doubt', '--prefix', 'alpha/g', '--community', 'alpha', '--created', '--yes']);
    expect(prefix.code, prefix.stderr).toBe(0);
    expect(prefix.stdout).toContain('wrote 3 lines');
    for (const key of ['alpha/g1', 'alpha/g2', 'alpha/g3']) {
      const sent = ledgerLines().filter((l) => l.key === key && l.event === 'attempt').at(-1)!.chat_id;
      expect(ledgerLines().filter((l) => l.key === key).at(-1)).toMatchObject({ event: 'created', chat_id: sent, by: 'ledger resolve' });
    }
    const rest = await cli(['ledger', 'resolve', '--all-in-doubt', '--created', '--yes']);
    expect(rest.stdout).toContain('wrote 2 lines');
    const none = await cli(['ledger', 'resolve', '--all-in-doubt', '--absent', '--yes']);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe(`nothing to write to ${ledger()}: no item among the groups in doubt\n`);

    expect((await apply(manifest)).code).toBe(0);
    expect(ws.sim.state.snapshot().groups).toHaveLength(5);
    expect(ws.sim.state.snapshot().duplicates).toEqual([]);
  });

  it('refuses what does not fit the filter form (exit 2, nothing written)', async () => {
    await allInDoubt();
    const before = ledgerText();
    for (const [args, want] of [
      [['--all-in-doubt', '--community', 'alpah', '--absent', '--yes'], /--community alpah: no community of that handle or id in ledger .*: did you mean "alpha"\?/],
      [['--all-in-doubt', '--created', 'K1', '--yes'], /one chat_id cannot be every group's/],
      [['--all-in-doubt', '--abandon', '--yes'], /--abandon needs --reason/],
      [['--all-in-doubt', '--yes'], /say what was found/],
      [['--prefix', 'alpha/', '--from', 'x.csv'], /--community and --prefix narrow --all-in-doubt/],
      [['alpha/g1', '--from', 'x.csv'], /give one of <key>, --from, not several/],
      [[], /say which items: <key>, --from <file>, --all-in-doubt or --adopt <file>/],
    ] as const) {
      const r = await cli(['ledger', 'resolve', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(want);
    }
    expect(ledgerText()).toBe(before);
  });

  it('--adopt: many communities from handle,community_id rows, with or without a header; an id held elsewhere refuses all', async () => {
    // Both communities created from another ledger: this one meets both handles as "exists".
    const elsewhere = join(ws.dir, 'other.jsonl');
    const manifest = ws.write('m.yaml', MANIFEST);
    expect((await runCli(['apply', ws.write('c.yaml', MANIFEST.replace(/ {4}groups:\n(?: {6}.*\n)+/g, '')), '--ledger', elsewhere], { env: ws.env(), cwd: ws.dir })).code).toBe(0);
    expect((await apply(manifest)).code).toBe(1);
    const ids = new Map(ws.sim.state.snapshot().communities.map((c) => [c.handle, c.community_id]));

    const before = ledgerText();
    const clash = ws.write('ids.csv', `alpha,${ids.get('alpha')}\nbeta,${ids.get('alpha')}\n`);
    const refused = await cli(['ledger', 'resolve', '--adopt', clash, '--yes']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `error: ${clash}:2: community beta: community_id ${ids.get('alpha')} is also given to community alpha at ${clash}:1; one id, one item\nerror: 1 decision refused; nothing was written to ${ledger()}\n`,
    );
    expect(ledgerText()).toBe(before);

    const good = ws.write('ids.csv', `community_id,handle\r\n${ids.get('beta')},beta\r\n${ids.get('alpha')},alpha\r\n`);
    const done = await cli(['ledger', 'resolve', '--adopt', good, '--yes']);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain(`community alpha: exists -> adopted (community_id ${ids.get('alpha')})`);
    expect(done.stdout).toContain('the next apply skips 2 adopted communities and creates their groups');
    expect((await apply(manifest)).code).toBe(0);
    expect(ws.sim.state.snapshot().groups).toHaveLength(5);
    expect(ws.sim.state.snapshot().communities).toHaveLength(2);
  });

  it('the single-key form is as before (no question, no preview); with --dry-run it previews', async () => {
    await allInDoubt();
    const dry = await cli(['ledger', 'resolve', 'alpha/g1', '--absent', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^group alpha\/g1: in doubt -> absent \(the next apply sends it\)\n1 line to write to .*: 1 absent\ndry run: nothing written\n$/);
    const one = await cli(['ledger', 'resolve', 'alpha/g1', '--absent']);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^group alpha\/g1: was in doubt .*now absent: the next apply sends it/);
  });
});
