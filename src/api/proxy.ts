// Which proxy a request to the API goes through, from HTTPS_PROXY / HTTP_PROXY / NO_PROXY as
// curl reads them. The agents that tunnel through it are in proxy-agents.ts (hpagent is loaded
// only by a run that sends).
import { BlockList, isIP } from 'node:net';
import { ConfigError } from '../errors.js';

export type Env = Record<string, string | undefined>;

export interface ProxyChoice {
  /** The proxy, credentials included: they go to the proxy alone, as Proxy-Authorization. */
  readonly url: URL;
  /** The variable that named it, as spelled in the environment (for messages). */
  readonly variable: string;
}

/** Lowercase first, like curl: when both spellings are set, the lowercase one wins. */
const PROXY_VARIABLES: Record<string, readonly string[]> = {
  'https:': ['https_proxy', 'HTTPS_PROXY'],
  'http:': ['http_proxy', 'HTTP_PROXY'],
};
const NO_PROXY_VARIABLES = ['no_proxy', 'NO_PROXY'] as const;

/**
 * The proxy requests to `target` go through, or undefined for a direct connection (no
 * variable for its scheme, or NO_PROXY names its host). A malformed variable is a ConfigError
 * that never repeats the value: it may hold a password.
 */
export function proxyFor(target: string | URL, env: Env = process.env): ProxyChoice | undefined {
  const url = typeof target === 'string' ? new URL(target) : target;
  const found = firstSet(env, PROXY_VARIABLES[url.protocol] ?? []);
  if (!found) return undefined;
  const noProxy = firstSet(env, NO_PROXY_VARIABLES);
  if (noProxy && bypassesProxy(url, noProxy.value)) return undefined;
  return { url: parseProxyUrl(found.value, found.name), variable: found.name };
}

/** `http://proxy.corp:3128 (HTTPS_PROXY)`: what the log says, never the user or password. */
export function proxyDisplay(choice: ProxyChoice): string {
  return `${choice.url.protocol}//${choice.url.host} (${choice.variable})`;
}

/**
 * Whether a NO_PROXY list exempts `target`: `*` (everything), host names (the name and its
 * subdomains; a leading `.` or `*.` means the same), IP addresses and CIDR ranges, each
 * optionally with `:port`. Separated by commas or spaces; case does not matter.
 */
export function bypassesProxy(target: URL, noProxy: string): boolean {
  const host = unbracket(target.hostname.toLowerCase()).replace(/\.$/, '');
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    const { name, entryPort } = splitPort(entry);
    if (entryPort !== undefined && entryPort !== port) continue;
    if (matchesAddress(host, name)) return true;
    const domain = name.replace(/^\*?\./, '').replace(/\.$/, '');
    if (domain && !isIP(domain) && (host === domain || host.endsWith(`.${domain}`))) return true;
  }
  return false;
}

function firstSet(env: Env, names: readonly string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return undefined;
}

function parseProxyUrl(value: string, variable: string): URL {
  // `proxy.corp:3128` without a scheme means http, as in curl.
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ConfigError(`${variable} is not a proxy URL; use for example http://proxy.example.com:3128`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${variable} names a ${url.protocol.slice(0, -1)} proxy; only http:// and https:// proxies are supported`);
  }
  if (!url.hostname) throw new ConfigError(`${variable} names no proxy host`);
  return url;
}

function splitPort(entry: string): { name: string; entryPort?: string } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { name: bracketed[1], entryPort: bracketed[2] };
  // A bare IPv6 address (or range) has colons of its own: no port then.
  const colon = entry.lastIndexOf(':');
  if (colon > 0 && entry.indexOf(':') === colon && /^\d+$/.test(entry.slice(colon + 1))) {
    return { name: entry.slice(0, colon), entryPort: entry.slice(colon + 1) };
  }
  return { name: entry };
}

function matchesAddress(host: string, entry: string): boolean {
  const family = isIP(host);
  if (!family) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const entryFamily = isIP(address);
  if (entryFamily !== family) return false;
  const list = new BlockList();
  if (slash === -1) {
    list.addAddress(address, type);
  } else {
    const prefix = Number(entry.slice(slash + 1));
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) return false;
    list.addSubnet(address, prefix, type);
  }
  return list.check(host, type);
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
