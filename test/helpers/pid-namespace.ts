// Runs a process in a PID namespace of its own (util-linux `unshare`), as a container sharing
// this host's name but not its PID space does, where the machine allows it (root, or user
// namespaces). Its pid there is chosen to be free here, so "that pid is dead on this host" is
// exactly what a process outside would wrongly conclude.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

let prefix: string[] | null | undefined;

/** The `unshare` arguments that work here, or null (with the reason in `whyNot`) where none does. */
export function pidNamespaceCommand(): string[] | null {
  if (prefix !== undefined) return prefix;
  const tries = [
    ['unshare', '--pid', '--fork', '--kill-child', '--mount-proc'],
    ['unshare', '--pid', '--fork', '--kill-child', '--map-root-user', '--mount-proc'],
  ];
  prefix = tries.find((t) => spawnSync(t[0]!, [...t.slice(1), 'true'], { stdio: 'ignore' }).status === 0) ?? null;
  return prefix;
}

export const whyNot = 'unshare --pid --fork --mount-proc is not allowed on this machine (needs root or user namespaces)';

/** A pid that nothing in this namespace answers to, within pid_max. */
function freePidHere(): number {
  const max = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8')) || 32768;
  for (let pid = Math.max(301, Math.floor(max * 0.6)); pid < max; pid += 97) {
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return pid;
    }
  }
  throw new Error('no free pid found');
}

/**
 * Starts `command args` in a new PID namespace, as that namespace's pid `pid` (free in ours, when
 * the namespace lets its last pid be set). Killing the returned process kills the namespace.
 */
export function spawnInPidNamespace(command: string, args: string[]): { child: ChildProcess; pid: number } {
  const unshare = pidNamespaceCommand();
  if (!unshare) throw new Error(whyNot);
  const pid = freePidHere();
  // Not exec'd: the shell is the namespace's init and forks the command as `pid`, with stdin.
  const script = `echo ${pid - 1} > /proc/sys/kernel/ns_last_pid 2>/dev/null; "$0" "$@"; exit $?`;
  const child = spawn(unshare[0]!, [...unshare.slice(1), 'sh', '-c', script, command, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  return { child, pid };
}
