// Clocks for pacing tests, so nothing waits on real time: one whose `sleep` advances time at
// once (exact and instant), and one the test moves by hand (`advanceTo` wakes sleepers).

/** Sleeping advances time; `advance` moves it without a sleeper (an answer arriving meanwhile). */
export function fakeClock() {
  let t = 0;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
    advance: (ms: number) => void (t += ms),
  };
}

/** `sleep` resolves only when `advanceTo` passes its time. */
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
