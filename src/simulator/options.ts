// The simulator's options: the documented type, the defaults (defined here and nowhere else) and the
// checks that turn a partial, possibly JSON-sourced, options object into a complete one.
import { FAULT_KINDS, isFaultKind, type FaultProbabilities } from './faults.js';

export interface RateLimit {
  /** Requests per second allowed on average. */
  rate: number;
  /** How many requests may arrive at once after a quiet spell (>= 1). Default: `rate`, at least 1. */
  burst?: number;
}

export interface SimulatorOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. Cannot change after start. Default 0. */
  port?: number;
  /** A bearer token the create endpoints always accept (besides those issued by the auth endpoint). Default `'sim-token'`. */
  token?: string;
  /** The `api_key` that `POST /api/thirdparty/auth` accepts. Default `'sim-key'`. */
  apiKey?: string;
  /** The `api_secret` that goes with `apiKey`. Default `'sim-secret'`. */
  apiSecret?: string;
  /**
   * How many create requests a token issued by the auth endpoint authorizes; the next one gets 401 and
   * the token stays expired. null for no limit. The static `token` never expires. Default null.
   */
  tokenTtlRequests?: number | null;
  /** Seed for ids, fault rolls and latency. Default 1. */
  seed?: number;
  /** Token-bucket limit on the API endpoints; null for none. Default null. */
  rateLimit?: RateLimit | null;
  /** Delay before every API answer: a fixed number or a seeded random range, in ms. Default 0. */
  latencyMs?: number | { min: number; max: number };
  /** Probability (0..1) per create request of each fault kind; their sum must not exceed 1. Replaced whole by `configure`. Default `{}`. */
  faults?: FaultProbabilities;
  /** How long an `answer-late` fault holds its 200, in ms. Default 60000. */
  lateAnswerMs?: number;
  /** The gap between bytes of a `slow-drip` answer, in ms. Default 500. */
  dripIntervalMs?: number;
  /** Approximate size of a `huge-200` answer, in bytes. Default 20 MiB. */
  hugeBodyBytes?: number;
  /** Category ids that `categories.existing` may name; others get 404 5220. Default 1..50. */
  knownCategoryIds?: readonly number[];
  /**
   * What a group create does with the chat_id a client sends, as a real API might (the reference
   * documents none of it): `refuse` keeps it and refuses a second group with a held one (409 5230);
   * `echo` keeps and echoes it but creates a second group with a held one; `ignore` makes a new
   * chat_id for every group. `configure` can change it mid-run. Default `refuse`.
   */
  chatIds?: ChatIdMode;
  /**
   * Hand out community_id, group_id and the chat_ids it makes as JSON numbers, like a server whose ids
   * are integers: `'safe'` below 2^53, `'big'` 19 digits (beyond 2^53, where a JS number loses digits).
   * Requests may name them as text. Default `'off'` (UUID strings).
   */
  numericIds?: NumericIds;
}

export const CHAT_ID_MODES = ['refuse', 'echo', 'ignore'] as const;
export type ChatIdMode = (typeof CHAT_ID_MODES)[number];
export type NumericIds = 'off' | 'safe' | 'big';

export type ResolvedOptions = { readonly [K in keyof SimulatorOptions]-?: Exclude<SimulatorOptions[K], undefined> };

export const DEFAULT_OPTIONS: ResolvedOptions = Object.freeze({
  port: 0,
  token: 'sim-token',
  apiKey: 'sim-key',
  apiSecret: 'sim-secret',
  tokenTtlRequests: null,
  seed: 1,
  rateLimit: null,
  latencyMs: 0,
  faults: Object.freeze({}),
  lateAnswerMs: 60_000,
  dripIntervalMs: 500,
  hugeBodyBytes: 20 * 1024 * 1024,
  knownCategoryIds: Object.freeze(Array.from({ length: 50 }, (_, i) => i + 1)),
  chatIds: 'refuse',
  numericIds: 'off',
});

/** Largest request body the API endpoints accept (413 beyond). */
export const MAX_BODY_BYTES = 1024 * 1024;

export class SimulatorOptionsError extends Error {
  override name = 'SimulatorOptionsError';
}

function fail(message: string): never {
  throw new SimulatorOptionsError(message);
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const nonNegative = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

function checkRateLimit(v: unknown): RateLimit | null {
  if (v === null) return null;
  if (!isObject(v)) fail('rateLimit must be null or {rate, burst?}');
  const { rate, burst, ...extra } = v;
  if (Object.keys(extra).length > 0) fail(`rateLimit: unknown keys ${Object.keys(extra).join(', ')}`);
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) fail('rateLimit.rate must be a positive number');
  if (burst === undefined) return { rate };
  if (typeof burst !== 'number' || !Number.isFinite(burst) || burst < 1) fail('rateLimit.burst must be a number >= 1');
  return { rate, burst };
}

function checkLatency(v: unknown): number | { min: number; max: number } {
  if (nonNegative(v)) return v;
  if (isObject(v) && nonNegative(v.min) && nonNegative(v.max) && v.min <= v.max && Object.keys(v).length === 2) {
    return { min: v.min, max: v.max };
  }
  return fail('latencyMs must be a number >= 0 or {min, max} with 0 <= min <= max');
}

function checkFaults(v: unknown): FaultProbabilities {
  if (!isObject(v)) fail('faults must be an object of fault kind to probability');
  const out: FaultProbabilities = {};
  let sum = 0;
  for (const [kind, p] of Object.entries(v)) {
    if (!isFaultKind(kind)) fail(`faults: unknown kind "${kind}" (known: ${FAULT_KINDS.join(', ')})`);
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) fail(`faults.${kind} must be a probability between 0 and 1`);
    out[kind] = p;
    sum += p;
  }
  // The kinds share one roll per request, so together they cannot exceed certainty.
  if (sum > 1 + 1e-9) fail(`faults: probabilities add up to ${sum}, more than 1`);
  return out;
}

const CHECKS: { [K in keyof ResolvedOptions]: (v: unknown) => ResolvedOptions[K] } = {
  port: (v) => (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535 ? (v as number) : fail('port must be an integer 0..65535')),
  token: (v) => (typeof v === 'string' && v !== '' ? v : fail('token must be a non-empty string')),
  apiKey: (v) => (typeof v === 'string' && v !== '' ? v : fail('apiKey must be a non-empty string')),
  apiSecret: (v) => (typeof v === 'string' && v !== '' ? v : fail('apiSecret must be a non-empty string')),
  tokenTtlRequests: (v) =>
    v === null || (Number.isInteger(v) && (v as number) >= 0) ? (v as number | null) : fail('tokenTtlRequests must be null or an integer >= 0'),
  seed: (v) => (Number.isInteger(v) ? (v as number) : fail('seed must be an integer')),
  rateLimit: checkRateLimit,
  latencyMs: checkLatency,
  faults: checkFaults,
  lateAnswerMs: (v) => (nonNegative(v) ? v : fail('lateAnswerMs must be a number >= 0')),
  dripIntervalMs: (v) => (nonNegative(v) ? v : fail('dripIntervalMs must be a number >= 0')),
  hugeBodyBytes: (v) => (nonNegative(v) && Number.isInteger(v) ? v : fail('hugeBodyBytes must be an integer >= 0')),
  knownCategoryIds: (v) =>
    Array.isArray(v) && v.every((id) => Number.isInteger(id)) ? [...(v as number[])] : fail('knownCategoryIds must be an array of integers'),
  chatIds: (v) => ((CHAT_ID_MODES as readonly unknown[]).includes(v) ? (v as ChatIdMode) : fail(`chatIds must be one of ${CHAT_ID_MODES.join(', ')}`)),
  numericIds: (v) => (v === 'off' || v === 'safe' || v === 'big' ? v : fail("numericIds must be 'off', 'safe' or 'big'")),
};

/**
 * `base` with the fields of `partial` applied, each checked. Throws SimulatorOptionsError naming the
 * first bad field; unknown keys are errors too, so a typo in a config POST does not pass silently.
 */
export function resolveOptions(partial: unknown, base: ResolvedOptions = DEFAULT_OPTIONS): ResolvedOptions {
  if (partial === undefined) return base;
  if (!isObject(partial)) fail('options must be an object');
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(partial)) {
    if (!Object.hasOwn(CHECKS, key)) fail(`unknown option "${key}"`);
    if (value === undefined) continue;
    out[key] = CHECKS[key as keyof ResolvedOptions](value);
  }
  return Object.freeze(out) as unknown as ResolvedOptions;
}
