// PostgreSQL ledger locations: which strings name one, and their display form without the password.
// The password stays in this process's memory, keyed by that form, so configs and messages never hold it.

const SCHEME = /^postgres(?:ql)?:\/\//i;

/** Whether a ledger location is a PostgreSQL URL (`postgres://` or `postgresql://`). */
export function isPostgresUrl(location: string): boolean {
  return SCHEME.test(location.trim());
}

/** Full URLs (with their password) by their display form: filled by `rememberPgUrl`. */
const secrets = new Map<string, string>();

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

/** Registers `url` and returns its display form, which `pgConnectionUrl` maps back to it. */
export function rememberPgUrl(url: string): string {
  const shown = redactPgUrl(url);
  secrets.set(shown, url.trim());
  return shown;
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
