// The Authentication API (POST /api/thirdparty/auth): which bodies get which documented error, and the
// tokens it issues, each good for `tokenTtlRequests` create requests so a client's refresh can be tested.
import { randomBytes } from 'node:crypto';
import { TRIGGERS } from './endpoints.js';
import { ANSWERS, type Answer } from './responses.js';

export const AUTH_PATH = '/api/thirdparty/auth';

/** The response header that carries a new token (the reference's `gn-access-token`). */
export const TOKEN_HEADER = 'gn-access-token';

export type AuthOutcome = { ok: true } | { ok: false; answer: Answer };

/**
 * The reference's errors: 400 1099 for a body that is not a JSON object (or a key/secret that is not a
 * string), 404 5235 for a missing, unknown or mismatched key/secret, 412 5166 for a key starting `sim-412-`.
 */
export function checkCredentials(body: Record<string, unknown> | null, apiKey: string, apiSecret: string): AuthOutcome {
  if (body === null) return { ok: false, answer: ANSWERS.authInvalid };
  const { api_key: key, api_secret: secret } = body;
  if ((key !== undefined && typeof key !== 'string') || (secret !== undefined && typeof secret !== 'string')) {
    return { ok: false, answer: ANSWERS.authInvalid };
  }
  if (typeof key === 'string' && key.startsWith(TRIGGERS.invalidUse)) return { ok: false, answer: ANSWERS.authInvalidUse };
  // A wrong secret is answered like an unknown key: the reference has no other code for it.
  if (key !== apiKey || secret !== apiSecret) return { ok: false, answer: ANSWERS.brandMissing };
  return { ok: true };
}

interface Issued {
  uses: number;
  expired: boolean;
}

/** Tokens handed out by the auth endpoint and how many create requests each has authorized. */
export class TokenIssuer {
  private readonly tokens = new Map<string, Issued>();

  /** A new token, unguessable (crypto, not the seeded stream: a token is a secret even here). */
  issue(): string {
    const token = `gn-sim-${randomBytes(24).toString('base64url')}`;
    this.tokens.set(token, { uses: 0, expired: false });
    return token;
  }

  /**
   * Whether `token` (one this issuer made) may authorize one more create request, counting it if so.
   * After `ttl` uses (null: no limit) it is expired for good, as a real expiry would be.
   */
  use(token: string, ttl: number | null): boolean {
    const entry = this.tokens.get(token);
    if (entry === undefined || entry.expired) return false;
    if (ttl !== null && entry.uses >= ttl) {
      entry.expired = true;
      return false;
    }
    entry.uses++;
    return true;
  }

  /** Every token issued so far answers 401 from now on. */
  expireAll(): void {
    for (const entry of this.tokens.values()) entry.expired = true;
  }
}
