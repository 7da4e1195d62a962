// The bare sender the runner is measured against: the same POST bodies, sent with got at the
// same concurrency, recording nothing (a Map of community ids is all it keeps, to send groups).
// All communities first, then all groups: also the "naive schedule" of the dependency bench.
//
//   node bare-got.js <url> <token> <bodies.json> --concurrency C [--rate R --limiter L]
//   limiter: none | pacer (the project's Pacer) | pq-even (p-queue intervalCap 1, interval
//   1000/R) | pq-window (intervalCap R, interval 1000) | pq-strict (pq-window with strict: true)
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import got from 'got';
import PQueue from 'p-queue';

const [url, token, bodiesFile, ...rest] = process.argv.slice(2);
const opt = { concurrency: 8, rate: 0, limiter: 'none' };
for (let i = 0; i < rest.length; i += 2) opt[rest[i].replace(/^--/, '')] = rest[i + 1];
const C = Number(opt.concurrency);
const R = Number(opt.rate);
const { communities, groups } = JSON.parse(readFileSync(bodiesFile, 'utf8'));

const client = got.extend({
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'bare' },
  timeout: { request: 30_000 },
  retry: { limit: 0 },
  throwHttpErrors: false,
  followRedirect: false,
  responseType: 'text',
  agent: { http: new http.Agent({ keepAlive: true, maxSockets: C, scheduling: 'lifo' }) },
});
const communityUrl = `${url}/api/thirdparty/community/create`;
const groupUrl = `${url}/api/thirdparty/group/create`;

let pacer;
if (opt.limiter === 'pacer') {
  // The pacer is no export of the library (issue 21): its own module, as the executor uses it.
  const { Pacer } = await import(pathToFileURL(join(import.meta.dirname, '..', '..', 'dist', 'run', 'pacer.js')).href);
  pacer = new Pacer({ rate: R });
}

let sent = 0;
let ok = 0;
const ids = new Map();

async function post(target, body) {
  sent++;
  const res = await client.post(target, { body });
  if (res.statusCode === 200) ok++;
  return res;
}

async function community([handle, body]) {
  const res = await post(communityUrl, body);
  if (res.statusCode === 200) ids.set(handle, JSON.parse(res.body).data.community_id);
}

async function group([parent, body]) {
  const id = ids.get(parent);
  if (id === undefined) return;
  await post(groupUrl, `{"community_id":${JSON.stringify(id)},${body.slice(1)}`);
}

/** C workers pulling from the list; with the pacer, each send takes its slot first. */
async function pool(list, fn) {
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const item = list[next++];
      if (pacer) await pacer.take();
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: C }, worker));
}

/** p-queue's own interval limiter, fed with backpressure. */
async function queued(list, fn) {
  const shape =
    opt.limiter === 'pq-even'
      ? { intervalCap: 1, interval: 1000 / R }
      : { intervalCap: R, interval: 1000, strict: opt.limiter === 'pq-strict' };
  const q = new PQueue({ concurrency: C, ...shape });
  for (const item of list) {
    if (q.size >= C * 4) await q.onSizeLessThan(C * 2);
    q.add(() => fn(item));
  }
  await q.onIdle();
}

const drive = opt.limiter.startsWith('pq-') ? queued : pool;
await drive(communities, community);
await drive(groups, group);
console.log(JSON.stringify({ sent, ok }));
