// Where requests go, checked once: a usable URL, and never the token in clear text over
// a network. Plain http is allowed only to this machine (the simulator, a local proxy).
import { ConfigError } from '../errors.js';

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i;

export function checkApiUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`GENUIN_API_URL "${url}" is not a URL; use for example https://api.begenuin.com`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ConfigError(`GENUIN_API_URL must be http(s), not ${parsed.protocol}`);
  }
  if (parsed.username || parsed.password) {
    throw new ConfigError('GENUIN_API_URL must not carry credentials; the token goes in GENUIN_ACCESS_TOKEN');
  }
  if (parsed.protocol === 'http:' && !LOOPBACK.test(parsed.hostname)) {
    throw new ConfigError(`refusing to send the access token over plain http to ${parsed.hostname}: use https (plain http is allowed only to loopback addresses)`);
  }
  return parsed;
}

/**
 * The base URL an operator probably meant, when `url` has a path the tool appends itself
 * (`/api/thirdparty`, or an endpoint after it): for the message of a run whose first answers
 * say the URL is not the API. Undefined when the path does not show such a mistake.
 */
export function suggestApiBase(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const at = parsed.pathname.toLowerCase().indexOf('/api/thirdparty');
  if (at === -1) return undefined;
  const base = `${parsed.protocol}//${parsed.host}${parsed.pathname.slice(0, at)}`;
  return base.replace(/\/+$/, '');
}
