// A clock the test moves by hand: `sleep` resolves only when `advanceTo` passes its time, so
// pacing is tested without waiting on real time.
export function manualClock() {
  let t = 0;
  let timers: Array<{ at: number; wake: () => void }> = [];
  return {
    now: () => t,
    sleep: (ms: number) => new Promise<void>((resolve) => timers.push({ at: t + ms, wake: resolve })),
    /** Advances to `to`, waking each sleeper due on the way (and letting it re-sleep). */
    async advanceTo(to: number) {
      for (;;) {
        await new Promise((r) => setImmediate(r));
        const due = timers.filter((x) => x.at <= to).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((x) => x !== due);
        t = Math.max(t, due.at);
        due.wake();
      }
      t = to;
    },
  };
}
