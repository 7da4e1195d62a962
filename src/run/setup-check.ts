// Answers that are about the setup, not the item, and the error each stops the run with: a
// 404 without the API's own error codes before anything looked like the API (a wrong base
// URL: every item would fail), rejected credentials, a TLS certificate this machine does not
// trust, a proxy that refuses the tunnel, an API host DNS does not know, an API no request reaches.
import { isDocumentedCode, type Outcome } from '../api/outcome.js';
import { setupFaultText, transportWords } from '../api/setup-fault.js';
import { AuthError, ConnectionError, type GenuinError } from '../errors.js';

type Fatal = Extract<Outcome, { type: 'fatal' }>;

export class SetupCheck {
  /** Some answer looked like the Genuin API (a success, or one of its documented codes). */
  #apiSeen = false;
  /** HTTP answers of any kind received in this run (a 429 and a 503 included). */
  #answers = 0;

  /** `apiBaseHint`: the base URL to suggest when the configured one answers like a web server. */
  constructor(private readonly apiBaseHint?: string) {}

  /** HTTP answers so far: an item notes it when it starts, for `unreachable`. */
  get answers(): number {
    return this.#answers;
  }

  /** The outcome as the run must take it: a wrong base URL, or an API host DNS does not know, becomes fatal. */
  judge(outcome: Outcome): Outcome {
    if (outcome.type === 'failed' && outcome.status === 404 && !isDocumentedCode(outcome.code) && !this.#apiSeen) {
      const hint = this.apiBaseHint ? `: try ${this.apiBaseHint}` : ' (give the scheme and host only, such as https://api.example.com, without /api/thirdparty)';
      return {
        type: 'fatal',
        status: 404,
        reason: 'api-url',
        message: `HTTP 404 without one of the API's own error codes: GENUIN_API_URL does not look like the Genuin API base${hint}`,
      };
    }
    // A host name DNS does not know, before anything answered: a misspelt GENUIN_API_URL, or a
    // VPN that is down. Later in a run it is more likely a passing resolver fault: retried.
    if (outcome.type === 'retry' && outcome.status === undefined && outcome.code === 'ENOTFOUND' && this.#answers === 0) {
      return { type: 'fatal', code: outcome.code, reason: 'dns', message: outcome.message };
    }
    if (isAnswer(outcome)) this.#answers++;
    const code = 'code' in outcome ? outcome.code : undefined;
    if (outcome.type === 'created' || outcome.type === 'exists' || isDocumentedCode(code)) this.#apiSeen = true;
    return outcome;
  }

  /**
   * The rule for an API no request reaches (connection refused, a proxy answering 502 to CONNECT,
   * timeouts): an item whose every attempt, retries included, got no HTTP answer, while no other
   * request got one either since the item started, stops the run. A passing outage shorter than
   * one item's retries (its backoff, --retries) is waited out; one that outlasts them is not
   * reported item by item for the rest of the night. `answersAtStart`: `answers` when the item started.
   */
  unreachable(last: Extract<Outcome, { type: 'retry' }>, answersAtStart: number): Fatal | undefined {
    if (last.status !== undefined || this.#answers !== answersAtStart) return undefined;
    return { type: 'fatal', code: last.code, reason: 'unreachable', message: last.message };
  }
}

/** An HTTP answer, whatever it said (a network failure is none). */
function isAnswer(outcome: Outcome): boolean {
  return outcome.type === 'created' || outcome.type === 'exists' || outcome.type === 'throttled' || outcome.status !== undefined;
}

/** The error a fatal answer stops the run with: what happened, and the one fix. */
export function fatalError(outcome: Fatal): GenuinError {
  const stopped = '; run stopped, nothing more sent';
  switch (outcome.reason) {
    case 'auth':
      return new AuthError(`${outcome.message}: check the credentials (GENUIN_ACCESS_TOKEN, GENUIN_API_KEY and GENUIN_API_SECRET, or GENUIN_ACCESS_TOKEN_COMMAND)${stopped}`);
    case 'api-url':
      return new ConnectionError(`${outcome.message}${stopped}`);
    case 'tls':
      return new ConnectionError(`${setupFaultText(outcome.reason, outcome.message)}${stopped}`);
    case 'proxy':
    case 'dns':
    case 'unreachable':
      return new ConnectionError(`${setupFaultText(outcome.reason, wordsOf(outcome))}${stopped}`);
  }
}

/** A network outcome's message is `CODE: text`: in words (the proxy's is a sentence of the client's already). */
function wordsOf(outcome: Fatal): string {
  const prefix = `${outcome.code}: `;
  if (!outcome.code || !outcome.message.startsWith(prefix)) return outcome.message;
  const text = outcome.message.slice(prefix.length);
  return outcome.reason === 'proxy' ? text : transportWords(outcome.code, text);
}
