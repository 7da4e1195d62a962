// Preloaded (node --import) into every measured child: at exit it writes the process's own CPU
// time and peak RSS to $BENCH_PROBE, so a bench reads what that process alone cost.
import { writeFileSync } from 'node:fs';

const out = process.env.BENCH_PROBE;
if (out) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    const stats = { userUs: u.userCPUTime, systemUs: u.systemCPUTime, maxRssKB: u.maxRSS, uptimeMs: process.uptime() * 1000 };
    try {
      writeFileSync(out, JSON.stringify(stats));
    } catch {
      // a probe must never change how the measured process ends
    }
  });
}
