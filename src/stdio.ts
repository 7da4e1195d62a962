// Writing to stdout and stderr when their reader may be gone: `| head` closed the pipe, an SSH
// session dropped. A failed stream is written no more; losing a reader never stops a run.

/** Streams that failed a write: nothing more is written to them. */
const gone = new WeakSet<NodeJS.WritableStream>();

/** The errors that mean nobody reads the stream any more: `| head`, a dropped SSH session. */
const READER_GONE = new Set(['EPIPE', 'EIO', 'ECONNRESET', 'ERR_STREAM_DESTROYED']);

export function isReaderGone(error: unknown): boolean {
  return READER_GONE.has((error as NodeJS.ErrnoException | undefined)?.code ?? '');
}

/** True once a write to `stream` has failed: it is not written again. */
export function isGone(stream: NodeJS.WritableStream): boolean {
  return gone.has(stream) || Boolean((stream as { destroyed?: boolean }).destroyed);
}

/**
 * Writes `text` unless the stream has failed before; false when it did not get through. A pipe
 * write fails synchronously on Linux (the stream is destroyed before write returns), so the
 * text of the very write that found the pipe closed is known to be lost, and can go elsewhere.
 */
export function writeIfOpen(stream: NodeJS.WritableStream, text: string): boolean {
  if (isGone(stream)) return false;
  try {
    stream.write(text);
  } catch (error) {
    // Some streams throw a system error instead of emitting it.
    if (!(error as NodeJS.ErrnoException)?.code) throw error;
    gone.add(stream);
    return false;
  }
  if (!isGone(stream)) return true;
  gone.add(stream);
  return false;
}

let onStdioError: ((name: 'stdout' | 'stderr', error: NodeJS.ErrnoException) => void) | undefined;

/**
 * Listens for write errors on stdout and stderr for the rest of the process: unheard, the first
 * one (a closed pipe) would kill it mid-run. The stream is written no more; `onError` decides
 * what else happens (a read-only command exits, a run goes on). A later call replaces `onError`.
 */
export function guardStdio(onError?: (name: 'stdout' | 'stderr', error: NodeJS.ErrnoException) => void): void {
  if (!onStdioError) {
    for (const name of ['stdout', 'stderr'] as const) {
      const stream = process[name];
      stream.on('error', (error: NodeJS.ErrnoException) => {
        gone.add(stream);
        onStdioError?.(name, error);
      });
    }
  }
  onStdioError = onError ?? (() => {});
}
