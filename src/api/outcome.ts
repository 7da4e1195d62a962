// The single table that turns what came back from one create request into what the run
// does next. A new documented error code is one line in KNOWN_CODES.
import type { ChatIdAnswer } from './chat-id-profile.js';
import { communityCreatedSchema, errorBodySchema, groupCreatedSchema, type ItemKind } from './schema.js';

/** What the client observed for one request: an HTTP answer, or a transport failure. */
export type RawResult =
  | {
      type: 'response';
      status: number;
      /** Parsed JSON body, or undefined when the body was empty or not JSON. */
      body: unknown;
      /** `Retry-After` header, as sent. */
      retryAfter?: string;
    }
  | {
      type: 'network';
      /** Root cause code: ECONNREFUSED, ECONNRESET, ETIMEDOUT, ERR_BODY_TOO_LARGE, ... */
      code: string;
      message: string;
      /**
       * Whether the request body was fully handed to the server. False only when we know the
       * server cannot have acted on it (refused, DNS, connect timeout): then a retry is safe.
       */
      sent: boolean;
      /** The proxy's HTTP status in answer to CONNECT, when it refused to open a tunnel. */
      proxyStatus?: number;
    };

export interface CreatedIds {
  community_id?: string;
  chat_id?: string;
  group_id?: string;
  share_url?: string;
}

export type Outcome =
  /**
   * 200 with the expected data; or, for a group, the proven "this chat_id exists" answer turned
   * into its creation (`via`, next-step.ts): its chat_id is the one sent, no other id is known.
   */
  | { type: 'created'; ids: CreatedIds; via?: 'chat_id exists' }
  /**
   * The community handle is taken (500 5216): not an error, but its id is not returned. For a
   * group: the answer the chat_id profile proved to mean "this chat_id exists".
   */
  | { type: 'exists'; status: number; code?: string; message: string }
  /** A definite refusal for this item: not retried. */
  | { type: 'failed'; status?: number; code?: string; message: string }
  /**
   * Worth another attempt after a backoff. `lost`: the answer may have followed a create (a
   * community's 502, 504, timeout or unusable 200): the resend is safe, but until it answers the
   * community may exist.
   */
  | { type: 'retry'; status?: number; code?: string; message: string; lost?: boolean }
  /** The server asks us to slow down (429): pause everything, then resend. */
  | { type: 'throttled'; retryAfterMs?: number; message: string }
  /**
   * A group create that may have reached the server and got no usable answer. The API has no
   * lookup, so a resend could make a duplicate: a person must check.
   */
  | { type: 'in_doubt'; status?: number; code?: string; message: string }
  /**
   * The whole run must stop: the answer says nothing about the item, only about the setup
   * (credentials rejected, a TLS certificate not trusted, a URL that is not the API).
   */
  | { type: 'fatal'; status?: number; code?: string; reason: FatalReason; message: string };

/**
 * What a fatal answer is about, which decides the words and the fix a person is given: rejected
 * credentials, a certificate not trusted, a URL that is not the API, a proxy that refuses the
 * tunnel, an API host DNS does not know, an API that no request reached (setup-check.ts).
 */
export type FatalReason = 'auth' | 'tls' | 'api-url' | 'proxy' | 'dns' | 'unreachable';

/**
 * A proxy answering these to CONNECT refuses by its own policy (403: not allowed; 407: it wants
 * credentials): every request gets the same answer, so the first one stops the run. Others
 * (502, 503, 504, no answer) may pass: they count towards setup-check.ts's unreachable rule.
 */
const PROXY_REFUSALS = new Set([403, 407]);

export type OutcomeType = Outcome['type'];

/** Documented error codes and what they mean for the item. */
const KNOWN_CODES: Record<string, { outcome: 'exists' | 'failed'; meaning: string }> = {
  '5216': { outcome: 'exists', meaning: 'community handle already exists' },
  '5220': { outcome: 'failed', meaning: 'community categories do not exist' },
  '5166': { outcome: 'failed', meaning: 'invalid use of API' },
  '5026': { outcome: 'failed', meaning: 'could not find the video' },
};

/**
 * What a 5xx (or 408) proves about a create. 503 is the server declining to process: nothing
 * was created, for either kind. Every other one may come from a gateway that lost the
 * backend's answer after the create happened (502, 504, a 500 with an HTML page, even a 500
 * with a JSON error whose code we do not know): a community resend is safe (its unique handle
 * turns a duplicate into 5216), a group resend is not, so for a group it is `in_doubt`.
 */
const DECLINED_STATUSES = new Set([503]);

export interface ClassifyOptions {
  /**
   * Resend groups after 5xx answers that do not prove nothing was created (`--retry-group-5xx`).
   * Off by default: a gateway error after the create would make a duplicate.
   */
  retryGroup5xx?: boolean;
  /**
   * For a group sent with a chat_id: the answer proven (probe or setting) to mean "a group with
   * this chat_id exists". Undefined while that is unknown: no answer is then read as "exists".
   */
  chatIdExists?: ChatIdAnswer;
}

/**
 * Node's TLS verification failures (OpenSSL's X509 codes, as Node names them). They happen during
 * the handshake, before a byte of the request is written: nothing was sent (client.ts), and the
 * code is what the run's stop message names.
 */
export const TLS_VERIFY_CODES: ReadonlySet<string> = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY', 'CERT_SIGNATURE_FAILURE', 'CERT_NOT_YET_VALID', 'CERT_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD', 'ERROR_IN_CERT_NOT_AFTER_FIELD', 'CERT_CHAIN_TOO_LONG', 'CERT_REVOKED',
  'INVALID_CA', 'PATH_LENGTH_EXCEEDED', 'INVALID_PURPOSE', 'CERT_UNTRUSTED', 'CERT_REJECTED',
  'HOSTNAME_MISMATCH', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** True for an error code the API documents: proof that an answer came from the Genuin API. */
export function isDocumentedCode(code: string | undefined): boolean {
  return code !== undefined && Object.hasOwn(KNOWN_CODES, code);
}

/** Longest server message kept, in characters. */
const MAX_SERVER_MESSAGE = 500;

export function classify(kind: ItemKind, raw: RawResult, options: ClassifyOptions = {}): Outcome {
  if (raw.type === 'network') {
    const message = `${raw.code}: ${raw.message}`;
    // A certificate the machine does not trust says nothing about the item: retrying every item
    // for minutes would only hide the one fix there is.
    if (TLS_VERIFY_CODES.has(raw.code)) return { type: 'fatal', code: raw.code, reason: 'tls', message };
    if (raw.proxyStatus !== undefined && PROXY_REFUSALS.has(raw.proxyStatus)) return { type: 'fatal', code: raw.code, reason: 'proxy', message };
    if (!raw.sent) return { type: 'retry', code: raw.code, message };
    return ambiguous(kind, { code: raw.code, message });
  }

  const { status, body } = raw;
  const err = errorBodySchema().safeParse(body);
  const code = err.success && err.data.code !== undefined ? String(err.data.code) : undefined;
  // Server text goes into the ledger and the logs: a blank one says nothing, a huge one is cut.
  const said = err.success ? err.data.message?.trim() : undefined;
  const serverMessage = said ? said.slice(0, MAX_SERVER_MESSAGE) : undefined;

  if (status >= 200 && status < 300) {
    const ids = createdIds(kind, body);
    if (ids) return { type: 'created', ids };
    return ambiguous(kind, { status, message: `HTTP ${status} without the expected ${kind} data` });
  }
  if (status === 401 || status === 403) {
    return { type: 'fatal', status, reason: 'auth', message: `HTTP ${status}: the API rejected the access token` };
  }
  if (status === 429) {
    return { type: 'throttled', retryAfterMs: parseRetryAfter(raw.retryAfter), message: 'HTTP 429: rate limited' };
  }
  // Checked before the documented codes: a probe never proves a code documented for another error.
  const proven = options.chatIdExists;
  if (kind === 'group' && proven !== undefined && proven.status === status && proven.code === code) {
    return { type: 'exists', status, code, message: serverMessage ?? 'a group with this chat_id exists' };
  }

  // Own keys only: a server saying `"code": "constructor"` is an unknown code, not Object's.
  const known = code !== undefined && Object.hasOwn(KNOWN_CODES, code) ? KNOWN_CODES[code] : undefined;
  if (known) {
    const message = serverMessage ?? known.meaning;
    if (known.outcome === 'exists' && kind === 'community') return { type: 'exists', status, code: code!, message };
    return { type: 'failed', status, code, message };
  }
  if (status === 400) return { type: 'failed', status, code, message: serverMessage ?? 'HTTP 400: bad request payload' };
  if (status === 404 || status === 412 || status === 413 || status === 422) {
    return { type: 'failed', status, code, message: serverMessage ?? `HTTP ${status}` };
  }
  if (status >= 300 && status < 400) {
    // Redirects are never followed: the Authorization header must not travel to another host.
    return { type: 'failed', status, message: `HTTP ${status}: unexpected redirect (not followed)` };
  }
  const message = `HTTP ${status}${code ? ` code ${code}` : ''}${serverMessage ? `: ${serverMessage}` : ''}`;
  if (DECLINED_STATUSES.has(status)) return { type: 'retry', status, code, message };
  if (status >= 500 || status === 408) {
    if (options.retryGroup5xx) return { type: 'retry', status, code, message };
    return ambiguous(kind, { status, code, message });
  }
  return { type: 'failed', status, code, message };
}

/** No usable answer to a request that may have been acted on. */
function ambiguous(kind: ItemKind, detail: { status?: number; code?: string; message: string }): Outcome {
  // A community resend is safe: its unique handle turns a duplicate into 5216. Until it answers,
  // the community may exist: what the ledger says if the run ends first (next-step.ts).
  if (kind === 'community') return { type: 'retry', ...detail, lost: true };
  return { type: 'in_doubt', ...detail };
}

function createdIds(kind: ItemKind, body: unknown): CreatedIds | undefined {
  if (kind === 'community') {
    const r = communityCreatedSchema().safeParse(body);
    if (!r.success) return undefined;
    return { community_id: r.data.data.community_id, share_url: r.data.data.share_url };
  }
  const r = groupCreatedSchema().safeParse(body);
  if (!r.success) return undefined;
  const d = r.data.data;
  return { chat_id: d.chat_id, group_id: d.group?.group_id, share_url: d.share_url };
}

/** `Retry-After` is seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 3_600_000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(0, date - now), 3_600_000);
}
