// PostgreSQL ledger locations: which strings name one, and their display form without the password.
// The password stays in this process's memory, keyed by that form, so configs and messages never hold it.

const SCHEME = /^postgres(?:ql)?:\/\//i;

/** Whether a ledger location is a PostgreSQL URL (`postgres://` or `postgresql://`). */
export function isPostgresUrl(location: string): boolean {
  return SCHEME.test(location.trim());
}

/** Full URLs (with their password) by their display form: filled by `rememberPgUrl`. */
const secrets = new Map<string, string>();

/** The forms a ledger location may take, as the refusal of a near-miss names them. */
export const LEDGER_FORMS =
  'a ledger is a file path, or postgres://[user@]host[:port]/database (postgresql:// too) with the password in PGPASSWORD (environment or .env), ~/.pgpass or the URL';

/** Scheme spellings a person means as PostgreSQL (a letter or two off, or a common short name). */
function meansPostgres(scheme: string): boolean {
  const s = scheme.toLowerCase();
  if (['pg', 'pgsql', 'psql', 'postgis', 'postgre'].includes(s)) return true;
  return editDistance(s, 'postgres') <= 2 || editDistance(s, 'postgresql') <= 2;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/**
 * Why `location` cannot be a ledger, or undefined when it can: a string that looks like a URL (a
 * scheme and `//`, a misspelt postgres scheme, a `user:password@`) but is not postgres:// or
 * postgresql:// would otherwise become a file path, and echo its password in every message.
 * A single-letter scheme is a Windows drive (`C:\`), never refused.
 */
export function ledgerLocationProblem(location: string): string | undefined {
  const text = location.trim();
  if (isPostgresUrl(text)) return undefined;
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(text)?.[1];
  if (scheme !== undefined && meansPostgres(scheme)) {
    return /^postgres(?:ql)?$/i.test(scheme) ? `"${scheme}:" must be followed by //` : `the scheme "${scheme}:" is not postgres:// or postgresql://`;
  }
  if (/[a-z][a-z0-9+.-]*:\/\//i.test(text)) return `the scheme "${/([a-z][a-z0-9+.-]*):\/\//i.exec(text)![1]}://" is not postgres:// or postgresql://`;
  if (/(?:^|\/)[^/\s:@]+:[^\s@]*@/.test(text)) return 'it holds a user:password@ outside a postgres:// URL';
  return undefined;
}

/**
 * Any ledger location as it may be shown, whatever its spelling: a `password=` query value and
 * the password of a `user:password@` (up to the last `@`) become `***`. For the refusal of a
 * near-miss; a real PostgreSQL URL is shown by redactPgUrl.
 */
export function redactLocation(location: string): string {
  const out = location.trim().replace(/([?&]password=)[^&#]*/gi, '$1***');
  const at = out.lastIndexOf('@');
  if (at < 0) return out;
  // Only `scheme://` is kept whole: in `genuin:pw@h` or `postgres:/u:pw@h` the first colon may start the password.
  const prefix = /^[a-z][a-z0-9+.-]*:\/\//i.exec(out)?.[0] ?? '';
  const userinfo = out.slice(prefix.length, at);
  const colon = userinfo.indexOf(':');
  if (colon < 0) return out;
  return `${prefix}${userinfo.slice(0, colon)}:***${out.slice(at)}`;
}

/**
 * The URL without its password (the userinfo's `:password`, and a `password` query parameter):
 * what messages, logs, the run configuration and reports show.
 */
export function redactPgUrl(url: string): string {
  const text = url.trim();
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    // Not a URL the driver could read either: keep only what cannot be a password.
    return text.replace(/\/\/[^@/]*@/, '//***@');
  }
  parsed.password = '';
  if (parsed.searchParams.has('password')) parsed.searchParams.delete('password');
  return parsed.toString();
}

/**
 * Registers `url` and returns its display form, which `pgConnectionUrl` maps back to it.
 * `password` (PGPASSWORD as the run configuration read it: the environment over `.env`) goes into
 * the URL to connect with when the URL has none: the driver reads only process.env, never `.env`.
 */
export function rememberPgUrl(url: string, password?: string): string {
  const shown = redactPgUrl(url);
  secrets.set(shown, withPassword(url.trim(), password));
  return shown;
}

function withPassword(url: string, password: string | undefined): string {
  if (!password) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password || parsed.searchParams.has('password')) return url;
    // As a query parameter: the userinfo would need a user, and the driver's default user is its own rule.
    parsed.searchParams.set('password', password);
    return parsed.toString();
  } catch {
    return url;
  }
}

/** The URL to connect with: the full one registered for a display form, else `location` as given. */
export function pgConnectionUrl(location: string): string {
  return secrets.get(location) ?? location.trim();
}

/** The passwords `url` carries (userinfo or query), percent-decoded too: what must never be shown. */
export function passwordsIn(url: string): string[] {
  const out: string[] = [];
  try {
    const parsed = new URL(url.trim());
    if (parsed.password) out.push(parsed.password, decodeURIComponent(parsed.password));
    const query = parsed.searchParams.get('password');
    if (query) out.push(query);
  } catch {
    // a URL that does not parse holds nothing we could tell apart
  }
  if (process.env.PGPASSWORD) out.push(process.env.PGPASSWORD);
  return [...new Set(out.filter((p) => p.length > 0))];
}

/** `text` with every password of `url` (and PGPASSWORD) replaced by `***`. */
export function stripPasswords(text: string, url: string): string {
  let out = text;
  for (const p of passwordsIn(url)) out = out.split(p).join('***');
  return out;
}
