// The Authentication API call (POST /api/thirdparty/auth): api_key and api_secret in, a gn-access-token
// out. Its documented refusals become AuthErrors with their meaning; nothing said back names the secret.
import got, { RequestError, TimeoutError, type Agents } from 'got';
import { AuthError, ConnectionError } from '../errors.js';
import { transportFailure } from './client.js';
import { classify } from './outcome.js';
import { setupFaultText, transportWords } from './setup-fault.js';

export const AUTH_PATH = 'api/thirdparty/auth';

/** The response header that carries the token (the reference's `gn-access-token`). */
export const TOKEN_HEADER = 'gn-access-token';

export interface AuthRequest {
  /** API base URL, as GENUIN_API_URL gives it. */
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
  /** Whole-request timeout in ms. */
  timeoutMs: number;
  /** The agents the create requests use (a proxy, if any, must carry this request too). */
  agent?: Agents;
  /** The proxy those agents go through, for what a refused tunnel is told in. */
  proxy?: URL;
  /** Backoff before a retry of an answer that may change (429, 5xx, no answer). Default 1000 ms. */
  retryDelayMs?: number;
}

/** The documented refusals, by code, with what each means for the operator. */
const REFUSALS: Record<string, string> = {
  '1099': 'the authentication API could not process the request',
  '5235': 'Brand not exists: GENUIN_API_KEY is unknown (or GENUIN_API_SECRET is not its secret)',
  '5166': 'Invalid use of API: a precondition of the authentication API is not met for this key (ask the Genuin team)',
};

/** Attempts in all for answers that may change on their own (429, 5xx, no answer). */
const ATTEMPTS = 3;
const MAX_BODY_BYTES = 64 * 1024;

type Answer =
  | { status: number; headers: Record<string, string | string[] | undefined>; body: string }
  /** No answer: `failure` in words; `code` the transport's (undefined for a timeout or an oversized answer). */
  | { failure: string; code?: string };

/**
 * Obtains one token. Rejects with an AuthError whose message names what came back, never the
 * secret; or with a ConnectionError when the API cannot be reached: at once for what no retry can
 * change (a proxy refusing the tunnel, a certificate not trusted), after the attempts otherwise.
 */
export async function authenticate(request: AuthRequest): Promise<string> {
  const base = request.baseUrl.endsWith('/') ? request.baseUrl : `${request.baseUrl}/`;
  const url = new URL(AUTH_PATH, base).href;
  let last = '';
  let lastCode: string | undefined;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    if (attempt > 1) await new Promise((r) => setTimeout(r, (request.retryDelayMs ?? 1000) * 2 ** (attempt - 2)));
    const answer = await post(url, request);
    if ('failure' in answer) {
      last = answer.failure;
      lastCode = answer.code;
      continue;
    }
    if (answer.status === 429 || answer.status >= 500) {
      last = describeRefusal(answer, request);
      continue;
    }
    if (answer.status === 200) return tokenOf(answer, request);
    throw new AuthError(`authentication failed (${url}): ${describeRefusal(answer, request)}`);
  }
  // Never reached: the answer is about the network, not the credentials.
  if (lastCode !== undefined) throw new ConnectionError(`${setupFaultText(lastCode === 'ENOTFOUND' ? 'dns' : 'unreachable', last, `the Authentication API (${url})`)}; nothing was sent`);
  throw new AuthError(`authentication failed (${url}) after ${ATTEMPTS} attempts: ${last}`);
}

async function post(url: string, request: AuthRequest): Promise<Answer> {
  const call = got.post(url, {
    json: { api_key: request.apiKey, api_secret: request.apiSecret },
    headers: { accept: 'application/json', 'user-agent': 'genuin-provision' },
    timeout: { request: request.timeoutMs },
    retry: { limit: 0 },
    throwHttpErrors: false,
    // The body holds the secret: never let a redirect carry it to another place.
    followRedirect: false,
    responseType: 'text',
    agent: request.agent,
  });
  call.on('downloadProgress', (progress) => {
    if (progress.transferred > MAX_BODY_BYTES) call.cancel('response too large');
  });
  try {
    const response = await call;
    return { status: response.statusCode, headers: response.headers, body: response.body };
  } catch (error) {
    // got's errors hold the request options, body (and so the secret) included: keep only a code.
    if (error instanceof TimeoutError) return { failure: `no answer within ${request.timeoutMs} ms` };
    if (!(error instanceof RequestError)) return { failure: 'no answer' };
    if (error.name === 'CancelError') return { failure: 'answer larger than 64 KiB' };
    // The create requests' own mapping (the message never holds the body), and their table of
    // what no retry can change: the same network gives the same answer to this request.
    const raw = transportFailure(error, request.proxy);
    const outcome = classify('community', raw);
    if (outcome.type === 'fatal' && (outcome.reason === 'tls' || outcome.reason === 'proxy')) {
      const what = outcome.reason === 'proxy' ? raw.message : outcome.message;
      throw new ConnectionError(`${setupFaultText(outcome.reason, what, `the Authentication API (${url})`)}; nothing was sent`);
    }
    return { failure: transportWords(raw.code, raw.message), code: raw.code };
  }
}

/** The token of a 200: the gn-access-token header first, then the places a JSON body may hold it. */
function tokenOf(answer: Extract<Answer, { status: number }>, request: AuthRequest): string {
  const header = answer.headers[TOKEN_HEADER];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  if (fromHeader?.trim()) return fromHeader.trim();
  const body = parseObject(answer.body);
  const data = body && isObject(body.data) ? body.data : undefined;
  for (const candidate of [data?.token, data?.[TOKEN_HEADER], body?.token]) {
    if (typeof candidate === 'string' && candidate.trim()) return candidate.trim();
  }
  const headers = Object.keys(answer.headers).sort().join(', ') || 'none';
  const keys = body ? bodyKeys(body) : answer.body.length === 0 ? 'empty body' : 'a body that is not a JSON object';
  throw new AuthError(
    scrub(`the authentication API answered 200 without a token: no ${TOKEN_HEADER} header (headers: ${headers}); body: ${keys}`, request),
  );
}

/** `HTTP 404 5235: <meaning>`, or the status with the API's own code and message when undocumented. */
function describeRefusal(answer: Extract<Answer, { status: number }>, request: AuthRequest): string {
  const body = parseObject(answer.body);
  const code = body && (typeof body.code === 'string' || typeof body.code === 'number') ? String(body.code) : undefined;
  if (code !== undefined && REFUSALS[code]) return `HTTP ${answer.status} ${code}: ${REFUSALS[code]}`;
  if (answer.status === 404 && code === undefined) {
    return `HTTP 404 without the API's error body: GENUIN_API_URL does not look like the Genuin API base`;
  }
  const message = body && typeof body.message === 'string' ? `: ${body.message.split('\n')[0].slice(0, 200)}` : '';
  return scrub(`HTTP ${answer.status}${code !== undefined ? ` ${code}` : ''}${message}`, request);
}

/** Words the server sent back could quote the request: the secret never gets through. */
function scrub(text: string, request: AuthRequest): string {
  return request.apiSecret ? text.split(request.apiSecret).join('[secret]') : text;
}

function bodyKeys(body: Record<string, unknown>): string {
  const keys = Object.keys(body).map((k) => (isObject(body[k]) ? `${k}{${Object.keys(body[k] as object).join(', ')}}` : k));
  return keys.length ? `keys ${keys.join(', ')}` : 'an empty JSON object';
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
