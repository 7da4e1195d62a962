// The words for a failure that is about the setup, not about an item (a proxy refusing the
// tunnel, a certificate not trusted, a host DNS does not know, an API nobody reaches): what
// happened and the one fix. The run (run/setup-check.ts) and the Authentication API (auth.ts) share them.
import type { FatalReason } from './outcome.js';

/** Codes a person reads better as words. */
const WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host name not found (DNS)',
  EAI_AGAIN: 'DNS did not answer',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'timed out',
};

/** `connection refused (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9)`: the code, in words first when we have them. */
export function transportWords(code: string, message: string): string {
  const words = WORDS[code];
  return words ? `${words} (${code}: ${message})` : `${code}: ${message}`;
}

/**
 * The whole stop message for `reason`: `what` is what came back (the outcome's message), `where`
 * the place the run was talking to (the API, or the Authentication API's URL).
 */
export function setupFaultText(reason: Exclude<FatalReason, 'auth' | 'api-url'>, what: string, where = 'the API'): string {
  switch (reason) {
    case 'tls':
      return `TLS certificate not trusted (${what}): this machine does not trust the certificate ${where} (or a proxy) presents. If a private CA signs it, give that CA: NODE_EXTRA_CA_CERTS=/path/ca.pem`;
    case 'proxy':
      // `what` is the client's own sentence: the proxy, its answer to CONNECT.
      return / 407 /.test(what)
        ? `${what}: the proxy wants credentials; put them in its URL (http://user:password@proxy:port) in HTTPS_PROXY`
        : `${what}: the proxy's policy does not allow a tunnel to ${where}; ask its owner to allow CONNECT to the API host, or name that host in NO_PROXY if it must be reached directly`;
    case 'dns':
      return `cannot reach ${where}: its host name is not found (${what}): check the host in GENUIN_API_URL, and this machine's DNS or VPN`;
    case 'unreachable':
      return `cannot reach ${where}: no request got an answer (${what}): check GENUIN_API_URL, the network, a firewall, and the proxy (HTTPS_PROXY, NO_PROXY)`;
  }
}
