// Who holds a ledger lock, as its lock file says, and whether a taker can prove that holder gone.
// A pid proves life or death only inside one PID namespace of one running kernel, so the lock
// file records both (Linux: /proc) beside the pid and host name.
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/** Where a process stands: what a pid means is relative to all three. */
export interface Place {
  host: string;
  /** This kernel's boot (`/proc/sys/kernel/random/boot_id`): a pid means nothing across a restart. */
  boot?: string;
  /** The PID namespace (`readlink /proc/self/ns/pid`, e.g. `pid:[4026531836]`): a pid means nothing outside it. */
  pidns?: string;
}

/** What a lock file says about its holder. */
export interface Holder extends Place {
  pid: number;
  started: string;
  token?: string;
  /** How often the holder refreshes its heartbeat (absent in lock files of older versions, which have none). */
  heartbeatMs?: number;
}

/** The heartbeat's counter: fixed width, the last field, so the holder rewrites only these digits in place. */
export const BEAT_DIGITS = 12;

let own: Place | undefined;

/** This process's place; boot and namespace are absent where /proc cannot tell them (not Linux). */
export function ownPlace(): Place {
  if (own) return own;
  const place: Place = { host: hostname() };
  try {
    place.boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
    place.pidns = readlinkSync('/proc/self/ns/pid') || undefined;
  } catch {
    // No /proc (macOS, Windows, a sandbox hiding it): the host name is all there is.
  }
  if (!place.boot || !place.pidns) {
    // Half an identity proves nothing: compare both or neither.
    delete place.boot;
    delete place.pidns;
  }
  return (own = place);
}

/** The lock file's text for a new holder; its beat counter starts at zero. */
export function lockText(holder: Holder & { token: string; heartbeatMs: number }): string {
  const { pid, host, started, token, boot, pidns, heartbeatMs } = holder;
  const o = { pid, host, started, token, boot_id: boot, pid_ns: pidns, heartbeat_ms: heartbeatMs, beat: '0'.repeat(BEAT_DIGITS) };
  return JSON.stringify(o) + '\n';
}

/** The byte offset of the beat digits in `text` (from lockText). */
export function beatOffset(text: string): number {
  const at = text.lastIndexOf('"beat":"') + '"beat":"'.length;
  return Buffer.byteLength(text.slice(0, at), 'utf8');
}

/** The beat digits for count `n`. */
export function beatDigits(n: number): string {
  return String(n % 10 ** BEAT_DIGITS).padStart(BEAT_DIGITS, '0');
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The holder a lock file names; undefined if it is not a lock file's JSON (being written, or garbled). */
export function parseHolder(content: string): Holder | undefined {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(content);
  } catch {
    return undefined;
  }
  if (!o || typeof o !== 'object' || typeof o.pid !== 'number' || !Number.isInteger(o.pid) || o.pid <= 0 || typeof o.host !== 'string') {
    return undefined;
  }
  const beat = o.heartbeat_ms;
  return {
    pid: o.pid,
    host: o.host,
    started: text(o.started) ?? '?',
    token: text(o.token),
    boot: text(o.boot_id),
    pidns: text(o.pid_ns),
    heartbeatMs: typeof beat === 'number' && Number.isFinite(beat) && beat > 0 ? beat : undefined,
  };
}

/**
 * What the taker can know of a holder: `gone` (proven: its pid is free where it ran), `alive`
 * (its pid is taken where it ran: the holder, or a process that reused its pid), or `unknown`
 * (another host, kernel boot or PID namespace, where this process cannot look; `where` says which).
 */
export type Verdict = { kind: 'gone' } | { kind: 'alive' } | { kind: 'unknown'; where: string };

/** Judges `holder` from `here`; `pidAlive` answers for a pid of this namespace. */
export function judge(holder: Holder, here: Place, pidAlive: (pid: number) => boolean): Verdict {
  if (holder.host !== here.host) return { kind: 'unknown', where: `on another host (${holder.host}; this one is ${here.host})` };
  const known = (p: Place) => p.boot !== undefined && p.pidns !== undefined;
  if (known(holder) && known(here)) {
    // Same name, another kernel: this machine restarted since, or another machine bears its name.
    if (holder.boot !== here.boot) return { kind: 'unknown', where: `under another boot of ${holder.host} (boot_id ${holder.boot}; this one is ${here.boot})` };
    if (holder.pidns !== here.pidns) return { kind: 'unknown', where: `in another PID namespace (${holder.pidns}; this run is in ${here.pidns})` };
  } else if (known(holder) !== known(here)) {
    return {
      kind: 'unknown',
      where: known(here) ? 'in a PID namespace its lock file does not name (an older version wrote it)' : 'in a PID namespace this run cannot read (no /proc here)',
    };
  }
  // The same namespace of the same boot, or neither side can tell (no /proc): the pid decides.
  return pidAlive(holder.pid) ? { kind: 'alive' } : { kind: 'gone' };
}

/** Whether `pid` exists in this PID namespace. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else. Only ESRCH proves it is gone.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
