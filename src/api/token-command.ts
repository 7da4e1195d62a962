// Runs GENUIN_ACCESS_TOKEN_COMMAND through the shell and takes its trimmed stdout as the token (the
// pattern of AWS credential_process). Its stdout is never printed: failures quote stderr's first line.
import { spawn } from 'node:child_process';
import { AuthError } from '../errors.js';

export const TOKEN_COMMAND_TIMEOUT_MS = 30_000;
const MAX_STDOUT_BYTES = 64 * 1024;
const MAX_STDERR_BYTES = 8 * 1024;

export interface TokenCommandOptions {
  timeoutMs?: number;
  /** The command's environment. Default: this process's. */
  env?: NodeJS.ProcessEnv;
}

/** Resolves with the token; rejects with an AuthError saying how the command failed. */
export function runTokenCommand(command: string, options: TokenCommandOptions = {}): Promise<string> {
  const timeoutMs = options.timeoutMs ?? TOKEN_COMMAND_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    // stdin closed: the command runs under cron as on a terminal (a prompt would open /dev/tty).
    const child = spawn(command, { shell: true, stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env, windowsHide: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let done = false;
    const finish = (error: string | undefined, token?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // A grandchild holding the pipes open must not keep this process waiting.
      child.stdout.destroy();
      child.stderr.destroy();
      if (error === undefined) resolve(token!);
      else reject(new AuthError(`GENUIN_ACCESS_TOKEN_COMMAND ${error}`));
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(`did not finish within ${timeoutMs / 1000} s${stderrLine(err, out)}`);
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > MAX_STDOUT_BYTES) {
        child.kill('SIGKILL');
        finish(`printed more than ${MAX_STDOUT_BYTES / 1024} KiB on stdout: a token is one line`);
      } else out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (errBytes < MAX_STDERR_BYTES) err.push(chunk);
      errBytes += chunk.length;
    });
    child.on('error', (error: NodeJS.ErrnoException) => finish(`could not be started (${error.code ?? 'error'})`));
    child.on('close', (code, signal) => {
      if (signal !== null) return finish(`was killed by ${signal}${stderrLine(err, out)}`);
      if (code !== 0) return finish(`failed with exit code ${code}${stderrLine(err, out)}`);
      const token = Buffer.concat(out).toString('utf8').trim();
      if (!token) return finish(`exited 0 but printed nothing on stdout${stderrLine(err, out)}`);
      const fault = tokenFault(token);
      if (fault) return finish(`printed something that is not a token on stdout (${fault})`);
      finish(undefined, token);
    });
  });
}

/** Why `token` cannot go in an Authorization header, without quoting it; undefined when it can. */
export function tokenFault(token: string): string | undefined {
  if (/[\r\n]/.test(token)) return `${token.split(/\r?\n/).length} lines`;
  if (/\s/.test(token)) return 'it contains whitespace';
  if (!/^[\x21-\x7e]+$/.test(token)) return 'it contains control or non-ASCII characters';
  return undefined;
}

/** `: <stderr's first line>`, bounded, with anything the command printed on stdout cut out. */
function stderrLine(err: Buffer[], out: Buffer[]): string {
  let line = Buffer.concat(err).toString('utf8').split(/\r?\n/).find((l) => l.trim() !== '')?.trim() ?? '';
  for (const piece of Buffer.concat(out).toString('utf8').split(/\s+/)) {
    if (piece.length >= 4) line = line.split(piece).join('[stdout]');
  }
  line = line.slice(0, 200);
  return line ? `: ${line}` : ' (nothing on stderr)';
}
