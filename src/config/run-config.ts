// Flags and environment, normalised once into a frozen RunConfig. Flags override the
// environment, the environment overrides `.env`. The token is only ever read from the
// environment or `.env`: there is no flag for it, so it never lands in shell history or `ps`.
import { ConfigError } from '../errors.js';
import { credentialsFromEnv, type Credentials } from '../api/token-source.js';
import { checkApiUrl } from './api-target.js';
import { parseCount, parseDuration, parseRate } from './parse.js';

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
  /** Results ledger path (--ledger, GENUIN_LEDGER). */
  readonly ledgerPath: string;
  /** Requests per second at most (--rate). */
  readonly rate: number;
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
}

export const DEFAULTS = {
  ledger: './genuin-ledger.jsonl',
  /** A rehearsal must never share a ledger with real runs: its ids are fake. */
  simulateLedger: './genuin-ledger.simulate.jsonl',
  rate: '10/s',
  concurrency: '8',
  timeout: '30s',
  retries: '5',
  /** Pace of the progress log lines when nobody watches a terminal (cron, CI, pipes). */
  progressInterval: '10s',
} as const;

/** Flag values as commander hands them over (strings, booleans). */
export interface RunFlags {
  ledger?: string;
  rate?: string;
  concurrency?: string;
  timeout?: string;
  retries?: string;
  retryInDoubt?: boolean;
  simulate?: boolean;
  maxDuration?: string;
  /** false with --no-derived-chat-id. */
  derivedChatId?: boolean;
  retryGroup5xx?: boolean;
}

export function resolveRunConfig(flags: RunFlags, env: Record<string, string | undefined>, needApi: boolean): RunConfig {
  const simulate = Boolean(flags.simulate);
  let apiUrl: string | undefined;
  let credentials: Credentials | undefined;
  if (!simulate && needApi) {
    apiUrl = env.GENUIN_API_URL?.trim();
    if (!apiUrl) throw new ConfigError('GENUIN_API_URL is not set: set it (in the environment or .env), or use --simulate to rehearse against the built-in simulator');
    checkApiUrl(apiUrl);
    credentials = credentialsFromEnv(env);
  }
  const ledgerPath = flags.ledger ?? (simulate ? DEFAULTS.simulateLedger : env.GENUIN_LEDGER?.trim() || DEFAULTS.ledger);
  return Object.freeze({
    apiUrl,
    token: credentials?.source === 'token' ? credentials.token : undefined,
    credentials,
    ledgerPath,
    rate: parseRate(flags.rate ?? DEFAULTS.rate),
    concurrency: parseCount(flags.concurrency ?? DEFAULTS.concurrency, '--concurrency', { min: 1, max: 1024 }),
    timeoutMs: parseDuration(flags.timeout ?? DEFAULTS.timeout, '--timeout'),
    retries: parseCount(flags.retries ?? DEFAULTS.retries, '--retries', { min: 0, max: 100 }),
    retryInDoubt: Boolean(flags.retryInDoubt),
    simulate,
    maxDurationMs: flags.maxDuration !== undefined ? parseDuration(flags.maxDuration, '--max-duration') : undefined,
    deriveChatIds: flags.derivedChatId !== false,
    retryGroup5xx: Boolean(flags.retryGroup5xx),
  });
}
