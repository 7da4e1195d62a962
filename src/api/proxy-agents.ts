// The agents that tunnel the API's requests through a proxy (CONNECT, so the token stays inside).
// hpagent (CommonJS) is required when a proxy is in use, not when this module loads: a run
// without a proxy, or with nothing to send, never loads it.
import type http from 'node:http';
import type https from 'node:https';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface AgentOptions {
  keepAlive: boolean;
  maxSockets: number;
  scheduling: 'lifo' | 'fifo';
  timeout: number;
}

/**
 * One agent per scheme, with the pool options of a direct connection. Both tunnel with
 * CONNECT, plain http included, so the proxy carries bytes and never sees a request header:
 * the Authorization header reaches the API alone. hpagent also bounds the wait for the
 * proxy's answer to CONNECT by the idle `timeout`: a proxy silent that long fails the request
 * as not sent (`ERR_PROXY_CONNECT`, "Proxy timeout"), which is safe to retry.
 */
export function proxyAgents(proxy: URL, options: AgentOptions): { http: http.Agent; https: https.Agent } {
  const { HttpProxyAgent, HttpsProxyAgent } = require('hpagent') as typeof import('hpagent');
  return {
    http: new HttpProxyAgent({ ...options, proxy }),
    https: new HttpsProxyAgent({ ...options, proxy }),
  };
}
