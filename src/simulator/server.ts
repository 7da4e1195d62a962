// The simulator's HTTP server and its lifecycle: routing, auth, rate limiting, latency, carrying out
// faults, and the /__sim/ control endpoints through which another process can inspect and steer it.
import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { AUTH_PATH, TOKEN_HEADER, TokenIssuer, checkCredentials } from './auth.js';
import { createCommunity, createGroup, refOf, type EndpointContext } from './endpoints.js';
import { FaultInjector, isFaultKind, type Endpoint, type FaultKind } from './faults.js';
import { MAX_BODY_BYTES, SimulatorOptionsError, resolveOptions, type NumericIds, type ResolvedOptions, type SimulatorOptions } from './options.js';
import { bigIntegerId, deriveSeed, mulberry32, safeIntegerId, uuidV4, type Random } from './random.js';
import { ANSWERS, answerBytes, JSON_TYPE, type Answer } from './responses.js';
import { State } from './state.js';
import { TokenBucket, retryAfterSeconds } from './token-bucket.js';

const HOST = '127.0.0.1';

const ENDPOINTS = new Map<string, Endpoint>([
  ['/api/thirdparty/community/create', 'community'],
  ['/api/thirdparty/group/create', 'group'],
]);

/** Independent random streams per purpose, so enabling one feature does not shift another's sequence. */
const STREAM = { ids: 0, latency: 1, faults: 2 } as const;

// An oversized body is read to its end (discarding it) so the client can read our 413 instead of
// failing mid-upload; past this much we stop being polite and drop the connection.
const DRAIN_LIMIT = 16 * MAX_BODY_BYTES;

// Idle keep-alive sockets outlive any client pool's idle timeout, so a client never races our close
// (a request written onto a socket we are closing looks like a reset, i.e. a false "in doubt").
const KEEP_ALIVE_MS = 65_000;

const PAD = Buffer.alloc(64 * 1024, 'x');
const HIDDEN = '(hidden)';

type BodyRead = { ok: true; bytes: Buffer } | { ok: false; reason: 'too-large' | 'aborted' };
type ItemRead = { ok: true; body: Record<string, unknown> | null } | { ok: false; reason: 'too-large' | 'aborted' };

function readBody(req: IncomingMessage, cap: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= cap) chunks.push(chunk);
      else if (size > DRAIN_LIMIT) req.socket.destroy();
    });
    req.on('end', () =>
      resolve(size > cap ? { ok: false, reason: 'too-large' } : { ok: true, bytes: Buffer.concat(chunks, size) }),
    );
    // After 'end' these are no-ops: a promise settles once.
    req.on('close', () => resolve({ ok: false, reason: 'aborted' }));
    req.on('error', () => resolve({ ok: false, reason: 'aborted' }));
  });
}

function parseObject(bytes: Buffer): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function isJsonContent(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  return type !== undefined && type.split(';', 1)[0]!.trim().toLowerCase() === 'application/json';
}

function isLoopback(address: string | undefined): boolean {
  return address !== undefined && (address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.'));
}

/** RST rather than FIN: the client sees ECONNRESET, as when a real backend or balancer dies mid-request. */
function reset(socket: Socket): void {
  if (socket.destroyed) return;
  socket.resetAndDestroy();
  if (!socket.destroyed) socket.destroy();
}

function drained(res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

const ok200 = (body: Buffer): Answer => ({ status: 200, body, contentType: JSON_TYPE });

/** How the ids of created items are made, per `numericIds` (each from the seeded id stream). */
const ITEM_IDS: Record<NumericIds, (random: Random) => () => string> = {
  off: (random) => () => uuidV4(random),
  safe: (random) => () => safeIntegerId(random),
  big: (random) => () => bigIntegerId(random),
};

export class Simulator {
  /** What the server holds: the truth tests assert on. */
  readonly state = new State();
  private opts: ResolvedOptions;
  private bucket: TokenBucket | null = null;
  private readonly faults: FaultInjector;
  private readonly tokens = new TokenIssuer();
  private idRandom!: Random;
  private latencyRandom!: Random;
  private ctx!: EndpointContext;
  private readonly server: http.Server;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closing: Promise<void> | null = null;
  private closed = false;

  private constructor(options: ResolvedOptions) {
    this.opts = options;
    this.faults = new FaultInjector(deriveSeed(options.seed, STREAM.faults), options.faults);
    this.seed(options.seed);
    this.bucket = this.makeBucket();
    this.ctx = this.makeContext();
    this.server = http.createServer({ noDelay: true }, (req, res) => {
      // Only a simulator bug lands here; say so in the body rather than pose as a Genuin error.
      this.route(req, res).catch((err: unknown) => {
        if (res.headersSent) return void res.destroy();
        const message = `simulator internal error: ${err instanceof Error ? err.message : String(err)}`;
        this.send(res, { ...ANSWERS.internalError, body: Buffer.from(JSON.stringify({ code: 'SIM', message, data: {} })) });
      });
    });
    this.server.keepAliveTimeout = KEEP_ALIVE_MS;
    this.server.headersTimeout = KEEP_ALIVE_MS + 1_000;
  }

  /** Starts a simulator on 127.0.0.1. */
  static async start(options?: SimulatorOptions): Promise<Simulator> {
    const sim = new Simulator(resolveOptions(options));
    await new Promise<void>((resolve, reject) => {
      sim.server.once('error', reject);
      sim.server.listen(sim.opts.port, HOST, () => {
        sim.server.off('error', reject);
        resolve();
      });
    });
    const { port } = sim.server.address() as AddressInfo;
    sim.opts = Object.freeze({ ...sim.opts, port });
    return sim;
  }

  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  get url(): string {
    return `http://${HOST}:${this.opts.port}`;
  }

  /** The static bearer token the create endpoints accept (issued tokens come from the auth endpoint). */
  get token(): string {
    return this.opts.token;
  }

  /** The options in force (port is the one actually bound). */
  get options(): ResolvedOptions {
    return this.opts;
  }

  /**
   * Changes options while running; the fields given replace the current ones (`faults` as a whole table).
   * A new `rateLimit` starts with a full bucket; a new `seed` restarts every random stream.
   * Throws SimulatorOptionsError on a bad value, leaving the options unchanged.
   */
  configure(partial: SimulatorOptions): void {
    if (partial.port !== undefined && partial.port !== this.opts.port) {
      throw new SimulatorOptionsError('port cannot change while the simulator runs');
    }
    const next = resolveOptions(partial, this.opts);
    this.opts = next;
    if (partial.seed !== undefined) {
      this.seed(next.seed);
      this.faults.reseed(deriveSeed(next.seed, STREAM.faults));
    }
    if (partial.rateLimit !== undefined) this.bucket = this.makeBucket();
    if (partial.faults !== undefined) this.faults.setProbabilities(next.faults);
    this.ctx = this.makeContext();
  }

  /** The next `count` (default 1) create requests to `endpoint` (default either) get fault `kind`, in FIFO order. */
  injectNext(kind: FaultKind, opts: { count?: number; endpoint?: Endpoint } = {}): void {
    if (opts.endpoint !== undefined && !ENDPOINTS.has(`/api/thirdparty/${opts.endpoint}/create`)) {
      throw new SimulatorOptionsError(`endpoint must be 'community' or 'group', got ${String(opts.endpoint)}`);
    }
    try {
      this.faults.script(kind, opts.count ?? 1, opts.endpoint);
    } catch (err) {
      throw new SimulatorOptionsError((err as Error).message);
    }
  }

  /** Every token the auth endpoint has issued answers 401 from now on (the static `token` is unaffected). */
  expireTokens(): void {
    this.tokens.expireAll();
  }

  /**
   * Back to an empty state: items, counters, fault log, scripted faults, and a full rate-limit bucket.
   * The id stream is not restarted, so ids stay unique for the simulator's whole life; issued tokens
   * stay valid, so a client mid-run is not logged out by a test's reset.
   */
  reset(): void {
    this.state.reset();
    this.faults.clear();
    this.bucket = this.makeBucket();
  }

  /** Stops listening and destroys every connection, hanging and keep-alive ones included. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.closed = true;
      for (const t of this.timers) clearTimeout(t);
      this.timers.clear();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  private seed(seed: number): void {
    this.idRandom = mulberry32(deriveSeed(seed, STREAM.ids));
    this.latencyRandom = mulberry32(deriveSeed(seed, STREAM.latency));
  }

  private makeBucket(): TokenBucket | null {
    const limit = this.opts.rateLimit;
    return limit ? new TokenBucket(limit.rate, limit.burst) : null;
  }

  private makeContext(): EndpointContext {
    return {
      state: this.state,
      newId: () => uuidV4(this.idRandom),
      newItemId: ITEM_IDS[this.opts.numericIds](() => this.idRandom()),
      numericIds: this.opts.numericIds !== 'off',
      knownCategories: new Set(this.opts.knownCategoryIds),
      chatIds: this.opts.chatIds,
    };
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (path.startsWith('/__sim/')) return this.control(req, res, path);
    this.state.countRequest();
    if (path === AUTH_PATH) return this.authenticate(req, res);
    const endpoint = ENDPOINTS.get(path);
    if (endpoint === undefined) return this.answer(res, ANSWERS.notFound);
    if (req.method !== 'POST') return this.answer(res, ANSWERS.methodNotAllowed, { allow: 'POST' });
    this.state.countCreate();
    if (!this.authorized(req)) return this.refuse(req, res, endpoint, ANSWERS.unauthorized);
    if (this.bucket && !this.bucket.tryTake()) {
      const wait = retryAfterSeconds(this.bucket.msUntilToken());
      return this.refuse(req, res, endpoint, ANSWERS.tooManyRequests, { 'retry-after': String(wait) });
    }
    const decision = this.faults.before(endpoint);
    if (decision?.phase === 'pre') return this.preFault(req, res, endpoint, decision.kind);

    const read = await this.readItem(req, endpoint);
    if (!read.ok) return read.reason === 'too-large' ? this.answer(res, ANSWERS.payloadTooLarge) : undefined;
    const body = read.body;
    if (body === null || !isJsonContent(req)) return this.answer(res, ANSWERS.badRequest);
    const outcome = endpoint === 'community' ? createCommunity(body, this.ctx) : createGroup(body, this.ctx);
    if (!outcome.created) return this.answer(res, outcome.answer);
    const post = this.faults.after(endpoint, decision);
    if (post !== null) {
      const response = post === 'duplicate-id' ? outcome.withHeldIds() : outcome.response;
      return this.postFault(req, res, endpoint, post, response, refOf(endpoint, body));
    }
    return this.answer(res, ok200(answerBytes(outcome.response)));
  }

  /**
   * Answers a create request refused before processing (401, 429). The body is read anyway, only so the
   * per-item request counts see every request that names an item.
   */
  private async refuse(req: IncomingMessage, res: ServerResponse, endpoint: Endpoint, a: Answer, headers?: OutgoingHttpHeaders): Promise<void> {
    const read = await this.readItem(req, endpoint);
    if (read.ok || read.reason === 'too-large') return this.answer(res, a, headers);
  }

  /** Reads a create body; one that parses as a JSON object is counted for the item it names. */
  private async readItem(req: IncomingMessage, endpoint: Endpoint): Promise<ItemRead> {
    const read = await readBody(req, MAX_BODY_BYTES);
    if (!read.ok) return read;
    const body = parseObject(read.bytes);
    if (body !== null) this.state.countItem(endpoint, body);
    return { ok: true, body };
  }

  /** Counts one use of an issued token: call once per create request. */
  private authorized(req: IncomingMessage): boolean {
    const header = req.headers.authorization;
    if (header === undefined) return false;
    const space = header.indexOf(' ');
    // The scheme name is case-insensitive (RFC 9110); the token is compared exactly.
    if (space <= 0 || header.slice(0, space).toLowerCase() !== 'bearer') return false;
    const token = header.slice(space + 1).trim();
    return token === this.opts.token || this.tokens.use(token, this.opts.tokenTtlRequests);
  }

  /**
   * POST /api/thirdparty/auth. Neither rate limited nor faulted: a test of token refresh should meet
   * exactly the 401 it arranged, not a 429 on the way to a new token.
   */
  private async authenticate(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.state.countAuth();
    if (req.method !== 'POST') return this.answer(res, ANSWERS.methodNotAllowed, { allow: 'POST' });
    const read = await readBody(req, MAX_BODY_BYTES);
    if (!read.ok) return read.reason === 'too-large' ? this.answer(res, ANSWERS.payloadTooLarge) : undefined;
    const body = isJsonContent(req) ? parseObject(read.bytes) : null;
    const outcome = checkCredentials(body, this.opts.apiKey, this.opts.apiSecret);
    if (!outcome.ok) return this.answer(res, outcome.answer);
    const token = this.tokens.issue();
    this.state.countTokenIssued();
    return this.answer(res, ANSWERS.authenticated, { [TOKEN_HEADER]: token });
  }

  /** Faults that replace processing: nothing is created. */
  private async preFault(req: IncomingMessage, res: ServerResponse, endpoint: Endpoint, kind: FaultKind): Promise<void> {
    if (kind === 'reset-before') {
      this.logFault(kind, endpoint, false, null);
      return reset(req.socket);
    }
    // Read the body only to name the item in the fault log and count it.
    const read = await this.readItem(req, endpoint);
    this.logFault(kind, endpoint, false, read.ok ? refOf(endpoint, read.body) : null);
    if (!read.ok && read.reason === 'aborted') return;
    switch (kind) {
      case '500-json':
        return this.answer(res, ANSWERS.unexpected);
      case '502-html':
        return this.answer(res, ANSWERS.badGateway);
      case '503-json':
        return this.answer(res, ANSWERS.unavailable);
      case '429-burst':
        return this.answer(res, ANSWERS.tooManyRequests, { 'retry-after': '1' });
      case 'redirect':
        // Same path, another loopback address nobody listens on: following it blindly fails loudly.
        return this.answer(res, ANSWERS.redirect, { location: `http://127.0.0.2:${this.opts.port}${req.url ?? '/'}` });
      default:
        throw new Error(`not a pre-processing fault: ${kind}`);
    }
  }

  /** Faults that strike after the item was created. */
  private async postFault(
    req: IncomingMessage,
    res: ServerResponse,
    endpoint: Endpoint,
    kind: FaultKind,
    response: unknown,
    ref: string | null,
  ): Promise<void> {
    this.logFault(kind, endpoint, true, ref);
    const full = answerBytes(response);
    switch (kind) {
      case 'reset-after':
        return reset(req.socket);
      case 'answer-late':
        if (await this.wait(this.opts.lateAnswerMs, res)) this.send(res, ok200(full));
        return;
      case 'garbage-200':
        return this.answer(res, ANSWERS.garbage);
      case 'empty-200':
        return this.answer(res, ANSWERS.empty);
      case 'truncated-200':
        return this.answer(res, ok200(full.subarray(0, full.length >> 1)));
      case 'wrong-shape-200':
        return this.answer(res, ANSWERS.wrongShape);
      case 'huge-200':
        return this.sendHuge(res, full);
      case 'slow-drip':
        return this.drip(res, full);
      case '502-after':
        return this.answer(res, ANSWERS.badGateway);
      case '504-after':
        return this.answer(res, ANSWERS.gatewayTimeout);
      case '500-html-after':
        return this.answer(res, ANSWERS.internalHtml);
      case '500-json-after':
        return this.answer(res, ANSWERS.unexpected);
      case 'duplicate-id':
        return this.answer(res, ok200(full)); // `response` already carries the other item's ids
      default:
        throw new Error(`not a post-processing fault: ${kind}`);
    }
  }

  private logFault(kind: FaultKind, endpoint: Endpoint, created: boolean, ref: string | null): void {
    this.state.logFault({ kind, endpoint, created, ref, at: new Date().toISOString() });
  }

  /** Sends `a` after the configured latency, unless the client left meanwhile. */
  private async answer(res: ServerResponse, a: Answer, headers?: OutgoingHttpHeaders): Promise<void> {
    if (await this.latencyPassed(res)) this.send(res, a, headers);
  }

  private send(res: ServerResponse, a: Answer, headers?: OutgoingHttpHeaders): void {
    if (res.destroyed || this.closed) return;
    res.writeHead(a.status, { 'content-type': a.contentType, 'content-length': a.body.length, ...headers });
    res.end(a.body);
    this.state.countStatus(a.status);
  }

  private latencyPassed(res: ServerResponse): Promise<boolean> | boolean {
    const l = this.opts.latencyMs;
    const ms = typeof l === 'number' ? l : l.min + this.latencyRandom() * (l.max - l.min);
    return ms > 0 ? this.wait(ms, res) : true;
  }

  /** Resolves true after `ms`, or false as soon as the response closes (client gone, or simulator closing). */
  private wait(ms: number, res: ServerResponse): Promise<boolean> {
    return new Promise((resolve) => {
      const onClose = () => {
        clearTimeout(timer);
        this.timers.delete(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        res.off('close', onClose);
        resolve(true);
      }, ms);
      this.timers.add(timer);
      res.once('close', onClose);
    });
  }

  /**
   * Valid JSON (the real answer plus a `padding` field) of about `hugeBodyBytes`, chunked with no
   * Content-Length, so a client can only protect itself by counting what it reads.
   */
  private async sendHuge(res: ServerResponse, full: Buffer): Promise<void> {
    if (!(await this.latencyPassed(res)) || res.destroyed || this.closed) return;
    // Every success body ends with the `data` object closing, then the outer one: `}}`.
    const text = full.toString('utf8');
    const prefix = Buffer.from(`${text.slice(0, -2)},"padding":"`);
    res.writeHead(200, { 'content-type': JSON_TYPE });
    this.state.countStatus(200);
    res.write(prefix);
    for (let left = Math.max(0, this.opts.hugeBodyBytes - full.length); left > 0; ) {
      if (res.destroyed || this.closed) return;
      const chunk = left >= PAD.length ? PAD : PAD.subarray(0, left);
      left -= chunk.length;
      if (!res.write(chunk) && !(await drained(res))) return;
    }
    res.end('"}}');
  }

  /** The full answer, announced by Content-Length, one byte every `dripIntervalMs`. */
  private async drip(res: ServerResponse, full: Buffer): Promise<void> {
    if (!(await this.latencyPassed(res)) || res.destroyed || this.closed) return;
    res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': full.length });
    this.state.countStatus(200);
    let sent = 0;
    const step = () => {
      if (res.destroyed || this.closed) return stop();
      res.write(full.subarray(sent, sent + 1));
      if (++sent >= full.length) {
        stop();
        res.end();
      }
    };
    const stop = () => {
      clearInterval(timer);
      this.timers.delete(timer);
    };
    const timer = setInterval(step, this.opts.dripIntervalMs);
    this.timers.add(timer);
    res.once('close', stop);
    step();
  }

  /** The options as the control endpoints show them: `simulate` may hold real credentials from the environment. */
  private shownOptions(): ResolvedOptions {
    return { ...this.opts, token: HIDDEN, apiSecret: HIDDEN };
  }

  /** /__sim/: no auth, loopback callers only, not counted in the API's counters. */
  private async control(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const reply = (status: number, value: unknown) => {
      if (res.destroyed || this.closed) return;
      const body = Buffer.from(JSON.stringify(value));
      res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': body.length });
      res.end(body);
    };
    if (!isLoopback(req.socket.remoteAddress)) return reply(403, { error: 'control endpoints answer loopback callers only' });
    const route = `${req.method ?? ''} ${path}`;
    switch (route) {
      case 'GET /__sim/state':
        return reply(200, this.state.snapshot());
      case 'GET /__sim/config':
        return reply(200, this.shownOptions());
      case 'POST /__sim/reset':
        this.reset();
        return reply(200, { ok: true });
      case 'POST /__sim/expire-tokens':
        this.expireTokens();
        return reply(200, { ok: true });
      case 'POST /__sim/config':
      case 'POST /__sim/inject': {
        const read = await readBody(req, MAX_BODY_BYTES);
        if (!read.ok) return read.reason === 'too-large' ? reply(413, { error: 'body too large' }) : undefined;
        const body = parseObject(read.bytes);
        if (body === null) return reply(400, { error: 'body must be a JSON object' });
        try {
          if (route === 'POST /__sim/config') {
            this.configure(body as SimulatorOptions);
            return reply(200, { ok: true, options: this.shownOptions() });
          }
          const { kind, count, endpoint } = body;
          if (!isFaultKind(kind)) throw new SimulatorOptionsError(`unknown fault kind: ${String(kind)}`);
          this.injectNext(kind, { count: count as number | undefined, endpoint: endpoint as Endpoint | undefined });
          return reply(200, { ok: true });
        } catch (err) {
          if (err instanceof SimulatorOptionsError) return reply(400, { error: err.message });
          throw err;
        }
      }
      default:
        return reply(404, { error: `no control endpoint ${route}` });
    }
  }
}

/** Starts a simulator on 127.0.0.1 (port 0 by default: a free one; read `sim.url`). */
export function startSimulator(options?: SimulatorOptions): Promise<Simulator> {
  return Simulator.start(options);
}
