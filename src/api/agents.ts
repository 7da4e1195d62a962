// The agents of the API's requests (keep-alive, pool size, idle sockets closed early, a proxy's
// tunnel): apart from client.ts so that a run can set up its token source without loading got.
import http from 'node:http';
import https from 'node:https';
import type { Agents } from 'got';
import { proxyAgents } from './proxy-agents.js';

/**
 * A kept-alive socket idle this long is closed by us. A server (or load balancer) that closes
 * idle connections without announcing when (no `Keep-Alive: timeout=`) races our next request
 * on that socket: the request is written, the socket is reset, and from here that looks like a
 * request that may have been acted on, so a group would be `in_doubt` for nothing. Closing idle
 * sockets first, well inside any server's idle timeout (2 s and up in common servers), leaves
 * no such race; the price is a new connection after a quiet second.
 */
const IDLE_SOCKET_MS = 1_000;

/**
 * The agents of requests to the API: kept alive, `maxSockets` per host, idle sockets closed
 * early, through `proxy` when given. Exported so the auth request travels the same way.
 */
export function clientAgents(maxSockets: number, proxy?: URL): Agents {
  const agentOptions = { keepAlive: true, maxSockets, scheduling: 'lifo' as const, timeout: IDLE_SOCKET_MS };
  if (proxy) return proxyAgents(proxy, agentOptions);
  return { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };
}
