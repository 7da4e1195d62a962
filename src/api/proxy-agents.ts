// The agents that tunnel the API's requests through a proxy (CONNECT, so the token stays inside):
// apart from proxy.ts so that choosing a proxy (every command's configuration) never loads hpagent.
import type http from 'node:http';
import type https from 'node:https';
import { HttpProxyAgent, HttpsProxyAgent } from 'hpagent';

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
  return {
    http: new HttpProxyAgent({ ...options, proxy }),
    https: new HttpsProxyAgent({ ...options, proxy }),
  };
}
