// Where the gn-access-token comes from: a fixed GENUIN_ACCESS_TOKEN, the Authentication API with
// GENUIN_API_KEY + GENUIN_API_SECRET, or GENUIN_ACCESS_TOKEN_COMMAND; chosen by the environment only.
import type { Agents } from 'got';
import * as z from 'zod';
import { lazy } from '../lazy.js';
import { AuthError, ConfigError } from '../errors.js';
import { runTokenCommand, tokenFault } from './token-command.js';

export const credentialsSchema = lazy(() => z.discriminatedUnion('source', [
  /** GENUIN_ACCESS_TOKEN: sent as is; a 401 ends the run. */
  z.strictObject({ source: z.literal('token'), token: z.string().min(1) }),
  /** GENUIN_API_KEY + GENUIN_API_SECRET: tokens from POST /api/thirdparty/auth. */
  z.strictObject({ source: z.literal('api-key'), apiKey: z.string().min(1), apiSecret: z.string().min(1) }),
  /** GENUIN_ACCESS_TOKEN_COMMAND: tokens from a command's stdout. */
  z.strictObject({ source: z.literal('command'), command: z.string().min(1) }),
]));
export type Credentials = z.infer<ReturnType<typeof credentialsSchema>>;

/** The variables each source reads, in the words errors use. */
const VARIABLES = {
  token: 'GENUIN_ACCESS_TOKEN',
  'api-key': 'GENUIN_API_KEY and GENUIN_API_SECRET',
  command: 'GENUIN_ACCESS_TOKEN_COMMAND',
} as const;

/**
 * The one token source the environment (or .env) sets. An empty variable counts as unset (a copied
 * .env.example has `GENUIN_ACCESS_TOKEN=`). Errors name variables, never values.
 */
const CREDENTIAL_NAMES = new Set(['GENUIN_ACCESS_TOKEN', 'GENUIN_API_KEY', 'GENUIN_API_SECRET', 'GENUIN_ACCESS_TOKEN_COMMAND']);

/**
 * A variable that looks meant as a credential but is not one of ours (GENUIN_TOKEN,
 * GENUIN_API_TOKEN, genuin_access_token, GENUINE_API_SECRET…), with the name it was probably
 * meant as: a token set under another name is otherwise "not set" with no clue why. Names only.
 */
export function misnamedCredential(env: Record<string, string | undefined>): { name: string; meant: string } | undefined {
  for (const [name, value] of Object.entries(env)) {
    if (!value?.trim() || CREDENTIAL_NAMES.has(name) || !/^(?:GENUINE?|GN)_/i.test(name)) continue;
    const upper = name.toUpperCase();
    if (CREDENTIAL_NAMES.has(upper)) return { name, meant: upper };
    if (/SECRET/.test(upper)) return { name, meant: 'GENUIN_API_SECRET' };
    if (/TOKEN/.test(upper) && /COMMAND|CMD/.test(upper)) return { name, meant: 'GENUIN_ACCESS_TOKEN_COMMAND' };
    if (/TOKEN/.test(upper)) return { name, meant: 'GENUIN_ACCESS_TOKEN' };
    if (/(?:^|_)(?:API_)?KEY$/.test(upper)) return { name, meant: 'GENUIN_API_KEY' };
  }
  return undefined;
}

export function credentialsFromEnv(env: Record<string, string | undefined>): Credentials {
  const value = (name: string) => env[name]?.trim() || undefined;
  const token = value('GENUIN_ACCESS_TOKEN');
  const apiKey = value('GENUIN_API_KEY');
  const apiSecret = value('GENUIN_API_SECRET');
  const command = value('GENUIN_ACCESS_TOKEN_COMMAND');
  const set = [token && 'GENUIN_ACCESS_TOKEN', apiKey && 'GENUIN_API_KEY', apiSecret && 'GENUIN_API_SECRET', command && 'GENUIN_ACCESS_TOKEN_COMMAND'].filter(
    (name): name is string => Boolean(name),
  );
  const sources = Number(Boolean(token)) + Number(Boolean(apiKey || apiSecret)) + Number(Boolean(command));
  if (sources > 1) {
    throw new ConfigError(
      `more than one way to get the access token is set (${set.join(', ')}): keep one of GENUIN_ACCESS_TOKEN, GENUIN_API_KEY + GENUIN_API_SECRET, GENUIN_ACCESS_TOKEN_COMMAND (check the environment and .env)`,
    );
  }
  if (token) {
    const fault = tokenFault(token);
    if (fault) throw new ConfigError(`GENUIN_ACCESS_TOKEN is not a usable token (${fault})`);
    return { source: 'token', token };
  }
  if (apiKey && apiSecret) return { source: 'api-key', apiKey, apiSecret };
  if (apiKey) throw new ConfigError('GENUIN_API_KEY is set but GENUIN_API_SECRET is not: native authentication needs both (in the environment or .env, never on the command line)');
  if (apiSecret) throw new ConfigError('GENUIN_API_SECRET is set but GENUIN_API_KEY is not: native authentication needs both (in the environment or .env, never on the command line)');
  if (command) return { source: 'command', command };
  const near = misnamedCredential(env);
  if (near) throw new ConfigError(`GENUIN_ACCESS_TOKEN is not set, but ${near.name} is: did you mean ${near.meant}? (rename it in the environment or .env; the tool reads only GENUIN_ACCESS_TOKEN, GENUIN_API_KEY + GENUIN_API_SECRET or GENUIN_ACCESS_TOKEN_COMMAND)`);
  throw new ConfigError(
    'GENUIN_ACCESS_TOKEN is not set: put the gn-access-token in the environment or in .env (never on the command line); or set GENUIN_API_KEY and GENUIN_API_SECRET to have the tool obtain tokens itself, or GENUIN_ACCESS_TOKEN_COMMAND to a command that prints one',
  );
}

/** The token the client sends, and a way to get a new one after a 401. */
export interface TokenSource {
  /** The token to send now. Throws before the first token is obtained (a bug: call refresh() first). */
  current(): string;
  /**
   * Obtains a new token. Concurrent calls share one request (many 401s at once cost one). Rejects with
   * an AuthError (exit 3) when no token can be had; after that, every call rejects with the same
   * error without trying again (the run is stopping). A source that cannot refresh always rejects.
   */
  refresh(): Promise<void>;
  /** False for a fixed GENUIN_ACCESS_TOKEN: a 401 then ends the run. */
  readonly refreshable: boolean;
  /** Where tokens come from (a variable's name), for messages. */
  readonly variable: string;
  /** Tokens obtained so far. */
  readonly obtained: number;
}

export interface TokenSourceContext {
  /** API base URL (the auth endpoint is under it). */
  baseUrl: string;
  /** Timeout of one auth request, in ms. */
  timeoutMs: number;
  /** The agents the create requests use (proxy support), for the auth request. */
  agent?: Agents;
  /** The proxy those agents go through, named in what a refused tunnel is told in. */
  proxy?: URL;
  /** Timeout of the token command, in ms. Default 30 s. */
  commandTimeoutMs?: number;
  /** Each token obtained (1 for the first): for a log line that names the source, never the token. */
  onObtained?: (count: number, variable: string) => void;
}

/** A source for `credentials`; nothing is fetched until refresh() (a fixed token is ready at once). */
export function createTokenSource(credentials: Credentials, context: TokenSourceContext): TokenSource {
  switch (credentials.source) {
    case 'token':
      return new FixedToken(credentials.token);
    case 'api-key':
      // auth.ts loads got: only a run that fetches a token pays for it, not every command's configuration.
      return new FetchedToken(VARIABLES['api-key'], context.onObtained, async () =>
        (await import('./auth.js')).authenticate({ baseUrl: context.baseUrl, apiKey: credentials.apiKey, apiSecret: credentials.apiSecret, timeoutMs: context.timeoutMs, agent: context.agent, proxy: context.proxy }),
      );
    case 'command':
      return new FetchedToken(VARIABLES.command, context.onObtained, async () => runTokenCommand(credentials.command, { timeoutMs: context.commandTimeoutMs }));
  }
}

/** createTokenSource, then the first token: what a run does before it sends anything. */
export async function openTokenSource(credentials: Credentials, context: TokenSourceContext): Promise<TokenSource> {
  const source = createTokenSource(credentials, context);
  if (source.refreshable) await source.refresh();
  return source;
}

class FixedToken implements TokenSource {
  readonly refreshable = false;
  readonly variable = VARIABLES.token;
  readonly obtained = 1;
  readonly #token: string;

  constructor(token: string) {
    this.#token = token;
  }

  current(): string {
    return this.#token;
  }

  refresh(): Promise<void> {
    return Promise.reject(new AuthError('the API rejected GENUIN_ACCESS_TOKEN (HTTP 401): put a fresh gn-access-token in GENUIN_ACCESS_TOKEN'));
  }

  toJSON(): unknown {
    return { source: 'token' };
  }
}

class FetchedToken implements TokenSource {
  readonly refreshable = true;
  #token: string | undefined;
  #pending: Promise<void> | undefined;
  #obtained = 0;
  /** A failed refresh stops the run: later 401s of requests in flight must not run the command (or log in) again. */
  #failed: Promise<void> | undefined;

  constructor(
    readonly variable: string,
    private readonly onObtained: TokenSourceContext['onObtained'],
    private readonly fetchToken: () => Promise<string>,
  ) {}

  get obtained(): number {
    return this.#obtained;
  }

  current(): string {
    if (this.#token === undefined) throw new Error(`no token from ${this.variable} yet`);
    return this.#token;
  }

  refresh(): Promise<void> {
    if (this.#failed) return this.#failed;
    this.#pending ??= this.fetchToken()
      .then((token) => {
        const fault = tokenFault(token);
        if (fault) throw new AuthError(`the token obtained through ${this.variable} is not usable in an Authorization header (${fault})`);
        this.#token = token;
        this.#obtained++;
        this.onObtained?.(this.#obtained, this.variable);
      })
      .catch((error: unknown) => {
        this.#failed = Promise.reject(error);
        this.#failed.catch(() => {}); // held for later callers, not unhandled
        throw error;
      })
      .finally(() => {
        this.#pending = undefined;
      });
    return this.#pending;
  }

  toJSON(): unknown {
    return { source: this.variable };
  }
}
