// Bench inputs, generated on demand and cached under bench/.out/inputs: manifests (CSV and the
// equivalent YAML), the request bodies a bare script sends, and ledgers of finished runs.
import { appendFileSync, createWriteStream, existsSync, renameSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST, outDir } from './common.js';

const lib = () => import(pathToFileURL(join(DIST, 'index.js')).href);

export const CSV_HEADER = 'kind,handle,name,type,actions,description,community_handle,group.name,group.description,settings.discoverable';

const handleOf = (i, prefix) => `${prefix}${String(i).padStart(7, '0')}`;

function csvRows(communities, groupsPer, prefix, from, to) {
  let s = '';
  for (let i = from; i < to; i++) {
    const h = handleOf(i, prefix);
    s += `community,${h},Community ${i},1,3:5,Bench community ${i}: a place for people who care about topic ${i % 97},,,,\n`;
    for (let g = 1; g <= groupsPer; g++) {
      s += `group,,,4,3:5;5:9,,${h},Group ${g},Talk about sub-topic ${g} of topic ${i % 97},true\n`;
    }
  }
  return s;
}

function yamlRows(communities, groupsPer, prefix, from, to) {
  let s = '';
  for (let i = from; i < to; i++) {
    const h = handleOf(i, prefix);
    s += `  - handle: ${h}\n    name: Community ${i}\n    type: 1\n    actions: [{ action_id: 3, access_type_id: 5 }]\n`;
    s += `    description: "Bench community ${i}: a place for people who care about topic ${i % 97}"\n`;
    if (groupsPer > 0) s += '    groups:\n';
    for (let g = 1; g <= groupsPer; g++) {
      s += `      - type: 4\n        actions: [{ action_id: 3, access_type_id: 5 }, { action_id: 5, access_type_id: 9 }]\n`;
      s += `        group: { name: Group ${g}, description: Talk about sub-topic ${g} of topic ${i % 97} }\n        settings: { discoverable: true }\n`;
    }
  }
  return s;
}

async function writeChunked(path, head, rows, communities, groupsPer, prefix) {
  if (existsSync(path)) return path;
  const tmp = `${path}.tmp`;
  const ws = createWriteStream(tmp);
  if (head) ws.write(head);
  const step = 5000;
  for (let i = 0; i < communities; i += step) {
    if (!ws.write(rows(communities, groupsPer, prefix, i + 1, Math.min(communities, i + step) + 1))) await once(ws, 'drain');
  }
  ws.end();
  await once(ws, 'finish');
  renameSync(tmp, path);
  return path;
}

/**
 * One CSV with a kind column: each community row followed by its groups' rows.
 * Rows = communities × (1 + groupsPer). `prefix` keeps handles of separate jobs apart.
 */
export function csvManifest(communities, groupsPer, prefix = 'c') {
  const path = join(outDir('inputs'), `${prefix}-${communities}x${groupsPer}.csv`);
  return writeChunked(path, CSV_HEADER + '\n', csvRows, communities, groupsPer, prefix);
}

/** The same items as csvManifest, as one YAML file with nested groups. */
export function yamlManifest(communities, groupsPer, prefix = 'c') {
  const path = join(outDir('inputs'), `${prefix}-${communities}x${groupsPer}.yaml`);
  return writeChunked(path, 'version: 1\ncommunities:\n', yamlRows, communities, groupsPer, prefix);
}

/** The plan the project makes of a manifest (empty ledger). */
async function planOf(file) {
  const { makePlan } = await lib();
  const empty = { items: new Map(), lines: 0, runs: 0, torn: [], get: () => undefined, handles: () => [], isKnownHandle: () => false, communityId: () => undefined, apply() {} };
  const { plan } = await makePlan([file], { ledger: empty });
  return plan;
}

/**
 * The exact POST bodies the runner would send for a manifest, for the baselines that send "the
 * same POSTs": communities as [handle, json], groups as [parentHandle, json without community_id].
 */
export async function bodiesFor(file) {
  const path = `${file}.bodies.json`;
  if (existsSync(path)) return path;
  const plan = await planOf(file);
  const communities = [];
  const groups = [];
  for (const item of plan.items) {
    if (item.kind === 'community') communities.push([item.handle, item.body]);
    else groups.push([item.handle, item.body]);
  }
  writeFileSync(path, JSON.stringify({ communities, groups }));
  return path;
}

/** A fake but well-formed, unique id: n in the last group, salt for the kind of id. */
const uuid = (n, salt) => `${salt.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/**
 * The ledger a finished run of `file` leaves: per item an `attempt` line then a `created` line
 * with ids and the body hash, as the executor writes them.
 */
export async function ledgerFor(file) {
  const path = `${file}.ledger.jsonl`;
  if (existsSync(path)) return path;
  const { bodyHash } = await lib();
  const plan = await planOf(file);
  const tmp = `${path}.tmp`;
  const ws = createWriteStream(tmp);
  const run = '6f1c2d4e-0000-4000-8000-00000000bench';
  let n = 0;
  let buf = '';
  for (const item of plan.items) {
    n++;
    const at = new Date(Date.UTC(2026, 10, 1, 0, 0, 0, n)).toISOString();
    const hash = bodyHash(item.body);
    const base = { at, run, kind: item.kind, key: item.key };
    buf += JSON.stringify({ ...base, event: 'attempt', attempt: 1, hash }) + '\n';
    if (item.kind === 'community') {
      const id = uuid(n, 1);
      buf += JSON.stringify({ ...base, event: 'created', community_id: id, share_url: `https://community.example/c/${n}`, hash }) + '\n';
    } else {
      buf += JSON.stringify({ ...base, event: 'created', chat_id: uuid(n, 2), group_id: uuid(n, 3), share_url: `https://community.example/g/${n}`, hash }) + '\n';
    }
    if (buf.length > 1 << 20) {
      if (!ws.write(buf)) await once(ws, 'drain');
      buf = '';
    }
  }
  ws.end(buf);
  await once(ws, 'finish');
  renameSync(tmp, path);
  return path;
}

/**
 * Makes a copied ledger belong to the simulator `apiUrl` (a run on it then appends nothing): a
 * ledger of a finished run names its API on its first line, and these generated ones have none.
 */
export async function claimLedger(path, apiUrl) {
  const { apiOrigin } = await import(pathToFileURL(join(DIST, 'ledger', 'origin.js')).href);
  const { LEDGER_FORMAT } = await import(pathToFileURL(join(DIST, 'ledger', 'event.js')).href);
  appendFileSync(path, JSON.stringify({ at: new Date().toISOString(), event: 'ledger', api: apiOrigin(apiUrl), format: LEDGER_FORMAT }) + '\n');
}
