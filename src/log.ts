// The run's logger: pino, JSON lines to stderr (or a file), pretty on a terminal. Written
// synchronously so nothing is lost at process.exit; the token can never appear in a line, and
// phone numbers in free text (server messages) are masked. A log nobody can read any more (a
// closed pipe, a full disk under --log-file) drops lines; it never stops the run.
import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';
import { writeIfOpen } from './stdio.js';

// pino-pretty is loaded only for a terminal: 35 ms of start-up that cron runs and pipes skip.
const require = createRequire(import.meta.url);
const prettyFactory: typeof import('pino-pretty').prettyFactory = (options) =>
  (require('pino-pretty') as typeof import('pino-pretty')).prettyFactory(options);

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Append JSON lines to this file instead of stderr (logrotate-safe: opened in append mode). */
  file?: string;
  /** Human-readable lines (default: when stderr is a terminal and no file is given). */
  pretty?: boolean;
  /**
   * Where stderr lines go (default: straight to stderr). A live progress display passes its
   * own writer, so a log line never lands in the middle of the bar.
   */
  write?: (line: string) => void;
}

/** Paths that could ever hold a secret: censored even if some code logs them by mistake. */
const REDACT = ['token', 'authorization', 'headers.authorization', '*.authorization', '*.headers.authorization', 'options.headers', 'err.options'];

/** Free-text fields that may quote what a server or a manifest said. */
const FREE_TEXT = ['message', 'reason', 'error'] as const;

/**
 * A run of 7 to 15 digits, optionally after `+`, that is not part of a longer token (an id, a
 * UUID segment, a key): the shape of a phone number in an error message.
 */
const PHONE = /(?<![\w+-])\+?\d{7,15}(?![\w-])/g;

/** `+919876543210` → `+91•••••••210`: enough to tell numbers apart, not enough to call one. */
export function maskPhones(text: string): string {
  return text.replace(PHONE, (m) => {
    const plus = m.startsWith('+') ? '+' : '';
    const digits = plus ? m.slice(1) : m;
    return `${plus}${digits.slice(0, 2)}${'•'.repeat(digits.length - 5)}${digits.slice(-3)}`;
  });
}

function maskFreeText(object: Record<string, unknown>): Record<string, unknown> {
  for (const key of FREE_TEXT) {
    const v = object[key];
    if (typeof v === 'string' && /\d{7}/.test(v)) object[key] = maskPhones(v);
  }
  return object;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const base = {
    level,
    redact: { paths: REDACT, censor: '[redacted]' },
    base: undefined,
    formatters: { log: maskFreeText },
    // ISO times: the log is read by people the morning after, not only by machines.
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.file) {
    const destination = pino.destination({ dest: options.file, append: true, sync: true, mkdir: true, mode: 0o600 });
    // pino already swallows EPIPE (a FIFO whose reader left); any other write error would be
    // thrown out of the logging call into the run. Say it once and carry on without the lines.
    let told = false;
    destination.on('error', (error: NodeJS.ErrnoException) => {
      if (!told) writeIfOpen(process.stderr, `warning: cannot write to log file ${options.file} (${error.code ?? error.message}); log lines are lost until it can be written\n`);
      told = true;
    });
    return pino(base, destination);
  }
  const usePretty = options.pretty ?? Boolean(process.stderr.isTTY);
  const write = options.write ?? ((line: string) => void writeIfOpen(process.stderr, line));
  if (usePretty) {
    // The formatter itself, not pino-pretty's stream: its stream is asynchronous, and a
    // line must be out before the next bar frame (and before process.exit). The run id is
    // left out on a terminal (the summary shows it); JSON lines always carry it.
    const format = prettyFactory({ colorize: !process.env.NO_COLOR, ignore: 'pid,hostname,run', translateTime: 'SYS:HH:MM:ss', singleLine: true });
    return pino(base, { write: (line: string) => write(format(line)) });
  }
  return pino(base, { write });
}

