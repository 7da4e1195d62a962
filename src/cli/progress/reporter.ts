// Shows a run's progress the way the place it runs in wants it: a live bar per kind on a
// terminal, or one plain log line every few seconds when nobody is watching (cron, CI, pipes).
import type { Logger } from '../../log.js';
import type { ProgressModel } from '../../run/progress.js';
import { barLines, progressFields, progressText } from './format.js';
import { LiveRegion } from './live-region.js';

/** How often the bar is redrawn: fast enough to look live, slow enough to cost nothing. */
const REDRAW_MS = 100;

export interface ProgressMode {
  /** Draw a live bar on stderr (a terminal). */
  live: boolean;
  /** Write a progress log line every `intervalMs`. */
  periodic: boolean;
  intervalMs: number;
  /** Colours in the bar. */
  color: boolean;
}

export interface ProgressModeInput {
  /** false with --no-progress. */
  progress: boolean;
  quiet: boolean;
  /** Logs go to a file (--log-file), not to the terminal. */
  logFile: boolean;
  intervalMs: number;
  env: Record<string, string | undefined>;
  /** Whether stderr is a terminal (default: process.stderr.isTTY). */
  isTTY?: boolean;
}

/**
 * A bar when stderr is a terminal that can move its cursor; log lines when it is not, and also
 * when the log goes to a file (so `tail -f` on it shows the pace). --no-progress turns both
 * off; --quiet is about the terminal only: it turns off the bar and the lines on stderr, while
 * a --log-file keeps its progress lines.
 */
export function progressMode(input: ProgressModeInput): ProgressMode {
  const on = input.progress;
  const tty = (input.isTTY ?? Boolean(process.stderr.isTTY)) && input.env.TERM !== 'dumb';
  return {
    live: on && !input.quiet && tty,
    periodic: on && (input.logFile || (!input.quiet && !tty)),
    intervalMs: input.intervalMs,
    // https://no-color.org: any non-empty value turns colour off.
    color: !input.env.NO_COLOR,
  };
}

export class ProgressReporter {
  /** Route every other terminal write through this while the bar is up (undefined: no bar). */
  readonly region?: LiveRegion;
  readonly #timers: NodeJS.Timeout[] = [];
  #model?: ProgressModel;
  #logger?: Logger;

  constructor(
    private readonly mode: ProgressMode,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    if (mode.live) this.region = new LiveRegion(stream);
  }

  /** Starts showing the model (log lines go to `logger`); nothing is shown when the run has nothing to send. */
  start(model: ProgressModel, logger: Logger): void {
    if (model.snapshot().kinds.length === 0) return;
    this.#model = model;
    this.#logger = logger;
    if (this.region) {
      this.#draw();
      this.#every(REDRAW_MS, () => this.#draw());
    }
    if (this.mode.periodic) this.#every(this.mode.intervalMs, () => this.#logLine());
  }

  /** Final frame, then the display becomes ordinary text. Safe to call more than once. */
  finish(): void {
    for (const t of this.#timers.splice(0)) clearInterval(t);
    if (this.#model && this.region) this.#draw();
    this.region?.close();
    this.#model = undefined;
  }

  #every(ms: number, fn: () => void): void {
    // unref: a timer must never keep a finished run's process alive.
    this.#timers.push(setInterval(fn, ms).unref());
  }

  #draw(): void {
    const figures = this.#model!.snapshot();
    this.region!.draw(barLines(figures, { columns: this.stream.columns || 80, color: this.mode.color }));
  }

  #logLine(): void {
    const figures = this.#model!.snapshot();
    this.#logger!.info(progressFields(figures), progressText(figures));
  }
}
