// The one HTTP client of the project: a got instance that sends the two create requests and
// reports what happened as a RawResult. It never throws for an HTTP status or a network fault.
import http from 'node:http';
import https from 'node:https';
import got, { RequestError, TimeoutError, type Got } from 'got';
import { ENDPOINTS, type ItemKind } from './schema.js';
import type { RawResult } from './outcome.js';

export interface ClientOptions {
  /** Base URL of the API, e.g. `https://api.begenuin.com`. */
  baseUrl: string;
  /** The gn-access-token. Held only inside the got instance's headers. */
  token: string;
  /** Whole-request timeout in ms (connect, send, wait and read). */
  timeoutMs: number;
  /** Sockets kept alive per host; match the run's concurrency. */
  maxSockets: number;
  /** Largest response body read, in bytes; anything longer counts as no usable answer. */
  maxResponseBytes?: number;
}

const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * A kept-alive socket idle this long is closed by us. A server (or load balancer) that closes
 * idle connections without announcing when (no `Keep-Alive: timeout=`) races our next request
 * on that socket: the request is written, the socket is reset, and from here that looks like a
 * request that may have been acted on, so a group would be `in_doubt` for nothing. Closing idle
 * sockets first, well inside any server's idle timeout (2 s and up in common servers), leaves
 * no such race; the price is a new connection after a quiet second.
 */
const IDLE_SOCKET_MS = 1_000;

/** Transport failures that happen before the request could have reached the server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_INVALID_URL']);
const NOT_SENT_TIMEOUT_EVENTS = new Set(['lookup', 'connect', 'secureConnect', 'socket']);

export class GenuinClient {
  readonly #got: Got;
  readonly #urls: Record<ItemKind, string>;
  readonly #maxResponseBytes: number;

  constructor(options: ClientOptions) {
    const base = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;
    this.#urls = {
      community: new URL(ENDPOINTS.community.slice(1), base).href,
      group: new URL(ENDPOINTS.group.slice(1), base).href,
    };
    this.#maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets, scheduling: 'lifo' as const, timeout: IDLE_SOCKET_MS };
    this.#got = got.extend({
      headers: {
        authorization: `Bearer ${options.token}`,
        'content-type': 'application/json',
        accept: 'application/json',
        'user-agent': 'genuin-provision',
      },
      timeout: { request: options.timeoutMs },
      // Retries are ours (the executor's), with one policy for every failure.
      retry: { limit: 0 },
      throwHttpErrors: false,
      // A redirect could carry the Authorization header to another host: never follow.
      followRedirect: false,
      responseType: 'text',
      agent: { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) },
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
      return networkResult(error);
    }
  }
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Maps a got error to our own shape. got's errors hold the request options, headers
 * included, so they never leave this function.
 */
function networkResult(error: unknown): RawResult {
  if (!(error instanceof RequestError)) {
    return { type: 'network', code: 'EUNKNOWN', message: error instanceof Error ? error.message : String(error), sent: true };
  }
  if (error.name === 'CancelError') {
    return { type: 'network', code: 'ERR_BODY_TOO_LARGE', message: 'response body too large', sent: true };
  }
  const code = error.code || 'EUNKNOWN';
  let sent = error.timings?.upload !== undefined;
  if (NOT_SENT_CODES.has(code)) sent = false;
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
