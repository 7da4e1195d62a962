// Loopback stand-ins for an operator's network: an HTTP CONNECT proxy that records what it was
// asked and what crossed it, and a TLS front (the committed test certificate) before a server.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';

const TLS_DIR = new URL('../fixtures/tls/', import.meta.url);
/** The test CA that signed server.pem (test only: its key was thrown away). */
export const TEST_CA = new URL('ca.pem', TLS_DIR).pathname;

export interface ConnectProxy {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `host:port` of every CONNECT, in order. */
  readonly connects: string[];
  /** Headers of every request the proxy received (CONNECTs and any other). */
  readonly headers: IncomingHttpHeaders[];
  /** Requests that were not CONNECT (a forward-proxy request would carry the origin's headers). */
  readonly forwarded: string[];
  /** Every byte that crossed a tunnel, both ways, as latin1 text. */
  tunnelText(): string;
  /** Tunnels open right now, and the most ever open at once. */
  readonly open: { now: number; max: number };
  close(): Promise<void>;
}

export interface ProxyOptions {
  /** Answer CONNECT with this status instead of opening a tunnel. */
  refuseWith?: number;
}

export async function startConnectProxy(options: ProxyOptions = {}): Promise<ConnectProxy> {
  const connects: string[] = [];
  const headers: IncomingHttpHeaders[] = [];
  const forwarded: string[] = [];
  const chunks: Buffer[] = [];
  const open = { now: 0, max: 0 };
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    headers.push(req.headers);
    forwarded.push(`${req.method} ${req.url}`);
    res.writeHead(502).end();
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    headers.push(req.headers);
    connects.push(req.url ?? '');
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    if (options.refuseWith) {
      client.end(`HTTP/1.1 ${options.refuseWith} Refused\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const [host, port] = splitHostPort(req.url ?? '');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      client.on('data', (d: Buffer) => chunks.push(d));
      upstream.on('data', (d: Buffer) => chunks.push(d));
      client.pipe(upstream);
      upstream.pipe(client);
    });
    sockets.add(upstream);
    open.now++;
    open.max = Math.max(open.max, open.now);
    let closed = false;
    const end = () => {
      if (closed) return;
      closed = true;
      open.now--;
      client.destroy();
      upstream.destroy();
    };
    upstream.on('close', end).on('error', end);
    client.on('close', end).on('error', end);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connects,
    headers,
    forwarded,
    open,
    tunnelText: () => Buffer.concat(chunks).toString('latin1'),
    async close() {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface TlsFront {
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** TCP connections accepted (a handshake the client rejects still counts). */
  readonly connections: () => number;
  close(): Promise<void>;
}

/** Terminates TLS with the committed test certificate and pipes the bytes to `targetPort`. */
export async function startTlsFront(targetPort: number): Promise<TlsFront> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ key: readFileSync(new URL('server.key', TLS_DIR)), cert: readFileSync(new URL('server.pem', TLS_DIR)) }, (secure) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(upstream);
    secure.pipe(upstream);
    upstream.pipe(secure);
    const end = () => {
      secure.destroy();
      upstream.destroy();
    };
    secure.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  server.on('connection', (socket: net.Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // A client that rejects the certificate drops the connection: expected here, not a failure.
  server.on('tlsClientError', () => {});
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    connections: () => connections,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function splitHostPort(target: string): [string, string] {
  const colon = target.lastIndexOf(':');
  return [target.slice(0, colon).replace(/^\[|\]$/g, ''), target.slice(colon + 1)];
}
