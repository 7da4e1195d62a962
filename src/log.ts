// The run's logger: pino, JSON lines to stderr (or a file), pretty on a terminal. Written
// synchronously so nothing is lost at process.exit; the token can never appear in a line.
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Append JSON lines to this file instead of stderr (logrotate-safe: opened in append mode). */
  file?: string;
  /** Human-readable lines (default: when stderr is a terminal and no file is given). */
  pretty?: boolean;
}

/** Paths that could ever hold a secret: censored even if some code logs them by mistake. */
const REDACT = ['token', 'authorization', 'headers.authorization', '*.authorization', '*.headers.authorization', 'options.headers', 'err.options'];

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const base = { level, redact: { paths: REDACT, censor: '[redacted]' }, base: undefined };
  if (options.file) return pino(base, pino.destination({ dest: options.file, append: true, sync: true, mkdir: true }));
  const usePretty = options.pretty ?? Boolean(process.stderr.isTTY);
  if (usePretty) {
    return pino(base, pretty({ destination: 2, sync: true, colorize: !process.env.NO_COLOR, ignore: 'pid,hostname' }));
  }
  return pino(base, pino.destination({ dest: 2, sync: true }));
}

/** A logger that writes nothing: the library default. */
export const silentLogger: Logger = pino({ level: 'silent' });
