// Answers that are about the setup, not the item, and the error each stops the run with: a
// 404 without the API's own error codes before anything looked like the API (a wrong base
// URL: every item would fail), rejected credentials, a TLS certificate this machine does not trust.
import { isDocumentedCode, type Outcome } from '../api/outcome.js';
import { AuthError, ConnectionError, type GenuinError } from '../errors.js';

export class SetupCheck {
  /** Some answer looked like the Genuin API (a success, or one of its documented codes). */
  #apiSeen = false;

  /** `apiBaseHint`: the base URL to suggest when the configured one answers like a web server. */
  constructor(private readonly apiBaseHint?: string) {}

  /** The outcome as the run must take it: a wrong base URL becomes fatal. */
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
    const code = 'code' in outcome ? outcome.code : undefined;
    if (outcome.type === 'created' || outcome.type === 'exists' || isDocumentedCode(code)) this.#apiSeen = true;
    return outcome;
  }
}

/** The error a fatal answer stops the run with: what happened, and the one fix. */
export function fatalError(outcome: Extract<Outcome, { type: 'fatal' }>): GenuinError {
  switch (outcome.reason) {
    case 'auth':
      return new AuthError(`${outcome.message}: check the credentials (GENUIN_ACCESS_TOKEN, GENUIN_API_KEY and GENUIN_API_SECRET, or GENUIN_ACCESS_TOKEN_COMMAND); run stopped, nothing more sent`);
    case 'tls':
      return new ConnectionError(
        `TLS certificate not trusted (${outcome.message}): this machine does not trust the certificate the API (or a proxy) presents. If a private CA signs it, give that CA: NODE_EXTRA_CA_CERTS=/path/ca.pem; run stopped, nothing more sent`,
      );
    case 'api-url':
      return new ConnectionError(`${outcome.message}; run stopped, nothing more sent`);
  }
}
