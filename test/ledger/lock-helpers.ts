// Shared by the lock tests: lock files of made-up holders, a pid nothing answers to, and a clock
// that moves only when the taker sleeps on it (so watching a heartbeat for 30 s takes no time).
import { spawn } from 'node:child_process';
import { lockText, ownPlace, type Holder } from '../../src/ledger/lock-holder.js';
import type { LockClock } from '../../src/ledger/lock.js';

/** The pid of a process that has exited (and been reaped), so nothing here answers to it. */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

/** A lock file's text for a holder at this process's place unless `fields` say otherwise. */
export function holderText(fields: Partial<Holder> & { pid: number }): string {
  return lockText({ ...ownPlace(), started: '2026-11-01T00:00:00.000Z', token: `token-${fields.pid}`, heartbeatMs: 5000, ...fields });
}

/**
 * A clock whose `sleep` advances it at once, then runs `onSleep` (a holder's beat, for one): a
 * taker's watch of any length runs in a few file reads. `now()` is the time the taker waited.
 */
export function steppingClock(onSleep?: (at: number) => Promise<void> | void): LockClock & { sleeps: number } {
  let t = 0;
  const clock = {
    sleeps: 0,
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
      clock.sleeps++;
      await onSleep?.(t);
    },
  };
  return clock;
}

/**
 * Writes a lock file for a holder in another PID namespace of this host (its pid free here)
 * and, with `beating`, advances its beat every 20 ms as a live holder does. `stop` ends the beat.
 */
export async function foreignLock(ledger: string, options: { beating: boolean; heartbeatMs?: number }): Promise<{ file: string; text: string; stop: () => void }> {
  const { open, writeFile } = await import('node:fs/promises');
  const { beatDigits, beatOffset } = await import('../../src/ledger/lock-holder.js');
  const file = `${ledger}.lock`;
  const text = holderText({ pid: await deadPid(), pidns: 'pid:[4026599999]', heartbeatMs: options.heartbeatMs ?? 20 });
  await writeFile(file, text);
  let n = 0;
  const timer = options.beating
    ? setInterval(() => {
        void open(file, 'r+').then(async (h) => {
          await h.write(beatDigits(++n), beatOffset(text), 'utf8');
          await h.close();
        });
      }, 20)
    : undefined;
  return { file, text, stop: () => clearInterval(timer) };
}
