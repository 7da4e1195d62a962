// The executor's test doubles: an in-memory server whose answers are scripted per request (a
// Sender, no HTTP) and an in-memory ledger sink. Shared by the executor's unit-test tables.
import type { RawResult } from '../../src/api/outcome.js';
import type { ItemKind } from '../../src/api/schema.js';
import { LedgerError } from '../../src/errors.js';
import type { LedgerEvent } from '../../src/ledger/event.js';
import type { LedgerSink, ObservedLine, Sender } from '../../src/run/executor.js';

/** What the script answers to one request: a raw result, or 'ok' for the server's own 200. */
export type Answer = RawResult | 'ok';

/** An in-memory server: creates what it is asked to, unless the script for that request says otherwise. */
export class FakeServer implements Sender {
  readonly sent: Array<{ kind: ItemKind; body: Record<string, unknown> }> = [];
  readonly groups: Array<{ chat_id: string; community_id: string }> = [];
  #ids = 0;
  /**
   * `script(kind, body, nth)`: the answer to the nth request for this item (1-based).
   * `echoChatId`: false acts like a server that makes its own chat_ids.
   */
  constructor(
    private readonly script: (kind: ItemKind, body: Record<string, unknown>, nth: number) => Answer = () => 'ok',
    private readonly echoChatId = true,
  ) {}

  async send(kind: ItemKind, json: string): Promise<RawResult> {
    // A macrotask: answers interleave with the executor's feed as real ones do.
    await new Promise((r) => setImmediate(r));
    const body = JSON.parse(json) as Record<string, unknown>;
    this.sent.push({ kind, body });
    const nth = this.sent.filter((s) => s.kind === kind && sameItem(kind, s.body, body)).length;
    const answer = this.script(kind, body, nth);
    if (answer !== 'ok') return answer;
    if (kind === 'community') return { type: 'response', status: 200, body: { code: 200, data: { community_id: `c-${++this.#ids}`, handle: body.handle } } };
    const chatId = this.echoChatId && typeof body.chat_id === 'string' ? body.chat_id : `server-${++this.#ids}`;
    this.groups.push({ chat_id: chatId, community_id: String(body.community_id) });
    return { type: 'response', status: 200, body: { code: 200, data: { chat_id: chatId, group: { group_id: `g-${++this.#ids}` } } } };
  }

  sends(kind: ItemKind, name: string): number {
    return this.sent.filter((s) => s.kind === kind && nameOf(kind, s.body) === name).length;
  }
}

/** A community's handle, a group's name: what tells the items of a request body apart. */
export function nameOf(kind: ItemKind, body: Record<string, unknown>): string {
  return kind === 'community' ? String(body.handle) : String((body.group as { name: string }).name);
}
function sameItem(kind: ItemKind, a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return nameOf(kind, a) === nameOf(kind, b);
}

/** A ledger sink that keeps its lines in memory; after `failAfter` lines it fails as a full disk does. */
export class MemoryLedger implements LedgerSink {
  readonly lines: Array<LedgerEvent | ObservedLine> = [];
  constructor(private readonly failAfter = Infinity) {}
  async append(line: LedgerEvent | ObservedLine): Promise<void> {
    if (this.lines.length >= this.failAfter) throw new LedgerError('cannot write ledger l.jsonl: ENOSPC: no space left on device');
    this.lines.push(line);
  }
}

export const response = (status: number, body?: unknown, retryAfter?: string): RawResult => ({ type: 'response', status, body, retryAfter });
/** A transport failure: `sent` false (refused: nothing reached the server) or true (reset after the request was written). */
export const network = (sent: boolean): RawResult => ({ type: 'network', code: sent ? 'ECONNRESET' : 'ECONNREFUSED', message: 'socket', sent });
