// The results ledger's writer: one append-only JSON Lines file. Every append resolves only once
// its line is durable (an O_DSYNC write, or write + fdatasync); concurrent appends share one.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LedgerError } from '../errors.js';
import { TORN_MARKER_EVENT, type LedgerLine } from './event.js';
import { GroupCommit, type CommitStats } from './group-commit.js';

/** The three file operations the writer needs; a `FileHandle` is one. Tests wrap it to inject faults. */
export interface LedgerSink {
  write(buffer: Buffer, offset: number, length: number): Promise<{ bytesWritten: number }>;
  datasync(): Promise<void>;
  close(): Promise<void>;
  /** The file was opened with O_DSYNC: a write is durable when it returns, no datasync needed. */
  readonly writesAreDurable?: boolean;
}

export interface LedgerWriterOptions {
  /** Wraps the opened file before any line is written (fault injection in tests). */
  sink?: (handle: FileHandle) => LedgerSink;
  /** Clock for the torn-line marker. Default: `() => new Date()`. */
  now?: () => Date;
}

/** Lines made durable by `append` (the open-time repair is not counted), and the durable writes that carried them. */
export type LedgerWriterStats = CommitStats;

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The longest last line `open` reads back to decide whether it is torn; ours are far shorter. */
const MAX_TAIL = 1 << 20;

export class LedgerWriter {
  /** One write (and fdatasync) per batch of lines appended while the previous one was in flight. */
  private readonly commits: GroupCommit<{ text: string; lines: number }>;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly sink: LedgerSink,
  ) {
    this.commits = new GroupCommit({
      name: path,
      empty: () => ({ text: '', lines: 0 }),
      commit: async (batch) => {
        const bytes = Buffer.from(batch.text, 'utf8');
        await writeAll(this.sink, bytes);
        if (!this.sink.writesAreDurable) await this.sink.datasync();
        return { lines: batch.lines, bytes: bytes.length };
      },
      reason,
    });
  }

  /**
   * Opens (creating with mode 0600) the ledger for appending. If the file's last line is torn
   * (a crash mid-write: no final newline, or not JSON), ends it with a newline and a marker line
   * first, so the next line is not glued onto it and replay can tell it from corruption.
   */
  static async open(path: string, options: LedgerWriterOptions = {}): Promise<LedgerWriter> {
    let handle: FileHandle | undefined;
    // O_DSYNC makes each write durable by itself: one system call per batch instead of a write
    // and an fdatasync (two trips through libuv's thread pool). A test's own sink sees the
    // fdatasync calls instead. Where the flag does not exist (Windows), write + fdatasync.
    const dsync = options.sink === undefined && constants.O_DSYNC !== undefined;
    const flags = (base: number) => (dsync ? base | constants.O_DSYNC : base);
    try {
      let created = true;
      try {
        handle = await open(path, flags(constants.O_APPEND | constants.O_RDWR | constants.O_CREAT | constants.O_EXCL), 0o600);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        created = false;
        handle = await open(path, flags(constants.O_APPEND | constants.O_RDWR | constants.O_CREAT), 0o600);
      }
      if (created) {
        // The new directory entry must survive a crash too, or the file (and its ids) vanish.
        await syncDirectory(dirname(path));
      } else {
        const repair = await tornTailRepair(handle, (options.now ?? (() => new Date()))());
        if (repair) {
          await writeAll(handle, Buffer.from(repair, 'utf8'));
          await handle.datasync();
        }
      }
      const opened = handle;
      const sink: LedgerSink = options.sink
        ? options.sink(opened)
        : { write: (b, o, l) => opened.write(b, o, l), datasync: () => opened.datasync(), close: () => opened.close(), writesAreDurable: dsync };
      return new LedgerWriter(path, sink);
    } catch (error) {
      await handle?.close().catch(() => undefined);
      throw new LedgerError(`cannot write ledger ${path}: ${reason(error)}`);
    }
  }

  /**
   * Appends one line; resolves once it is on disk (written and fdatasync'd). Rejects with a
   * LedgerError if the write fails, and so does every later append: a gap in the ledger is
   * never papered over.
   */
  append(event: LedgerLine): Promise<void> {
    const line = JSON.stringify(event);
    return this.commits.add((batch) => {
      batch.text += line + '\n';
      batch.lines++;
    });
  }

  /** Waits for every line appended so far to be durable, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.commits.close();
    try {
      await this.sink.close();
    } catch (error) {
      throw new LedgerError(`cannot close ledger ${this.path}: ${reason(error)}`);
    }
  }

  get stats(): Readonly<LedgerWriterStats> {
    return this.commits.stats;
  }
}

/** write(2) may write less than asked (a full disk reports ENOSPC only on the next call). */
async function writeAll(sink: Pick<LedgerSink, 'write'>, bytes: Buffer): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await sink.write(bytes, offset, bytes.length - offset);
    if (bytesWritten <= 0) throw new Error('write made no progress');
    offset += bytesWritten;
  }
}

/**
 * What to append so the next line starts clean: a newline if the file does not end with one,
 * and the torn-line marker if its last non-blank line is not JSON. Undefined if nothing.
 */
async function tornTailRepair(handle: FileHandle, now: Date): Promise<string | undefined> {
  const { size } = await handle.stat();
  if (size === 0) return undefined;
  let want = Math.min(size, 64 * 1024);
  for (;;) {
    const tail = Buffer.allocUnsafe(want);
    const { bytesRead } = await handle.read(tail, 0, want, size - want);
    const bytes = tail.subarray(0, bytesRead);
    const needsNewline = bytes[bytes.length - 1] !== 0x0a;
    // The last non-blank line: skip trailing whitespace, then back to the previous newline.
    let end = bytes.length;
    while (end > 0 && isSpace(bytes[end - 1]!)) end--;
    const start = end === 0 ? 0 : bytes.lastIndexOf(0x0a, end - 1) + 1;
    if (start === 0 && want < size && want < MAX_TAIL) {
      want = Math.min(size, MAX_TAIL, want * 4);
      continue; // the last line (or the blank run after it) is longer than what was read
    }
    if (end === 0) return needsNewline ? '\n' : undefined;
    let torn = false;
    try {
      JSON.parse(bytes.toString('utf8', start, end));
    } catch {
      torn = true;
    }
    if (!torn) return needsNewline ? '\n' : undefined;
    const marker = JSON.stringify({
      at: now.toISOString(),
      event: TORN_MARKER_EVENT,
      note: 'the line above is a torn write left by an interrupted run; kept as found',
    });
    return (needsNewline ? '\n' : '') + marker + '\n';
  }
}

function isSpace(byte: number): boolean {
  return byte === 0x0a || byte === 0x0d || byte === 0x20 || byte === 0x09;
}

/** fsync a directory so a created or renamed entry in it is durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some file systems refuse fsync on a directory; the entry is then as durable as they allow.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw error;
  } finally {
    await handle.close();
  }
}
