// Target 6, peer baseline: the same job (communities × 9 groups) done by a shell loop of curl
// with xargs -P 8 (bench/baselines/curl-*.sh) and by `apply`, against the same rate-limited
// simulator. Two runs each: a clean one (wall time, 429s, ids captured), and one killed once
// while sending groups and then re-run with the same command (duplicates, ids captured).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST, ROOT, outDir, row, sleep } from '../lib/common.js';
import { bodiesFor, csvManifest } from '../lib/gen.js';
import { kill, run as runCommand, runCli } from '../lib/proc.js';
import { startSim, summarise } from '../lib/sim.js';

const RATE = 100;
const LATENCY_MS = 20;
const PARALLEL = 8;
const SCRIPTS = join(ROOT, 'bench', 'baselines');

export async function run({ quick, log }) {
  for (const tool of ['curl', 'xargs', 'awk', 'sed']) {
    const found = await runCommand('sh', ['-c', `command -v ${tool}`]);
    if (found.code !== 0) {
      log(`  peer: skipped, ${tool} is not installed`);
      return [row({ target: '6 peer', case: `skipped: ${tool} is not installed (apt-get install curl)`, note: '' })];
    }
  }
  const clean = quick ? 30 : 1000; // communities, 9 groups each
  const failing = quick ? 30 : 200;
  const sim = await startSim({ latencyMs: LATENCY_MS, rate: RATE });
  const rows = [];
  try {
    for (const [phase, communities] of [['clean', clean], ['killed once, re-run', failing]]) {
      const csv = await csvManifest(communities, 9, 'p');
      const files = await tsvFor(csv);
      const n = communities * 10;
      const r = {};
      for (const who of ['curl', 'ours']) {
        await sim.configure({ rateLimit: { rate: RATE } });
        await sim.reset();
        const killAt = phase === 'clean' ? undefined : communities + Math.floor((communities * 9) / 2);
        r[who] = who === 'curl' ? await curlJob(sim, files, killAt) : await ourJob(sim, csv, killAt);
        const s = summarise(await sim.state());
        r[who].server = s;
        log(`  peer ${phase} ${who}: wall ${(r[who].wallMs / 1000).toFixed(1)} s, ${s.created}/${n} on the server, ${s.rateLimited} × 429, ${s.duplicates} duplicates, ${r[who].ids} ids captured${r[who].inDoubt ? `, ${r[who].inDoubt} in doubt` : ''}`);
      }
      const label = `${communities}×(1+9) = ${n} items, limit ${RATE}/s, latency ${LATENCY_MS} ms, ${phase}`;
      const note = (x) =>
        `${x.server.created}/${n} on server, ${x.server.rateLimited} × 429, ${x.server.duplicates} duplicates, ${x.ids}/${n} ids captured${x.inDoubt ? `, ${x.inDoubt} in doubt (listed for a person)` : ''}`;
      rows.push(row({ target: '6 peer', case: `curl | xargs -P ${PARALLEL}: ${label}`, measured: r.curl.wallMs / 1000, note: note(r.curl) }));
      rows.push(row({ target: '6 peer', case: `apply --rate ${RATE}/s --concurrency ${PARALLEL}: ${label}`, measured: r.ours.wallMs / 1000, baseline: r.curl.wallMs / 1000, ratio: r.ours.wallMs / r.curl.wallMs, note: note(r.ours) }));
    }
  } finally {
    await sim.stop();
  }
  return rows;
}

/** communities.tsv (handle, json) and groups.tsv (handle, key, json) of the same bodies apply sends. */
async function tsvFor(csv) {
  const { communities, groups } = JSON.parse(readFileSync(await bodiesFor(csv), 'utf8'));
  const c = `${csv}.communities.tsv`;
  const g = `${csv}.groups.tsv`;
  writeFileSync(c, communities.map(([h, j]) => `${h}\t${j}\n`).join(''));
  writeFileSync(g, groups.map(([h, j]) => `${h}\t${JSON.parse(j).group.name}\t${j}\n`).join(''));
  return { communities: c, groups: g };
}

/** Resolves once the server holds `count` items (polling its state), or when `done` settles. */
async function whenServerHolds(sim, count, done) {
  let finished = false;
  done.then(() => (finished = true));
  while (!finished) {
    const s = await sim.state();
    if (s.communities.length + s.groups.length >= count) return true;
    await sleep(250);
  }
  return false;
}

async function curlJob(sim, files, killAt) {
  const dir = outDir('work', 'curl');
  const cids = join(dir, 'community-ids.tsv');
  const gids = join(dir, 'group-ids.tsv');
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, PARALLEL: String(PARALLEL) };
  const sh = (script, args, stdin, out, onSpawn) =>
    runCommand('sh', ['-c', `"$0" "$@" < "${stdin}" > "${out}"`, join(SCRIPTS, script), ...args], { env, cwd: dir, detached: true, onSpawn });
  const started = performance.now();
  await sh('curl-communities.sh', [sim.url, sim.token], files.communities, cids);
  const groupStep = () => sh('curl-groups.sh', [sim.url, sim.token, cids], files.groups, gids, (child) => {
    if (killAt === undefined) return;
    const done = new Promise((resolve) => child.on('close', resolve));
    whenServerHolds(sim, killAt, done).then((reached) => reached && kill(child));
  });
  await groupStep();
  if (killAt !== undefined) {
    killAt = undefined;
    await groupStep(); // the same command again
  }
  const wallMs = performance.now() - started;
  const captured = (file) => readFileSync(file, 'utf8').split('\n').filter((l) => /\t\S+$/.test(l)).length;
  return { wallMs, ids: captured(cids) + captured(gids) };
}

async function ourJob(sim, csv, killAt) {
  const ledger = join(outDir('work'), 'peer.jsonl');
  rmSync(ledger, { force: true });
  const args = ['apply', csv, '--ledger', ledger, '--rate', `${RATE}/s`, '--concurrency', String(PARALLEL), '--quiet', '--log-level', 'warn'];
  const started = performance.now();
  const first = await runCli(args, {
    env: sim.env,
    onSpawn: (child) => {
      if (killAt === undefined) return;
      const done = new Promise((resolve) => child.on('close', resolve));
      whenServerHolds(sim, killAt, done).then((reached) => reached && kill(child));
    },
  });
  if (killAt === undefined && first.code !== 0) throw new Error(`peer: apply exited ${first.code}: ${first.stderr.slice(0, 500)}`);
  let rerun;
  if (killAt !== undefined) rerun = await runCli(args, { env: sim.env }); // the same command again
  const wallMs = performance.now() - started;
  const { readLedger } = await import(pathToFileURL(join(DIST, 'index.js')).href);
  const state = await readLedger(ledger);
  let ids = 0;
  let inDoubt = 0;
  for (const s of state.items.values()) {
    if (s.kind === 'community' ? s.community_id : s.group_id) ids++;
    if (s.kind === 'group' && (s.status === 'in_doubt' || s.inFlight)) inDoubt++;
  }
  // Exit 1 is expected after a kill (items left in doubt); anything else is a failed re-run.
  if (rerun && rerun.code !== 0 && rerun.code !== 1) throw new Error(`peer: the re-run exited ${rerun.code}: ${rerun.stderr.slice(0, 500)}`);
  return { wallMs, ids, inDoubt };
}
