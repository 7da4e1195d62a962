// How fast to send: one controller for `--rate auto` and a fixed `--rate` alike. Clean answers
// raise the rate, an overload (a 429) cuts it relative to its own value, and it holds just under
// the limit it found. Pure arithmetic on an injected clock; the pacer (pacer.ts) applies it.
//
// Why these rules (the measurements behind them: BENCHMARKS.md, "What the rate control's
// rules rest on"; modelled in test/run/pacer-model.ts):
// - Until the first 429 of an auto run the start is a guess far below any limit, so the rate
//   doubles each second of clean answers (one fixed step would be too slow for 200/s or too
//   coarse for 5/s). The first overload halves it: doubling overshoots by about that much
//   against a burst of a second's tokens. Against a small burst it overshoots far less and the
//   halving leaves the run well under the limit, but it does not climb back (as a search from a
//   straight-down cut does, below): two auto runs sharing a token would lose their fair shares.
// - A fixed rate's first overload (no limit known) goes to what the clean answers since the
//   start show the server grants, counting its burst as at most a second's worth: at 10 × the
//   limit that is about the limit, so the refilled bucket after the pause meets no second round
//   of 429s (halving did: 5 × the limit). The flag's rate is taken at its word until then, with
//   no slow start: a run at a rate the API allows must reach it at once (BENCHMARKS.md, issue 22).
// - At a later overload the server has shown what it grants: the clean answers since the
//   previous one over the time since. That is a floor, exact only when the bucket never
//   filled meanwhile: a burst smaller than a Retry-After pause's refill wastes the rest of it,
//   so the count comes out near the burst. The cut is a tenth of the own rate, up to a fifth
//   when the server granted less; only a rate several times what was granted, and more than
//   the run was ever granted (a fixed --rate far too high), goes straight down to it, and
//   under 0.15 of it searches upwards again from there (the count may be one small burst);
//   that search's overload halves, then climbs back to 0.7 of where it met it. Cuts are
//   relative to the own rate, never to a floor, so two runs sharing one token both give way
//   and neither starves.
// - After a cut the rate holds, then probes upwards slowly and then faster (a limit raised
//   meanwhile is found again): a steady limit costs one short overload each 20 s or so, not one
//   every few seconds (each one a 429 and a Retry-After pause). Probe steps scale with the most
//   the run was ever granted, the same for two runs started together, so a run cut to a small
//   share catches up with a big one (AIMD's fairness) instead of keeping the ratio.

/**
 * The overload of a search started again by a straight-down cut halves the rate, then climbs
 * back (at CLIMB_PER_S) to this share of the rate that met it, to hold and probe there.
 */
const SEARCH_HOLD = 0.7;
/** ... and reports that level as the rate found once held this long without an overload. */
const CLIMB_CONFIRMED_MS = 10_000;
/** Later overloads leave at least this share ... */
const CUT_LEAST = 0.9;
/** ... and, near the limit, at most this much less. */
const CUT_DEEP = 0.8;
/** Granted less than this share of the own rate: far too high, cut to what was granted ... */
const OVERSHOOT = 0.3;
/** ... but never below this share of the own rate at once. */
const CUT_MOST = 0.1;
/** Granted less than this share of the own rate: the count may be a small burst's, search again from it. */
const SEARCH_AGAIN = 0.15;
/** A cut aims just under what the server granted. */
const UNDER_GRANTED = 0.97;
/** Clean answers between overloads before their count is trusted as the server's rate. */
const TRUSTED_ANSWERS = 4;
/** The first overload's estimate counts the server's burst as at most this much time's worth of its rate. */
const BURST_AT_MOST_MS = 1_000;
/** A first overload's estimate under this share of the own rate: likely a small burst, search upwards from the cut. */
const FIRST_SEARCH = 0.03;
/** A first overload this long after a start from a known limit is measured like later ones. */
const TRUSTED_FROM_START_MS = 10_000;
/** Back up to the hold level (after a start below it) at this share of the scale per second. */
const CLIMB_PER_S = 0.25;
/** Probe above the hold level at this share of the scale per second at first ... */
const PROBE_PER_S = 0.005;
/** ... doubling every this many ms of clean probing. */
const PROBE_DOUBLING_MS = 20_000;
/** Overloads granting within this share of the one before count as the same, steady limit ... */
const STEADY_WITHIN = 0.05;
/** ... and each one in a row halves the probing speed, down to 1/2^this. */
const MAX_STEADY = 3;
/** The start of an auto run doubles every this many ms of clean answers. */
const SEARCH_DOUBLING_MS = 1_000;
/** Answers this close together are a flow whatever the rate (see ok()). */
const FLOW_GAP_MS = 250;
/** No single answer moves the rate by more than this much time's worth (a quiet spell banks nothing). */
const MAX_STEP_MS = 1_000;
/** Answers are counted over this window: whether the pacer limits the run, and the rate granted. */
const WINDOW_MS = 2_000;

export interface RateControlOptions {
  /** The first rate, requests per second. */
  start: number;
  /** Never above this: `--rate`, or `--max-rate` with `--rate auto`. */
  max: number;
  /** Never below this. */
  min: number;
  /**
   * Whether `start` is a guess far below the limit, to be grown quickly until the first 429
   * (`--rate auto` without a rate recorded in the ledger).
   */
  search: boolean;
  /** A limit already known (the ledger's record): the rate holds just under it from the start. */
  limit?: number;
  now: () => number;
}

export class RateControl {
  readonly max: number;
  readonly min: number;
  readonly #now: () => number;
  #rate: number;
  #searching: boolean;
  /** The level to hold at: just under the limit found (or given); undefined before one is. */
  #hold: number | undefined;
  /**
   * After a search's overload, the level to climb back to above the hold. The hold stays the
   * scale of the steps: two runs that met the overload together climb alike.
   */
  #climbTo: number | undefined;
  /** When the rate reached #climbTo. */
  #climbedAt: number | undefined;
  #lastCutAt: number;
  #cleanSinceCut = 0;
  /** When the first clean answer came: the start of what the first overload's estimate counts. */
  #firstCleanAt: number | undefined;
  #cuts = 0;
  #lastStepAt: number;
  /** When the rate reached the hold level and began probing above it. */
  #probingSince: number | undefined;
  /** What the server granted at the last measured overload ... */
  #lastGranted: number | undefined;
  /** ... and how many overloads in a row granted about the same: the limit is steady. */
  #steady = 0;
  /** Times of recent answers, to tell whether the run sends as fast as the rate allows. */
  readonly #answers: number[] = [];
  #answersHead = 0;
  /** Times of recent clean answers, for the highest rate the server granted over a window. */
  readonly #clean: number[] = [];
  #cleanHead = 0;
  /** The highest rate granted over a whole window: the scale of this run's increases. */
  #granted = 0;
  readonly #startedAt: number;
  /** The limit came from the ledger: the first overload's count is trusted once long enough. */
  readonly #limitGiven: boolean;

  constructor(options: RateControlOptions) {
    this.max = options.max;
    this.min = Math.min(options.min, options.max);
    this.#now = options.now;
    this.#rate = clamp(options.start, this.min, this.max);
    this.#searching = options.search;
    this.#hold = options.limit !== undefined ? clamp(options.limit, this.min, this.max) : undefined;
    this.#limitGiven = options.limit !== undefined;
    this.#startedAt = this.#lastCutAt = this.#lastStepAt = this.#now();
  }

  /** Requests per second now. */
  get rate(): number {
    return this.#rate;
  }

  /**
   * The rate found: the level held just under the limit the server showed, or, before any 429,
   * the rate reached with clean answers (the limit is at least that).
   */
  get found(): number {
    if (this.#hold === undefined) return this.#rate;
    // The level climbed back to after a search counts once held clean for a while: above a
    // limit whose burst is a second's tokens, its overload comes within seconds.
    const held = this.#climbedAt !== undefined && this.#now() - this.#climbedAt >= CLIMB_CONFIRMED_MS;
    return held ? Math.max(this.#hold, Math.min(this.#rate, this.#climbTo ?? 0)) : this.#hold;
  }

  /** Whether an overload has been met (or a limit was known from the start). */
  get limited(): boolean {
    return this.#hold !== undefined;
  }

  /** Overloads met. */
  get cuts(): number {
    return this.#cuts;
  }

  /** A clean answer: the rate grows, by the rules above, while the run keeps up with it. */
  ok(): void {
    const now = this.#now();
    this.#cleanSinceCut++;
    this.#firstCleanAt ??= now;
    this.#answered(now);
    this.#clean.push(now);
    this.#cleanHead = prune(this.#clean, this.#cleanHead, now);
    if (now - this.#startedAt >= WINDOW_MS) this.#granted = Math.max(this.#granted, ((this.#clean.length - this.#cleanHead) * 1000) / WINDOW_MS);
    // Growth follows a flow of answers: the first one after a quiet spell (a pause, an idle
    // plan) says nothing about the rate, or the spell would be banked as growth. A short gap
    // (answers arriving in batches from a busy event loop or a slow fsync) is still flow.
    const since = now - this.#lastStepAt;
    const dt = since > 0 && since <= Math.max(2000 / this.#rate, FLOW_GAP_MS) ? Math.min(since, MAX_STEP_MS) : 0;
    this.#lastStepAt = now;
    if (this.#rate >= this.max || dt === 0) return;
    // A run held back by its concurrency or its plan (not by this rate) learns nothing about
    // the server from clean answers: growing on them would bank a burst for later.
    if (this.#appLimited(now)) return;
    let next: number;
    const hold = this.#hold;
    if (this.#searching || hold === undefined) {
      next = this.#rate * 2 ** (dt / SEARCH_DOUBLING_MS);
    } else {
      // Steps scale with the most this run was ever granted over a window, not with its share
      // now: two runs on one token then climb by the same amount, and the one cut to a small
      // share gains on the big one at each overload (AIMD's fairness) instead of keeping its ratio.
      const scale = Math.max(hold, this.#granted);
      const level = Math.max(hold, this.#climbTo ?? 0);
      if (this.#rate < level) {
        next = Math.min(level, this.#rate + CLIMB_PER_S * scale * (dt / 1000));
        if (next >= level) {
          this.#probingSince = now;
          if (this.#climbTo !== undefined) this.#climbedAt = now;
        }
      } else {
        this.#probingSince ??= now;
        // A limit met at the same rate overload after overload is probed ever more gently: holding
        // just under it is the point, and each probe that finds it again costs a 429.
        const speed = (PROBE_PER_S * 2 ** ((now - this.#probingSince) / PROBE_DOUBLING_MS)) / 2 ** Math.min(this.#steady, MAX_STEADY);
        next = this.#rate + speed * scale * (dt / 1000);
      }
    }
    this.#rate = Math.min(this.max, next);
  }

  /** A 429 answer that is not news (the pacer decides): counted as an answer, nothing more. */
  refused(): void {
    this.#answered(this.#now());
  }

  /**
   * An overload (the pacer calls this once per overload, not for each 429 answering it): the
   * rate drops by the rules above and holds there.
   */
  cut(): void {
    const now = this.#now();
    this.#answered(now);
    const elapsed = now - this.#lastCutAt;
    // Counted from the start, the server's burst allowance inflates the count: only a long
    // stretch dilutes it enough, and only a start near the limit makes one.
    const measured = this.#cuts > 0 || (this.#limitGiven && elapsed >= TRUSTED_FROM_START_MS);
    const granted = measured && this.#cleanSinceCut >= TRUSTED_ANSWERS && elapsed > 0 ? (this.#cleanSinceCut / elapsed) * 1000 : undefined;
    const fromStart = granted === undefined && this.#cuts === 0 ? this.#grantedFromStart(now) : undefined;
    let searchAgain = false;
    let climbTo: number | undefined;
    if (this.#searching) {
      // A search's overload: the rate doubled past the limit within the last second or so,
      // overshooting by up to half against a bucket whose burst is a second of its rate, by
      // far less against a small burst (nothing seen so far tells the two apart). Halve. A
      // search started again from a straight-down cut (one run, a fixed rate) then climbs
      // back to SEARCH_HOLD of it: just under a small burst's limit; over a large one's, where
      // the next overload comes within seconds and returns to the halving.
      if (this.#cuts > 0) climbTo = this.#rate * SEARCH_HOLD;
      this.#rate = this.#rate / 2;
    } else if (this.#climbTo !== undefined && (this.#climbedAt === undefined || now - this.#climbedAt < CLIMB_CONFIRMED_MS)) {
      // Met on the way back up (or soon after): the search overshot a burst of a second's
      // tokens, or another run shares the token, and halving was right. Back to it.
      this.#rate = this.#hold ?? this.#rate / 2;
    } else if (granted === undefined && this.#lastGranted !== undefined) {
      // Too few answers since the last cut to measure a rate by, but a limit was measured
      // before: hit again right after a pause, often bad luck against another run's traffic.
      // A tenth, like any cut near the limit: halving would leave the unlucky one of two runs
      // a fraction of the other's share.
      this.#rate = this.#rate * CUT_LEAST;
    } else if (fromStart !== undefined) {
      // The first overload of a fixed rate: the clean answers since the start, less a burst of
      // at most a second's worth, are what the server grants at least. Going there at once
      // (never below a tenth of the own rate: CUT_MOST) leaves no second overload: halving from
      // 10 × the limit met the bucket refilled by the pause at 5 × it, for a second round of
      // 429s as large as the first but one (BENCHMARKS.md, issue 22). Below FIRST_SEARCH of the
      // own rate the count is more likely a small burst than a second of the limit: search.
      searchAgain = fromStart < this.#rate * FIRST_SEARCH;
      this.#rate = clamp(fromStart * UNDER_GRANTED, this.#rate * CUT_MOST, this.#rate * CUT_LEAST);
    } else if (granted === undefined) {
      // No limit measured yet, and too few answers since the start to estimate one: halve.
      this.#rate = this.#rate / 2;
    } else if (granted < this.#rate * OVERSHOOT && this.#rate > this.#granted) {
      // Sending several times what is granted: a fixed --rate far too high. Not when the run
      // was granted its rate before: then another run on the token took the room meanwhile
      // (during this run's own Retry-After pause, say), and going straight down would starve it.
      // Far below even that, the count may be only the burst a small bucket held after the
      // pause: what was granted is a floor, and the run searches upwards from it.
      searchAgain = granted < this.#rate * SEARCH_AGAIN;
      this.#rate = Math.max(this.#rate * CUT_MOST, granted * UNDER_GRANTED);
    } else {
      // Near the limit: a tenth off, or up to a fifth when the server granted less than that.
      this.#rate = clamp(granted * UNDER_GRANTED, this.#rate * CUT_DEEP, this.#rate * CUT_LEAST);
    }
    this.#rate = clamp(this.#rate, this.min, this.max);
    if (granted !== undefined) {
      const same = this.#lastGranted !== undefined && Math.abs(granted / this.#lastGranted - 1) <= STEADY_WITHIN;
      this.#steady = same ? this.#steady + 1 : 0;
      this.#lastGranted = granted;
    }
    this.#hold = this.#rate;
    this.#climbTo = climbTo === undefined ? undefined : Math.min(climbTo, this.max);
    this.#climbedAt = undefined;
    this.#searching = searchAgain;
    this.#cuts++;
    this.#cleanSinceCut = 0;
    this.#lastCutAt = now;
    this.#lastStepAt = now;
    this.#probingSince = now;
  }

  /**
   * At the first overload: what the server granted at least since the first clean answer,
   * counting its burst as at most a second's worth of its rate (B ≤ L, so L ≥ n / (1 s + t)).
   * A long run dilutes the burst; a run cut 0.1 s in (10 × the limit, burst L) gets about L.
   * Undefined with too few answers to count by.
   */
  #grantedFromStart(now: number): number | undefined {
    if (this.#firstCleanAt === undefined || this.#cleanSinceCut < TRUSTED_ANSWERS) return undefined;
    return (this.#cleanSinceCut * 1000) / (BURST_AT_MOST_MS + now - this.#firstCleanAt);
  }

  #answered(now: number): void {
    this.#answers.push(now);
    this.#answersHead = prune(this.#answers, this.#answersHead, now);
  }

  /** Fewer answers over the last window than a quarter of what the rate allows. */
  #appLimited(now: number): boolean {
    const span = Math.min(WINDOW_MS, now - this.#startedAt);
    if (span < FLOW_GAP_MS) return false;
    const expected = (this.#rate * span) / 1000;
    if (expected < 8) return false; // too few to tell at low rates
    return this.#answers.length - this.#answersHead < expected / 4;
  }
}

/** Moves `head` past the times older than one window; drops them now and then. Returns the new head. */
function prune(times: number[], head: number, now: number): number {
  while (head < times.length && times[head]! < now - WINDOW_MS) head++;
  // Drop the consumed head now and then, so the array stays the size of one window.
  if (head > 1024 && head * 2 > times.length) {
    times.splice(0, head);
    return 0;
  }
  return head;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
