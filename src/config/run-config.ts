// Flags and environment, normalised once into a deeply frozen RunConfig: everything a run needs
// (API, credentials, proxy, ledger, pace, manifest limits, logging, progress) and the ledger-path
// rule. Flags override the environment, the environment overrides `.env` (the CLI's ./.env; a
// library's only when `dotenv` names one). The token has no flag: never in shell history or `ps`.
import { ConfigError } from '../errors.js';
import { CHAT_ID_SETTING, parseChatIdSetting, type ChatIdProfile } from '../api/chat-id-profile.js';
import { credentialsFromEnv, type Credentials } from '../api/token-source.js';
import { proxyFor, type ProxyChoice } from '../api/proxy.js';
import type { ManifestLimits } from '../manifest/limits.js';
import { checkApiUrl } from './api-target.js';
import { limitsFromEnv } from './limits.js';
import { parseCount, parseDuration, parseRate, parseRateSetting } from './parse.js';
import { readDotenv } from './dotenv.js';
import { DEFAULTS } from './defaults.js';
import { isPostgresUrl, LEDGER_FORMS, ledgerLocationProblem, redactLocation, rememberPgUrl } from '../ledger/pg/url.js';
import { resolve as resolvePath } from 'node:path';

export interface RunConfig {
  /** API base URL (GENUIN_API_URL); undefined with --simulate until the simulator starts. */
  readonly apiUrl?: string;
  /** gn-access-token (GENUIN_ACCESS_TOKEN), when that is how the token is obtained. Never logged. */
  readonly token?: string;
  /**
   * How tokens are obtained: GENUIN_ACCESS_TOKEN, GENUIN_API_KEY + GENUIN_API_SECRET, or
   * GENUIN_ACCESS_TOKEN_COMMAND (exactly one). Undefined with --simulate. Never logged.
   */
  readonly credentials?: Credentials;
  /**
   * The proxy requests to the API go through (HTTPS_PROXY, HTTP_PROXY, NO_PROXY in `env`), or
   * undefined for a direct connection. Never set with --simulate (the simulator is in-process).
   */
  readonly proxy?: ProxyChoice;
  /** Results ledger (--ledger, GENUIN_LEDGER): an absolute path, or a PostgreSQL URL without its password. */
  readonly ledgerPath: string;
  /** Which rule gave `ledgerPath` (for the messages that explain which ledger was used). */
  readonly ledgerFrom: LedgerLocation['from'];
  /** Requests per second at most (--rate, GENUIN_RATE), or `auto`: find the server's limit. */
  readonly rate: number | 'auto';
  /** The most `--rate auto` goes up to (--max-rate). */
  readonly maxRate: number;
  /** Requests in flight at most (--concurrency). */
  readonly concurrency: number;
  /** Per-request timeout in ms (--timeout). */
  readonly timeoutMs: number;
  /** Retries after the first attempt for retryable failures (--retries). */
  readonly retries: number;
  /** Re-send groups whose earlier send is in doubt (--retry-in-doubt). */
  readonly retryInDoubt: boolean;
  /** Run against an in-process simulator (--simulate). */
  readonly simulate: boolean;
  /** Stop starting new work after this long (--max-duration). */
  readonly maxDurationMs?: number;
  /** Send a derived chat_id with groups whose manifest gives none (off with --no-derived-chat-id). */
  readonly deriveChatIds: boolean;
  /** Resend groups after 5xx answers that do not prove nothing was created (--retry-group-5xx). */
  readonly retryGroup5xx: boolean;
  /** --expect-existing: do not stop a run on a new ledger after a streak of "exists" answers (run/another-ledger.ts). */
  readonly expectExisting: boolean;
  /**
   * What a repeated chat_id does on this API, as a person states it (--chat-id-exists,
   * GENUIN_CHAT_ID_EXISTS): recorded in the ledger by the run; undefined when not given.
   */
  readonly chatIdSetting?: ChatIdProfile;
  /**
   * Reuse what a run that found everything done found, when its manifests, settings, code and
   * ledger are all unchanged (pipeline/settled.ts); false with --full: read and check everything.
   */
  readonly reuseSettled: boolean;
  /** Manifest limits raised or lowered through GENUIN_MAX_* (the rest are the loader's defaults). */
  readonly limits: Readonly<Partial<ManifestLimits>>;
  /** Where log lines go and from which level. */
  readonly log: LogSettings;
  /** The progress display: a bar on a terminal, a log line every `intervalMs` elsewhere. */
  readonly progress: ProgressSettings;
  /** --quiet: the summary only (no progress; on a terminal, only error log lines). */
  readonly quiet: boolean;
}

export interface LogSettings {
  /** --log-level, else LOG_LEVEL, else `error` with --quiet and no --log-file, else `info`. */
  readonly level: string;
  /** --log-file: JSON lines appended to this file instead of stderr. */
  readonly file?: string;
}

export interface ProgressSettings {
  /** false with --no-progress (--quiet keeps it off the terminal only: progressMode). */
  readonly show: boolean;
  /** --progress-interval: the pace of progress log lines when nobody watches a terminal. */
  readonly intervalMs: number;
}

export { DEFAULTS } from './defaults.js';

/** Flag values as commander hands them over (strings, booleans). */
export interface RunFlags {
  ledger?: string;
  rate?: string;
  maxRate?: string;
  concurrency?: string;
  timeout?: string;
  retries?: string;
  retryInDoubt?: boolean;
  simulate?: boolean;
  maxDuration?: string;
  /** false with --no-derived-chat-id. */
  derivedChatId?: boolean;
  retryGroup5xx?: boolean;
  /** --expect-existing: a new ledger meeting handles that exist is no sign of another ledger. */
  expectExisting?: boolean;
  /** `--chat-id-exists <status>[:<code>] | none`. */
  chatIdExists?: string;
  /** --full: read and check everything, even when nothing changed since a run that found everything done. */
  full?: boolean;
  quiet?: boolean;
  logFile?: string;
  logLevel?: string;
  /** false with --no-progress. */
  progress?: boolean;
  progressInterval?: string;
}

/**
 * Where the ledger is looked for, in order: `--ledger` (flags.ledger), else GENUIN_LEDGER, else
 * DEFAULTS.ledger (or DEFAULTS.simulateLedger when simulating), relative to `cwd`. The path is
 * made absolute at once, so every message names the file itself and a later chdir changes nothing.
 */
export interface LedgerLocation {
  /** The absolute path. */
  path: string;
  /** Which rule gave it. */
  from: '--ledger' | 'GENUIN_LEDGER' | 'default' | 'simulate default';
}

export function locateLedger(flags: { ledger?: string; simulate?: boolean }, env: Record<string, string | undefined>, cwd = process.cwd()): LedgerLocation {
  if (flags.ledger) return { path: placeLedger(cwd, flags.ledger, '--ledger', env), from: '--ledger' };
  if (flags.simulate) return { path: resolvePath(cwd, DEFAULTS.simulateLedger), from: 'simulate default' };
  const fromEnv = env.GENUIN_LEDGER?.trim();
  if (fromEnv) return { path: placeLedger(cwd, fromEnv, 'GENUIN_LEDGER', env), from: 'GENUIN_LEDGER' };
  return { path: resolvePath(cwd, DEFAULTS.ledger), from: 'default' };
}

/**
 * A path made absolute; a PostgreSQL URL kept as a URL, its password (or `env`'s PGPASSWORD, which
 * may come from `.env`) held apart (see ledger/pg/url.ts) so the config never shows it. A URL that
 * is not a supported one is refused here, before it could become a file named after its password.
 */
function placeLedger(cwd: string, location: string, from: string, env: Record<string, string | undefined>): string {
  const problem = ledgerLocationProblem(location);
  if (problem) throw new ConfigError(`${from} ${redactLocation(location)} looks like a URL but is not one the ledger takes: ${problem}; ${LEDGER_FORMS}`);
  return isPostgresUrl(location) ? rememberPgUrl(location, env.PGPASSWORD) : resolvePath(cwd, location);
}

/**
 * The part of the run configuration the ledger verbs (compact, resolve, show, append) need: the
 * ledger alone, so a setting they never use (a malformed GENUIN_MAX_*) cannot stop them.
 */
export function ledgerConfig(flags: { ledger?: string; simulate?: boolean }, env: Record<string, string | undefined> = process.env): Pick<RunConfig, 'ledgerPath' | 'ledgerFrom'> {
  const { path, from } = locateLedger(flags, env);
  return Object.freeze({ ledgerPath: path, ledgerFrom: from });
}

/** The rule of locateLedger in words, with the path this process would fall back to. */
export function ledgerRuleText(cwd = process.cwd()): string {
  const fallback = locateLedger({}, {}, cwd).path;
  return `the ledger is --ledger, else GENUIN_LEDGER, else ${DEFAULTS.ledger} in the working directory, here ${fallback}`;
}

/**
 * The log settings alone: they never fail, so an error that stops resolveRunConfig can still
 * reach --log-file.
 */
export function logSettings(flags: Pick<RunFlags, 'logLevel' | 'logFile' | 'quiet'>, env: Record<string, string | undefined>): LogSettings {
  // --quiet means the summary only: on the terminal, errors alone (a log file keeps its level).
  const level = flags.logLevel ?? env.LOG_LEVEL ?? (flags.quiet && !flags.logFile ? 'error' : 'info');
  return Object.freeze(flags.logFile !== undefined ? { level, file: flags.logFile } : { level });
}

/** `resolveRunConfig`'s named inputs. */
export interface RunConfigOptions {
  /** Flag values as the CLI takes them (`rate: '5/s'`, `ledger: '/data/genuin.jsonl'`); all optional. */
  flags?: RunFlags;
  /**
   * Where GENUIN_API_URL, the credentials (GENUIN_ACCESS_TOKEN, GENUIN_API_KEY + GENUIN_API_SECRET
   * or GENUIN_ACCESS_TOKEN_COMMAND) and GENUIN_LEDGER are read. Default: process.env. No `.env`
   * file is read unless `dotenv` names one.
   */
  env?: Record<string, string | undefined>;
  /** A `.env` file to read under `env` (variables in `env` win over it), as the CLI reads `./.env`. Default: none. */
  dotenv?: string;
  /** Told about a `.env` that cannot be read or that other users can read (default: process.emitWarning). */
  onWarning?: (message: string) => void;
  /**
   * Whether the configuration is for sending requests (apply): GENUIN_API_URL and credentials
   * are then required, unless flags.simulate. false for reading the ledger only. Default: true.
   */
  requireApi?: boolean;
}

/** Object.freeze all the way down: a run's settings cannot change under it. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Flags and environment into a frozen RunConfig, e.g.
 * `resolveRunConfig({ flags: { rate: '5/s' }, env: process.env })`. Throws a ConfigError
 * (exit 2) naming what is missing or malformed.
 */
export function resolveRunConfig(options: RunConfigOptions = {}): RunConfig {
  const flags = options.flags ?? {};
  const given = options.env ?? process.env;
  let env = given;
  if (options.dotenv !== undefined) {
    const { values, warnings } = readDotenv(options.dotenv);
    for (const w of warnings) (options.onWarning ?? ((m: string) => process.emitWarning(m)))(w);
    env = { ...values, ...given };
  }
  const simulate = Boolean(flags.simulate);
  let apiUrl: string | undefined;
  let credentials: Credentials | undefined;
  if (!simulate && options.requireApi !== false) {
    apiUrl = env.GENUIN_API_URL?.trim();
    if (!apiUrl) throw new ConfigError('GENUIN_API_URL is not set: set it (in the environment or .env), or use --simulate to rehearse against the built-in simulator');
    checkApiUrl(apiUrl);
    credentials = credentialsFromEnv(env);
  }
  // A malformed proxy variable stops here, before any ledger is touched.
  const proxy = apiUrl !== undefined ? proxyFor(apiUrl, env) : undefined;
  const ledger = locateLedger(flags, env);
  return deepFreeze({
    apiUrl,
    token: credentials?.source === 'token' ? credentials.token : undefined,
    credentials: credentials && { ...credentials },
    proxy: proxy && { ...proxy },
    ledgerPath: ledger.path,
    ledgerFrom: ledger.from,
    rate: flags.rate !== undefined ? parseRateSetting(flags.rate) : env.GENUIN_RATE?.trim() ? parseRateSetting(env.GENUIN_RATE, 'GENUIN_RATE') : parseRate(DEFAULTS.rate),
    maxRate: parseRate(flags.maxRate ?? DEFAULTS.maxRate, '--max-rate'),
    concurrency: parseCount(flags.concurrency ?? DEFAULTS.concurrency, '--concurrency', { min: 1, max: 1024 }),
    timeoutMs: parseDuration(flags.timeout ?? DEFAULTS.timeout, '--timeout'),
    retries: parseCount(flags.retries ?? DEFAULTS.retries, '--retries', { min: 0, max: 100 }),
    retryInDoubt: Boolean(flags.retryInDoubt),
    simulate,
    maxDurationMs: flags.maxDuration !== undefined ? parseDuration(flags.maxDuration, '--max-duration') : undefined,
    deriveChatIds: flags.derivedChatId !== false,
    retryGroup5xx: Boolean(flags.retryGroup5xx),
    expectExisting: Boolean(flags.expectExisting),
    chatIdSetting: chatIdSettingOf(flags, env),
    reuseSettled: !flags.full,
    limits: limitsFromEnv(env),
    log: logSettings(flags, env),
    progress: {
      // --quiet is about the terminal: a --log-file still gets its progress lines (progressMode).
      show: flags.progress !== false,
      intervalMs: parseDuration(flags.progressInterval ?? DEFAULTS.progressInterval, '--progress-interval'),
    },
    quiet: Boolean(flags.quiet),
  });
}

/** The chat_id profile a person gives: the flag wins over GENUIN_CHAT_ID_EXISTS (in the environment or .env). */
export function chatIdSettingOf(flags: Pick<RunFlags, 'chatIdExists'>, env: Record<string, string | undefined>): ChatIdProfile | undefined {
  if (flags.chatIdExists !== undefined) return parseChatIdSetting(flags.chatIdExists, '--chat-id-exists');
  const fromEnv = env[CHAT_ID_SETTING]?.trim();
  return fromEnv ? parseChatIdSetting(fromEnv, CHAT_ID_SETTING) : undefined;
}
