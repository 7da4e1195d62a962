// Raw HTTP helpers for the simulator tests: node:http on fresh connections, so resets, truncation
// and partial bodies are seen exactly as a client would see them.
import http from 'node:http';

export const COMMUNITY = '/api/thirdparty/community/create';
export const GROUP = '/api/thirdparty/group/create';
export const AUTH = { authorization: 'Bearer sim-token' };

export type RawResult =
  | { ok: true; status: number; headers: http.IncomingHttpHeaders; text: string; bytes: number }
  /** The exchange failed; `status` and `text` say how far the answer got. */
  | { ok: false; code: string; status?: number; text: string };

export interface RawOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Sent as-is when a string or Buffer, JSON-encoded otherwise. */
  body?: unknown;
  /** Deadline for the whole exchange; default 5 s. */
  timeoutMs?: number;
  /** Stop reading (and destroy) after this many body bytes. */
  maxBytes?: number;
}

export function raw(base: string, path: string, opts: RawOptions = {}): Promise<RawResult> {
  const payload =
    opts.body === undefined
      ? undefined
      : typeof opts.body === 'string' || Buffer.isBuffer(opts.body)
        ? opts.body
        : JSON.stringify(opts.body);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let status: number | undefined;
    const failed = (code: string) => resolve({ ok: false, code, status, text: Buffer.concat(chunks).toString('utf8') });
    const req = http.request(
      new URL(path, base),
      {
        method: opts.method ?? 'POST',
        agent: false,
        headers: {
          ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
          ...AUTH,
          ...opts.headers,
        },
      },
      (res) => {
        status = res.statusCode;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          if (opts.maxBytes !== undefined && bytes > opts.maxBytes) {
            failed('TOO_BIG');
            res.destroy();
            return;
          }
          chunks.push(c);
        });
        res.on('end', () =>
          resolve({ ok: true, status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), bytes }),
        );
        res.on('error', (e: NodeJS.ErrnoException) => failed(e.code ?? e.message));
      },
    );
    // A deadline for the whole exchange, not an idle timeout: a slow drip is never idle for long.
    const deadline = setTimeout(() => {
      failed('TIMEOUT');
      req.destroy();
    }, opts.timeoutMs ?? 5_000);
    req.on('close', () => clearTimeout(deadline));
    req.on('error', (e: NodeJS.ErrnoException) => failed(e.code ?? e.message));
    req.end(payload);
  });
}

/** POST a JSON body with the default token and return status + parsed JSON. */
export async function post(base: string, path: string, body: unknown, headers?: Record<string, string>) {
  const r = await raw(base, path, { body, headers });
  if (!r.ok) throw new Error(`request failed: ${r.code}`);
  return { status: r.status, headers: r.headers, json: r.text === '' ? undefined : (JSON.parse(r.text) as any) };
}

export const community = (handle: string, extra: Record<string, unknown> = {}) => ({
  handle,
  name: `Name of ${handle}`,
  type: 1,
  actions: [{ action_id: 3, access_type_id: 5 }],
  ...extra,
});

export const group = (community_id: string, name: string, extra: Record<string, unknown> = {}) => ({
  type: 4,
  community_id,
  group: { name },
  ...extra,
});
