// Fault kinds the simulator can inject, what each does to the item, and the seeded decision of which
// request gets which fault (scripted faults first, then the probability table).
import { mulberry32, type Random } from './random.js';

/** The two create endpoints. */
export type Endpoint = 'community' | 'group';

/**
 * What a fault does and when it strikes. `pre` faults replace the request's processing, so nothing is
 * created; `post` faults strike after the item was created, so the client cannot tell from the answer.
 */
export const FAULTS = {
  /** 500 `{"code":"9999",...}`: an unexpected server error. Not created. */
  '500-json': { phase: 'pre', creates: false },
  /** 502 with an HTML page (a proxy in front of a dead backend). Not created. */
  '502-html': { phase: 'pre', creates: false },
  /** 503 JSON: the service is down for a moment. Not created. */
  '503-json': { phase: 'pre', creates: false },
  /** 429 with `Retry-After: 1` for this request and the next four create requests. Not created. */
  '429-burst': { phase: 'pre', creates: false },
  /** Connection reset before the body is read: nothing processed. Not created. */
  'reset-before': { phase: 'pre', creates: false },
  /** 307 to the same path on another host (127.0.0.2): clients must not follow it blindly. Not created. */
  redirect: { phase: 'pre', creates: false },
  /** Created, then the connection is reset with no answer: the classic "did it happen?" case. */
  'reset-after': { phase: 'post', creates: true },
  /** Created, answered 200 only after `lateAnswerMs` (beyond any sane client timeout). */
  'answer-late': { phase: 'post', creates: true },
  /** Created, answered 200 with `<html>oops</html>` under a JSON content type. */
  'garbage-200': { phase: 'post', creates: true },
  /** Created, answered 200 with an empty body. */
  'empty-200': { phase: 'post', creates: true },
  /** Created, answered 200 with the first half of the JSON (a complete HTTP message, an invalid document). */
  'truncated-200': { phase: 'post', creates: true },
  /** Created, answered 200 `{"code":200,"message":"ok","data":{}}`: valid JSON, no ids. */
  'wrong-shape-200': { phase: 'post', creates: true },
  /** Created, answered 200 with valid JSON padded to ~`hugeBodyBytes`: clients must cap what they read. */
  'huge-200': { phase: 'post', creates: true },
  /** Created, answered 200 one byte every `dripIntervalMs`. */
  'slow-drip': { phase: 'post', creates: true },
  // Gateway faults: an error status although the item was created (the proxy lost the backend's answer).
  // Listed last so that a seed keeps rolling the same faults for the kinds above.
  /** Created, then a proxy's HTML 502 page. */
  '502-after': { phase: 'post', creates: true },
  /** Created, then a proxy's HTML 504 page (the backend was slower than the proxy's timeout). */
  '504-after': { phase: 'post', creates: true },
  /** Created, then 500 with an HTML body: not the API's JSON error. */
  '500-html-after': { phase: 'post', creates: true },
  /** Created, then the API's own 500 `{"code":"9999",...}`: even a JSON error does not prove nothing happened. */
  '500-json-after': { phase: 'post', creates: true },
  /**
   * Created, answered 200 with the ids of the latest other item of its kind (a community's
   * community_id, a group's chat_id and group_id): an id the client already holds for another item.
   * The first item of a kind has no other to borrow from and gets its own.
   */
  'duplicate-id': { phase: 'post', creates: true },
} as const satisfies Record<string, { phase: 'pre' | 'post'; creates: boolean }>;

export type FaultKind = keyof typeof FAULTS;
export const FAULT_KINDS = Object.keys(FAULTS) as FaultKind[];

/** Probability (0..1) per create request of each fault kind; kinds are mutually exclusive per request. */
export type FaultProbabilities = Partial<Record<FaultKind, number>>;

/** Create requests after the first that a `429-burst` also refuses. */
export const BURST_FOLLOWERS = 4;

export function isFaultKind(value: unknown): value is FaultKind {
  return typeof value === 'string' && Object.hasOwn(FAULTS, value);
}

/**
 * The decision taken when a create request has passed auth and rate limiting. A `post` decision is only
 * carried out if the request then creates something; `scripted` means "whatever scripted post fault heads
 * the queue at that moment".
 */
export type FaultDecision =
  | { phase: 'pre'; kind: FaultKind }
  | { phase: 'post'; kind: FaultKind | 'scripted' }
  | null;

interface Scripted {
  kind: FaultKind;
  remaining: number;
  endpoint: Endpoint | undefined;
}

export class FaultInjector {
  private random: Random;
  private table: Array<[FaultKind, number]> = [];
  private scripted: Scripted[] = [];
  private burstLeft = 0;

  constructor(seed: number, probabilities: FaultProbabilities = {}) {
    this.random = mulberry32(seed);
    this.setProbabilities(probabilities);
  }

  reseed(seed: number): void {
    this.random = mulberry32(seed);
  }

  /** Replaces the probability table (cumulative, in FAULT_KINDS order so a seed means the same thing every time). */
  setProbabilities(probabilities: FaultProbabilities): void {
    let sum = 0;
    this.table = [];
    for (const kind of FAULT_KINDS) {
      const p = probabilities[kind] ?? 0;
      if (p > 0) this.table.push([kind, (sum += p)]);
    }
  }

  /** The next `count` create requests matching `endpoint` (any when undefined) get `kind`, in FIFO order. */
  script(kind: FaultKind, count = 1, endpoint?: Endpoint): void {
    if (!isFaultKind(kind)) throw new TypeError(`unknown fault kind: ${String(kind)}`);
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`);
    this.scripted.push({ kind, remaining: count, endpoint });
  }

  /** Forgets scripted faults and any burst in progress. */
  clear(): void {
    this.scripted = [];
    this.burstLeft = 0;
  }

  /** Called once per create request after auth and rate limiting pass. */
  before(endpoint: Endpoint): FaultDecision {
    if (this.burstLeft > 0) {
      this.burstLeft--;
      return { phase: 'pre', kind: '429-burst' };
    }
    // Roll even when a scripted fault wins, so scripting one fault does not reshuffle the random ones after it.
    const rolled = this.roll();
    const head = this.head(endpoint);
    if (head) {
      if (FAULTS[head.kind].phase === 'post') return { phase: 'post', kind: 'scripted' };
      this.consume(head);
      return this.pre(head.kind);
    }
    if (rolled === null) return null;
    return FAULTS[rolled].phase === 'pre' ? this.pre(rolled) : { phase: 'post', kind: rolled };
  }

  /**
   * Called when a request with a `post` decision has created its item: the fault to apply now, if any.
   * A scripted post fault stays queued until a matching request actually creates something.
   */
  after(endpoint: Endpoint, decision: FaultDecision): FaultKind | null {
    if (decision?.phase !== 'post') return null;
    if (decision.kind !== 'scripted') return decision.kind;
    const head = this.head(endpoint);
    if (!head || FAULTS[head.kind].phase !== 'post') return null;
    this.consume(head);
    return head.kind;
  }

  private pre(kind: FaultKind): FaultDecision {
    if (kind === '429-burst') this.burstLeft = BURST_FOLLOWERS;
    return { phase: 'pre', kind };
  }

  private roll(): FaultKind | null {
    if (this.table.length === 0) return null;
    const r = this.random();
    for (const [kind, upTo] of this.table) if (r < upTo) return kind;
    return null;
  }

  private head(endpoint: Endpoint): Scripted | undefined {
    return this.scripted.find((s) => s.endpoint === undefined || s.endpoint === endpoint);
  }

  private consume(entry: Scripted): void {
    if (--entry.remaining === 0) this.scripted.splice(this.scripted.indexOf(entry), 1);
  }
}
