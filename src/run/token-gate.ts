// What a run does about expired tokens: on a 401 (which created nothing) a new token once,
// shared by every request refused together, then the refused requests again; a 401 with the
// token a 401 just brought, before anything got through with it, means that token is refused too.
import type { Outcome } from '../api/outcome.js';

export class TokenGate {
  /** Bumped by each refresh: a 401 for a request sent with an older token needs none. */
  #generation = 0;
  #refreshing: Promise<void> | undefined;
  /** The current token came from a refresh after a 401 ... */
  #freshFrom401 = false;
  /** ... and some request has since been answered with something other than 401. */
  #worked = false;

  /** `refresh` gets a new token into the client; without one, a 401 stops the run. */
  constructor(private readonly refresh?: () => Promise<void>) {}

  get canRefresh(): boolean {
    return this.refresh !== undefined;
  }

  /** The token generation a request is sent with (read right before sending). */
  get generation(): number {
    return this.#generation;
  }

  /** Every answer: anything but a 401 shows the current token works. */
  answered(outcome: Outcome): void {
    if (outcome.type !== 'fatal' || outcome.status !== 401) this.#worked = true;
  }

  /** After a 401 for a request sent with `sentWith`: true once a new token is in place to resend with. */
  async refreshed(sentWith: number): Promise<boolean> {
    const refresh = this.refresh;
    if (!refresh) return false;
    if (sentWith < this.#generation) return true; // another request refreshed it meanwhile
    if (this.#refreshing) {
      await this.#refreshing;
      return true;
    }
    if (this.#freshFrom401 && !this.#worked) return false;
    this.#refreshing = (async () => {
      try {
        await refresh();
      } finally {
        this.#refreshing = undefined;
      }
    })();
    await this.#refreshing;
    this.#generation++;
    this.#freshFrom401 = true;
    this.#worked = false;
    return true;
  }
}
