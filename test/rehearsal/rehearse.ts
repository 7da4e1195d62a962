// The operator's rehearsal of issue 18: a bad night on the simulator (lost answers, resets, 429s)
// over 1,000 communities and 3,000 groups, with or without a probe first, then what is left for
// a person. Counts the decisions a person faces and the commands it takes to reach exit 0.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { stringify as csvStringify } from 'csv-stringify/sync';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { readLedger } from '../../src/ledger/replay.js';
import { runCli, tempDir, type CliResult } from '../helpers/cli.js';
import { ownCommunity } from '../helpers/own-community.js';

const TOKEN = 'rehearsal-token-3f9a';

export interface RehearsalOptions {
  communities: number;
  groupsPer: number;
  /** Probe the API before the night (the recipe), or not (the strict rule). */
  probe: boolean;
  seed?: number;
  /** The server's way with a repeated chat_id (default: refuse, as the simulator does). */
  chatIds?: 'refuse' | 'echo';
}

export interface Rehearsal {
  /** After the bad night: what the ledger leaves for a person. */
  night: { exit: number | null; groupsInDoubt: number; communitiesExists: number; failed: number; blocked: number };
  /** Decisions a person must take (an item to look up in Genuin), per 1,000 items. */
  decisionsPer1000: number;
  /** The person's commands after the night, in order, with their exits. */
  commands: Array<{ args: string; code: number | null }>;
  /** At the end: groups still in doubt, duplicates on the server, the last exit. */
  end: { groupsInDoubt: number; duplicates: number; exit: number | null; groups: number; communities: number };
  log: string[];
}

function manifest(n: number, per: number): string {
  const rows: string[] = ['kind,handle,name,type,actions,community_handle,group.name'];
  for (let c = 0; c < n; c++) {
    rows.push(`community,r-${c},Rehearsal ${c},1,3:5,,`);
    for (let g = 0; g < per; g++) rows.push(`group,,,4,,r-${c},Room ${g}`);
  }
  return `${rows.join('\n')}\n`;
}

/** Runs the rehearsal in a fresh directory against a fresh simulator. */
export async function rehearse(o: RehearsalOptions): Promise<Rehearsal> {
  const dir = tempDir();
  const sim = await startSimulator({ token: TOKEN, seed: o.seed ?? 7, chatIds: o.chatIds ?? 'refuse' });
  const log: string[] = [];
  const ledger = join(dir, 'ledger.jsonl');
  const env = { GENUIN_API_URL: sim.url, GENUIN_ACCESS_TOKEN: TOKEN };
  const cli = (args: string[]): Promise<CliResult> => runCli([...args, '--ledger', ledger], { cwd: dir, env });
  const commands: Rehearsal['commands'] = [];
  const person = async (args: string[]): Promise<CliResult> => {
    const r = await cli(args);
    commands.push({ args: args.join(' '), code: r.code });
    log.push(`person: ${args.join(' ')} -> exit ${r.code}`);
    return r;
  };
  try {
    const file = join(dir, 'night.csv');
    writeFileSync(file, manifest(o.communities, o.groupsPer));
    if (o.probe) {
      const sandbox = await ownCommunity(sim, TOKEN, 'rehearsal-sandbox', 'Sandbox');
      const p = await cli(['probe', '--community-id', sandbox, '--yes']);
      log.push(`probe -> exit ${p.code}: ${p.stdout.trim()}`);
      if (p.code !== 0) throw new Error(`probe failed: ${p.stderr}`);
    }

    // The bad night: answers lost after the create, connections reset before it, 429 bursts.
    sim.configure({ faults: { '502-after': 0.02, '504-after': 0.01, 'reset-after': 0.01, 'reset-before': 0.02, '429-burst': 0.002 } });
    const night = await cli(['apply', file, '--json', '--rate', '2000/s', '--concurrency', '16', '--retries', '2', '--timeout', '5s']);
    sim.configure({ faults: {} });
    const state = await readLedger(ledger);
    const count = (kind: string, status: string) => [...state.items.values()].filter((s) => s.kind === kind && (s.status === status || (status === 'in_doubt' && s.inFlight && kind === 'group'))).length;
    const groupsInDoubt = count('group', 'in_doubt');
    // A community whose answer was lost and whose resends ran out is in doubt: a look-up too.
    const communitiesExists = count('community', 'exists') + count('community', 'in_doubt');
    const failed = [...state.items.values()].filter((s) => s.status === 'failed').length;
    const summary = JSON.parse(night.stdout || '{}') as { blocked?: number };
    const nightFigures = { exit: night.code, groupsInDoubt, communitiesExists, failed, blocked: summary.blocked ?? 0 };
    log.push(`night -> exit ${night.code}: ${JSON.stringify(nightFigures)}`);
    // What needs a look-up in Genuin: a group in doubt, a community that exists with its id unknown.
    const decisions = groupsInDoubt + communitiesExists;

    // The person's part: the error file, its community_id cells filled from Genuin (here: the
    // simulator's own state, standing in for Genuin's back office), one bulk command, one rerun.
    const todo = join(dir, 'todo.csv');
    await person(['report', '--failed', '--out', todo, file]);
    fillCommunityIds(todo, sim);
    await person(['ledger', 'resolve', '--from', todo, '--yes']);
    const last = await person(['apply', file, '--rate', '2000/s', '--concurrency', '16']);

    const end = await readLedger(ledger);
    const held = sim.state.snapshot();
    return {
      night: nightFigures,
      decisionsPer1000: (decisions / (o.communities * (1 + o.groupsPer))) * 1000,
      commands,
      end: {
        groupsInDoubt: [...end.items.values()].filter((s) => s.kind === 'group' && (s.status === 'in_doubt' || s.inFlight)).length,
        duplicates: held.duplicates.length,
        exit: last.code,
        groups: held.groups.length,
        communities: held.communities.length,
      },
      log,
    };
  } finally {
    await sim.close();
  }
}

/** What a person does in a spreadsheet: the community_id of every `exists` (or in-doubt) community row found in Genuin. */
function fillCommunityIds(file: string, sim: Simulator): void {
  const rows = parseCsv(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  if (rows.length === 0) return;
  for (const row of rows) {
    const mayExist = row._status === 'exists' || row._status === 'in_doubt' || row._status === 'in_flight';
    if (row.kind === 'community' && mayExist && !row.community_id) row.community_id = sim.state.communityByHandle(row.handle!)?.community_id ?? '';
  }
  writeFileSync(file, csvStringify(rows, { header: true, columns: Object.keys(rows[0]!) }));
}
