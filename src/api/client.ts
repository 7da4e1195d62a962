// The one HTTP client of the project: a got instance that sends the two create requests and
// reports what happened as a RawResult. It never throws for an HTTP status or a network fault.
import got, { RequestError, TimeoutError, type Got } from 'got';
import { parseAnswerJson } from './answer-json.js';
import { clientAgents } from './agents.js';
import { ENDPOINTS, type ItemKind } from './schema.js';
import { TLS_VERIFY_CODES, type RawResult } from './outcome.js';

export { clientAgents } from './agents.js';

export interface ClientOptions {
  /** Base URL of the API, e.g. `https://api.begenuin.com`. */
  baseUrl: string;
  /**
   * The gn-access-token, or a getter read for every request (a token source that refreshes
   * after a 401). Only ever placed in the Authorization header.
   */
  token: string | (() => string);
  /** Whole-request timeout in ms (connect, send, wait and read). */
  timeoutMs: number;
  /** Sockets kept alive per host; match the run's concurrency. */
  maxSockets: number;
  /** Largest response body read, in bytes; anything longer counts as no usable answer. */
  maxResponseBytes?: number;
  /** Tunnel every request through this proxy (see `proxyFor`); direct when undefined. */
  proxy?: URL;
}

const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/** Transport failures that happen before the request could have reached the server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_INVALID_URL']);
/** The proxy would not open a tunnel (hpagent's error carries no code of its own, only these words). */
const PROXY_REFUSED = /^(?:Bad response: (\d+)|Proxy timeout)$/;
const NOT_SENT_TIMEOUT_EVENTS = new Set(['lookup', 'connect', 'secureConnect', 'socket']);

export class GenuinClient {
  readonly #got: Got;
  readonly #urls: Record<ItemKind, string>;
  readonly #maxResponseBytes: number;
  readonly #proxy?: URL;

  constructor(options: ClientOptions) {
    this.#proxy = options.proxy;
    const base = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;
    this.#urls = {
      community: new URL(ENDPOINTS.community.slice(1), base).href,
      group: new URL(ENDPOINTS.group.slice(1), base).href,
    };
    this.#maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const token = options.token;
    const tokenOf = typeof token === 'function' ? token : () => token;
    this.#got = got.extend({
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'user-agent': 'genuin-provision',
      },
      hooks: {
        // Read per request, so a request after a refresh carries the new token.
        beforeRequest: [
          (request) => {
            request.headers.authorization = `Bearer ${tokenOf()}`;
          },
        ],
      },
      timeout: { request: options.timeoutMs },
      // Retries are ours (the executor's), with one policy for every failure.
      retry: { limit: 0 },
      throwHttpErrors: false,
      // A redirect could carry the Authorization header to another host: never follow.
      followRedirect: false,
      responseType: 'text',
      agent: clientAgents(options.maxSockets, options.proxy),
    });
  }

  /**
   * POST one create request. `json` is the request body already serialised: bodies are
   * serialised once when the plan is built, not on every attempt.
   */
  async send(kind: ItemKind, json: string, signal?: AbortSignal): Promise<RawResult> {
    const request = this.#got.post(this.#urls[kind], { body: json, signal });
    const cap = this.#maxResponseBytes;
    request.on('downloadProgress', (progress) => {
      if (progress.transferred > cap) request.cancel('response body too large');
    });
    try {
      const response = await request;
      const retryAfter = response.headers['retry-after'];
      return { type: 'response', status: response.statusCode, body: parseJson(response.body), retryAfter };
    } catch (error) {
      return transportFailure(error, this.#proxy);
    }
  }
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return parseAnswerJson(text);
  } catch {
    return undefined;
  }
}

type NetworkResult = Extract<RawResult, { type: 'network' }>;

/**
 * Maps a got error to our own shape (`proxy`: the proxy the request went through, if any, named
 * without its credentials). got's errors hold the request options, headers included, so they
 * never leave this function. The Authentication API request is mapped here too (auth.ts).
 */
export function transportFailure(error: unknown, proxy?: URL): NetworkResult {
  if (!(error instanceof RequestError)) {
    return { type: 'network', code: 'EUNKNOWN', message: error instanceof Error ? error.message : String(error), sent: true };
  }
  if (error.name === 'CancelError') {
    return { type: 'network', code: 'ERR_BODY_TOO_LARGE', message: 'response body too large', sent: true };
  }
  const refused = error.code === 'ERR_GOT_REQUEST_ERROR' ? PROXY_REFUSED.exec(error.message) : null;
  if (refused) {
    // No tunnel, so the request never left this machine. The proxy's answer to CONNECT is what
    // decides whether trying again can help (403, 407: never).
    const status = refused[1] === undefined ? undefined : Number(refused[1]);
    const who = proxy ? `the proxy ${proxy.protocol}//${proxy.host}` : 'the proxy';
    const said = status === undefined ? 'did not answer CONNECT in time' : `answered HTTP ${status} to CONNECT`;
    return { type: 'network', code: 'ERR_PROXY_CONNECT', message: `${who} ${said}: no tunnel to the API`, sent: false, proxyStatus: status };
  }
  const code = error.code || 'EUNKNOWN';
  let sent = error.timings?.upload !== undefined;
  if (NOT_SENT_CODES.has(code) || TLS_VERIFY_CODES.has(code)) sent = false;
  if (error instanceof TimeoutError && NOT_SENT_TIMEOUT_EVENTS.has(error.event) && error.timings?.upload === undefined) {
    sent = false;
  }
  const message = error instanceof TimeoutError ? `timed out (${error.event})` : stripSecrets(error.message);
  return { type: 'network', code, message, sent };
}

/** got's messages name the URL at most; keep only the first line, bounded. */
function stripSecrets(message: string): string {
  return message.split('\n')[0].slice(0, 300);
}
