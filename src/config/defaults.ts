// The defaults of every run setting, in one small module: the CLI's help text reads them at
// start-up without loading what resolving a run needs (got, the proxy agent, zod, tokens).
export const DEFAULTS = {
  ledger: './genuin-ledger.jsonl',
  /** A rehearsal must never share a ledger with real runs: its ids are fake. */
  simulateLedger: './genuin-ledger.simulate.jsonl',
  rate: '10/s',
  /** `--rate auto` never goes above this, whatever the server allows. */
  maxRate: '500/s',
  concurrency: '8',
  timeout: '30s',
  retries: '5',
  /** Pace of the progress log lines when nobody watches a terminal (cron, CI, pipes). */
  progressInterval: '10s',
} as const;
