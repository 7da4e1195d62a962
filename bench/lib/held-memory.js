// Memory a run holds per item (issue 22), measured in this process with the project's library:
// the heap after a full GC, before and after replaying the ledger and planning the manifest
// over it, and the plan of the same manifest over an empty ledger (the manifest's own).
// Run with --expose-gc: `node --expose-gc held-memory.js <manifest.csv> <ledger.jsonl>`;
// prints one JSON line.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST } from './common.js';

const { readLedger, emptyLedgerState } = await import(pathToFileURL(join(DIST, 'ledger', 'replay.js')).href);
const { makePlan } = await import(pathToFileURL(join(DIST, 'plan', 'make-plan.js')).href);
const [csv, ledgerPath] = process.argv.slice(2);

// A tick first: the loader's own structures (csv-parse's stream, the manifest checks) are
// garbage once makePlan has returned, but a GC in the same tick may still see them on the stack.
const heap = async () => {
  await new Promise((r) => setTimeout(r, 50));
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};

const h0 = await heap();
let own = await makePlan([csv], { ledger: emptyLedgerState(), keepBodies: false });
const items = own.plan.items.length;
const manifestOwn = (await heap()) - h0;
own = undefined;
const h1 = await heap();
// As a run reads it (pipeline/apply.ts): without the share_urls and times it never uses.
const ledger = await readLedger(ledgerPath, { lean: true });
const h2 = await heap();
const { plan } = await makePlan([csv], { ledger });
const h3 = await heap();
globalThis.held = [ledger, plan];
process.stdout.write(`${JSON.stringify({ items, manifestOwn: manifestOwn / items, ledger: (h2 - h1) / items, plan: (h3 - h2) / items, skipped: plan.counts.skip })}\n`);
