// The command line's grammar: every command, its arguments, flags and help text, one function
// per command (as changesets keeps one folder per command). What a command does is in
// commands/<name>.ts, imported only when it runs; main.ts runs the program and maps errors to exit codes.
import { Command, Option } from 'commander';
import type { ExitCode } from '../errors.js';
import { DEFAULTS } from '../config/defaults.js';
import { loadEnvironment } from './environment.js';
import type { Output } from './output.js';
import { toolVersion } from './version.js';
import { writeIfOpen } from '../stdio.js';

// Each command is imported when it runs: start-up stays quick (a cron run with nothing to do,
// or --help) instead of loading got, the loaders and the simulator for every invocation.
const commands = {
  validate: () => import('./commands/validate.js'),
  plan: () => import('./commands/plan.js'),
  apply: () => import('./commands/apply.js'),
  report: () => import('./commands/report.js'),
  simulate: () => import('./commands/simulate.js'),
  probe: () => import('./commands/probe.js'),
  ledger: () => import('./commands/ledger.js'),
  // Apart from the other ledger verbs: resolving loads the decision files' readers (yaml among them).
  ledgerResolve: () => import('./commands/ledger-resolve.js'),
  ledgerShow: () => import('./commands/ledger-show.js'),
  demo: () => import('./commands/demo.js'),
};

const EXAMPLES = `
Examples:
  $ genuin-provision validate manifests/example.yaml
  $ genuin-provision plan defaults.yaml communities.csv groups.csv --detail
  $ genuin-provision apply manifests/example.yaml --simulate        # rehearse against the built-in simulator
  $ GENUIN_API_URL=https://api.example.com genuin-provision apply brand.yaml --rate 5/s
  $ genuin-provision report --format csv --bom --out created.csv    # for Excel / Google Sheets
  $ genuin-provision report --failed --out fix.csv brand.yaml       # failed rows to fix, then: apply fix.csv

Environment (or a .env file in the working directory):
  GENUIN_API_URL        API base URL (https; plain http only to loopback)
  GENUIN_ACCESS_TOKEN   the gn-access-token (never accepted as a flag), or instead:
  GENUIN_API_KEY, GENUIN_API_SECRET   the tool gets a token itself, and a new one when it expires
  GENUIN_ACCESS_TOKEN_COMMAND         a command whose output is the token (run again when it expires)
  HTTPS_PROXY, HTTP_PROXY, NO_PROXY   a proxy to reach the API through (lower case too)
  GENUIN_LEDGER         results ledger: a file (default ${DEFAULTS.ledger}, in the working directory), or postgres://user@host/db (password: PGPASSWORD, in .env too, or ~/.pgpass)
  LOG_LEVEL             trace|debug|info|warn|error|silent (default info)
  NO_COLOR              set to anything: no colours in the progress bar and logs

Exit codes: 0 all done · 1 some items failed, blocked or in doubt · 2 bad usage or invalid manifest (nothing sent) · 3 aborted (credentials rejected, ledger locked or unreadable, interrupted) · 4 apply --skip-if-locked: another run holds the ledger, nothing done`;

/** What every command's action needs from the run of the program. */
interface Context {
  out: Output;
  setCode: (c: ExitCode) => void;
  /** The command's whole job is its output: a closed stdout ends it quietly. */
  outputOnly: () => void;
  /** The environment, `.env` included, read when a command runs. */
  env: () => ReturnType<typeof loadEnvironment>;
}

const logLevelOption = () => new Option('--log-level <level>', 'log level (default: LOG_LEVEL or info)').choices(['trace', 'debug', 'info', 'warn', 'error', 'silent']);
const ledgerOption = () => new Option('--ledger <file|url>', `results ledger: a file, or a postgres:// URL for a shared PostgreSQL ledger (default: GENUIN_LEDGER or ${DEFAULTS.ledger}; with --simulate ${DEFAULTS.simulateLedger})`);
const chatIdExistsOption = () =>
  new Option(
    '--chat-id-exists <answer>',
    'what this API answers to a group create whose chat_id it already holds, as genuin-provision probe found it: <status>:<code>, <status>, or none (GENUIN_CHAT_ID_EXISTS); recorded in the ledger. RISKY if wrong: a lost answer is then resent',
  );
const kindOption = () => new Option('--kind <kind>', 'the item\'s kind, when the key names both a community and a group').choices(['community', 'group']);

export function buildProgram(out: Output, setCode: (c: ExitCode) => void, outputOnly: () => void): Command {
  const program = new Command('genuin-provision')
    .description('Provision Genuin communities and their groups in bulk from YAML/CSV manifests: validate, plan, apply (rate-limited, retried, crash-safe), report.')
    .version(toolVersion())
    .showSuggestionAfterError(true)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => void writeIfOpen(process.stderr, s), writeOut: (s) => void writeIfOpen(process.stdout, s) })
    .addHelpText('after', EXAMPLES);
  const cx: Context = { out, setCode, outputOnly, env: () => loadEnvironment(out) };
  defineValidate(program, cx);
  definePlan(program, cx);
  defineApply(program, cx);
  defineReport(program, cx);
  defineSimulate(program, cx);
  defineProbe(program, cx);
  const ledger = program.command('ledger').description('ledger maintenance');
  defineLedgerCompact(ledger, cx);
  defineLedgerResolve(ledger, cx);
  defineLedgerShow(ledger, cx);
  defineLedgerAppend(ledger, cx);
  defineLedgerExport(ledger, cx);
  defineLedgerImport(ledger, cx);
  defineLedgerUnlock(ledger, cx);
  defineDemo(program, cx);
  return program;
}

/** `validate <manifests...>` */
function defineValidate(program: Command, cx: Context): void {
  const { out, setCode, env } = cx;
  program
    .command('validate')
    .description('check manifests fully (every fault, with file:line) without sending anything')
    .argument('<manifests...>', 'YAML (.yaml/.yml) and CSV (.csv) manifests')
    .addOption(ledgerOption())
    .option('--simulate', 'check references against the simulator ledger')
    .option('--json', 'print the result as one JSON document on stdout (human text goes to stderr)')
    .addHelpText('after', '\nExample:\n  $ genuin-provision validate defaults.yaml communities.csv groups.csv')
    .action(async (files: string[], opts) => setCode(await (await commands.validate()).runValidate(files, { ...opts, env: env() }, out)));
}

/** `plan <manifests...>` */
function definePlan(program: Command, cx: Context): void {
  const { out, setCode, env } = cx;
  program
    .command('plan')
    .description('show what apply would do: to create, already done, blocked, in doubt')
    .argument('<manifests...>', 'YAML and CSV manifests')
    .addOption(ledgerOption())
    .option('--detail', 'one line per item with its action')
    .option('--json', 'print the plan as one JSON document on stdout (human text goes to stderr)')
    .option('--retry-in-doubt', 'plan to re-send groups whose earlier send is in doubt')
    .addOption(chatIdExistsOption())
    .option('--simulate', 'plan against the simulator ledger')
    .addHelpText('after', '\nExample:\n  $ genuin-provision plan manifests/example.yaml --detail')
    .action(async (files: string[], opts) => {
      cx.outputOnly();
      setCode(await (await commands.plan()).runPlan(files, { ...opts, env: env() }, out));
    });
}

/** `apply <manifests...>` */
function defineApply(program: Command, cx: Context): void {
  const { out, setCode, env } = cx;
  program
    .command('apply')
    .description('create everything the plan says, recording every outcome in the ledger; safe to re-run')
    .argument('<manifests...>', 'YAML and CSV manifests')
    .addOption(ledgerOption())
    .option('--rate <rate>', `requests at most, spread evenly: <n>/s or <n>/m, or auto to find the API's limit (GENUIN_RATE; default ${DEFAULTS.rate})`)
    .option('--max-rate <rate>', `with --rate auto, never above this (default ${DEFAULTS.maxRate})`)
    .option('--concurrency <n>', `requests in flight at most (default ${DEFAULTS.concurrency})`)
    .option('--timeout <duration>', `per-request timeout, e.g. 30s (default ${DEFAULTS.timeout})`)
    .option('--retries <n>', `retries for 5xx and network failures (default ${DEFAULTS.retries})`)
    .option('--retry-in-doubt', 're-send groups whose earlier send is in doubt (check they do not exist first)')
    .option('--no-derived-chat-id', 'send groups without the chat_id the tool derives (for an API that rejects client chat_ids); lost answers then always need a person')
    .option('--retry-group-5xx', 'RISKY: resend a group after a 5xx answer other than 503 (a gateway error after the create makes a duplicate group)')
    .addOption(chatIdExistsOption())
    .option('--expect-existing', 'a new ledger meeting handles the server already holds is expected: do not stop after 20 "exists" answers in a row')
    .option('--max-duration <duration>', 'stop starting new work after this long (90s, 30m, 2h); exit 1 if work remains')
    .option('--full', 'read and check every manifest and the whole ledger, even when nothing changed since a run that found everything done')
    .option('--simulate', 'run against the built-in simulator (in-process, fake ids, separate ledger)')
    .option('--json', 'print the final summary as one JSON document on stdout (human text goes to stderr)')
    .option('--quiet', 'print only the summary (no progress; on the terminal, only error log lines)')
    .option('--no-progress', 'no progress bar or progress log lines')
    .option('--progress-interval <duration>', `when stderr is not a terminal (or with --log-file): a progress log line this often (default ${DEFAULTS.progressInterval})`)
    .option('--log-file <file>', 'append JSON log lines to this file instead of stderr (safe with logrotate); an error that ends the run is logged there too')
    .option('--skip-if-locked', 'when another run holds the ledger, exit 4 quietly (a line at info in --log-file) instead of 3 with an error: for cron')
    .option('--metrics-file <file>', "write the run's outcome in the Prometheus text format to this file (atomically), for node_exporter's textfile collector (name it *.prom)")
    .option('--metrics-push <url>', 'push the same metrics to this Pushgateway (job genuin_provision, instance this host)')
    .addOption(logLevelOption())
    .addHelpText(
      'after',
      `
Examples:
  $ genuin-provision apply manifests/example.yaml --simulate                 # rehearse first
  $ genuin-provision apply brand.yaml --rate 600/m --concurrency 4
  $ genuin-provision apply brand.yaml --rate auto                            # find the API's limit, hold just under it
  $ genuin-provision apply brand.yaml --max-duration 2h --quiet --skip-if-locked --log-file /var/log/genuin.log   # from cron
  $ genuin-provision apply fixed.csv --retry-in-doubt                       # after checking in Genuin

Progress: a live bar per kind on a terminal; elsewhere a log line every --progress-interval.
Re-running is always safe: the ledger skips what was already created.
Ending early: Ctrl-C, SIGTERM or SIGHUP (a dropped SSH session) finish the requests in flight,
record them, release the ledger and exit 3; a second signal cuts them short. A closed stdout or
stderr (| head) never stops a run: it goes on without them (with --log-file, what they would have
shown goes to the file) and exits with its usual code.
Another run holding the ledger: exit 3 with an error, or with --skip-if-locked exit 4 and print nothing.`,
    )
    .action(async (files: string[], opts) => setCode(await (await commands.apply()).runApply(files, { ...opts, env: env() }, out)));
}

/** `report [manifests...]` */
function defineReport(program: Command, cx: Context): void {
  const { out, setCode, env } = cx;
  program
    .command('report')
    .description("export the ledger's latest state: one row per item; with --failed and the manifests, a manifest CSV of what needs fixing")
    .argument('[manifests...]', 'the manifests of the run: adds the groups they block (the ledger has no line for them); with --failed, writes the items that need a person back as manifest rows')
    .addOption(ledgerOption())
    .addOption(new Option('--format <format>', 'csv or json').choices(['csv', 'json']).default('csv'))
    .option('--out <file>', 'write to this file (mode 0600) instead of stdout')
    .option('--failed', 'only items that need a person: failed, in doubt, in flight (with manifests: also blocked and exists)')
    .addOption(new Option('--by-community', 'one row per community: its id and status, and its groups created / in doubt / failed / blocked / other').conflicts('failed'))
    .option('--bom', 'start the CSV with a UTF-8 byte order mark (for Excel)')
    .option('--simulate', 'report on the simulator ledger')
    .addHelpText(
      'after',
      `
Examples:
  $ genuin-provision report --format csv --bom --out created.csv       # everything, for a spreadsheet
  $ genuin-provision report --by-community brand.yaml                  # per community: its groups created / in doubt / failed / blocked
  $ genuin-provision report --failed --format json                     # what went wrong, for a script
  $ genuin-provision report --failed --out fix.csv brand.yaml communities.csv groups.csv
      # fix.csv holds the failed rows as manifest rows: fix them, then
  $ genuin-provision apply fix.csv`,
    )
    .action(async (files: string[], opts) => {
      cx.outputOnly();
      setCode(await (await commands.report()).runReport(files, { ...opts, env: env() }, out));
    });
}

/** `simulate` */
function defineSimulate(program: Command, cx: Context): void {
  const { out, setCode, env } = cx;
  program
    .command('simulate')
    .description('run the built-in Genuin API simulator until interrupted')
    .option('--port <n>', 'port on 127.0.0.1 (default: a free one)')
    .option('--rate <rate>', 'answer 429 above this rate (token bucket), e.g. 20/s')
    .option('--latency <duration>', 'delay every answer, e.g. 50ms')
    .addOption(new Option('--chat-ids <mode>', 'what a group create does with a held chat_id: refuse (409 5230, the default), echo (keep it, create a second group) or ignore (a new chat_id for every group)').choices(['refuse', 'echo', 'ignore']))
    .option('--auth-ttl <n>', 'each token from POST /api/thirdparty/auth answers 401 after n create requests')
    .addHelpText('after', '\nExample:\n  $ genuin-provision simulate --port 8080 --rate 20/s')
    .action(async (opts) => setCode(await (await commands.simulate()).runSimulate({ ...opts, env: env() }, out)));
}

/** `probe --community-id <id>` */
function defineProbe(program: Command, cx: Context): void {
  const { out, setCode, env } = cx;
  program
    .command('probe')
    .description('learn whether the API refuses a second group create with a chat_id it holds (two probe groups at most, in a community you name), record it in the ledger, print the setting for other ledgers')
    .requiredOption('--community-id <id>', 'a sandbox community of yours where the probe may create one or two groups')
    .addOption(ledgerOption())
    .option('--timeout <duration>', `per-request timeout (default ${DEFAULTS.timeout})`)
    .option('--yes', 'do not ask before creating (for scripts)')
    .addHelpText(
      'after',
      `
Run it against staging first, then production: the answer is about one API.
Exit codes: 0 proven (either way) · 1 nothing proven (an answer that other errors share, or a lost one) · 2 bad usage · 3 not confirmed, or aborted

Example:
  $ genuin-provision probe --community-id 5f0c…  --ledger staging.jsonl
  GENUIN_CHAT_ID_EXISTS=409:5230          # paste into the .env of other ledgers of this API`,
    )
    .action(async (opts) => setCode(await (await commands.probe()).runProbe({ ...opts, env: env() }, out)));
}

/** `ledger compact` */
function defineLedgerCompact(ledger: Command, cx: Context): void {
  const { out, setCode, env } = cx;
  ledger
    .command('compact')
    .description('rewrite the ledger with one line per item (atomic: temp file + rename)')
    .addOption(ledgerOption())
    .addHelpText('after', '\nExample:\n  $ genuin-provision ledger compact --ledger /var/lib/genuin/ledger.jsonl   # refused (exit 3) while an apply holds the lock')
    .action(async (opts) => setCode(await (await commands.ledger()).runCompact({ ...opts, env: env() }, out)));
}

/** `ledger resolve <key>`, and its bulk forms */
function defineLedgerResolve(ledger: Command, cx: Context): void {
  const { out, setCode, env } = cx;
  ledger
    .command('resolve')
    .description("record what a person found out about an item, or many at once, instead of editing the ledger by hand (appended under the lock, durable)")
    .argument('[key]', 'the ledger key: a community handle, or <parent>/<group key> (as report and ledger show print it)')
    .option('--created [chat_id]', 'an in-doubt group exists: record it as created, with this chat_id (default: the one its last attempt sent)')
    .option('--absent', 'an in-doubt group does not exist: the next apply sends it')
    .option('--community-id <id>', 'a community that "exists" is ours: adopt it with this id; its groups go ahead on the next apply')
    .option('--abandon', 'keep the item in the manifest, but runs skip it (and exit 0); report shows it as abandoned')
    .option('--reason <text>', 'with --abandon: why (shown by report and ledger show)')
    .option('--from <file>', 'many verdicts: the file of report --failed <manifests> (CSV or --format json) with its _decision cells filled in')
    .option('--all-in-doubt', 'every group in doubt gets the verdict given (--created, --absent or --abandon --reason "…")')
    .option('--community <handle or id>', 'with --all-in-doubt: only the groups of this community')
    .option('--prefix <key prefix>', 'with --all-in-doubt: only the groups whose ledger key starts with this')
    .option('--adopt <file>', 'adopt many "exists" communities: a CSV of handle,community_id rows (a header row naming them is optional)')
    .option('--yes', 'write without asking (the bulk forms ask on a terminal, and refuse without --yes elsewhere)')
    .option('--dry-run', 'print what would be written, write nothing')
    .addOption(kindOption())
    .addOption(ledgerOption())
    .option('--simulate', 'resolve in the simulator ledger')
    .addHelpText(
      'after',
      `
Each refuses (exit 2) an item that is not in the state it applies to, naming the state it is in.
The bulk forms print a preview, one line per item, and write all lines or none: any refusal
(each printed with the file:line of its row) writes nothing.
Examples:
  $ genuin-provision ledger show alpha/Welcome                 # its history, and what can be done
  $ genuin-provision ledger resolve alpha/Welcome --created    # found in Genuin with the chat_id it was sent
  $ genuin-provision ledger resolve alpha/Welcome --absent     # not in Genuin: the next apply sends it
  $ genuin-provision ledger resolve alpha --community-id 6f0c2a   # the handle exists and is ours
  $ genuin-provision ledger resolve beta --abandon --reason "handle taken by another brand"
  $ genuin-provision report --failed --out fix.csv brand.yaml  # then fill in the _decision column
  $ genuin-provision ledger resolve --from fix.csv             # preview, then asks (--yes: no question)
  $ genuin-provision ledger resolve --all-in-doubt --community alpha --created --dry-run
  $ genuin-provision ledger resolve --adopt ids.csv --yes      # rows of handle,community_id`,
    )
    .action(async (key: string | undefined, opts) => setCode(await (await commands.ledgerResolve()).runResolve(key, { ...opts, env: env() }, out)));
}

/** `ledger show <key>` */
function defineLedgerShow(ledger: Command, cx: Context): void {
  const { out, setCode, env } = cx;
  ledger
    .command('show')
    .description("print an item's whole history, one line per ledger line, and what can be done about it")
    .argument('<key>', 'the ledger key: a community handle, or <parent>/<group key>')
    .addOption(kindOption())
    .addOption(ledgerOption())
    .option('--simulate', 'read the simulator ledger')
    .addHelpText('after', '\nExample:\n  $ genuin-provision ledger show alpha/Welcome')
    .action(async (key: string, opts) => {
      cx.outputOnly();
      setCode(await (await commands.ledgerShow()).runShow(key, { ...opts, env: env() }, out));
    });
}

/** `ledger append <file>` */
function defineLedgerAppend(ledger: Command, cx: Context): void {
  const { out, setCode, env } = cx;
  ledger
    .command('append')
    .description('append ledger lines that a run printed because it could not write them (a full disk): checked, under the lock, durable')
    .argument('<file>', 'a file holding the printed lines (other lines in it, such as the error text around them, are skipped)')
    .addOption(ledgerOption())
    .option('--simulate', 'append to the simulator ledger')
    .addHelpText('after', '\nExample:\n  $ genuin-provision apply brand.yaml 2> apply-errors.txt   # the disk filled up mid-run\n  $ genuin-provision ledger append apply-errors.txt         # once there is room again')
    .action(async (file: string, opts) => setCode(await (await import('./commands/ledger-append.js')).runAppend(file, { ...opts, env: env() }, out)));
}

/** `ledger export` */
function defineLedgerExport(ledger: Command, cx: Context): void {
  const { out, setCode, env } = cx;
  ledger
    .command('export')
    .description('write the ledger as JSON Lines, the bytes a file ledger holds (from a file or a PostgreSQL ledger): a backup, or the way back to a file')
    .option('--output <file>', 'write to this new file (never over an existing one) instead of stdout')
    .addOption(ledgerOption())
    .option('--simulate', 'export the simulator ledger')
    .addHelpText('after', '\nExample:\n  $ GENUIN_LEDGER=postgres://genuin@db.internal/genuin genuin-provision ledger export --output ledger-backup.jsonl')
    .action(async (opts) => setCode(await (await import('./commands/ledger-export.js')).runExport({ ...opts, env: env() }, out)));
}

/** `ledger import <file>` */
function defineLedgerImport(ledger: Command, cx: Context): void {
  const { out, setCode, env } = cx;
  ledger
    .command('import')
    .description('copy a JSON Lines ledger into the ledger of --ledger (a PostgreSQL ledger, usually), line for line, under its lock; refused when it already holds lines, unless --merge')
    .argument('<file>', 'a JSON Lines ledger (checked first: a corrupt line imports nothing)')
    .option('--merge', 'append after the lines the ledger already holds (it must belong to the same API)')
    .addOption(ledgerOption())
    .addHelpText('after', '\nExample:\n  $ genuin-provision ledger import genuin-ledger.jsonl --ledger postgres://genuin@db.internal/genuin   # password: PGPASSWORD or ~/.pgpass')
    .action(async (file: string, opts) => setCode(await (await import('./commands/ledger-import.js')).runImport(file, { ...opts, env: env() }, out)));
}

/** `ledger unlock` */
function defineLedgerUnlock(ledger: Command, cx: Context): void {
  const { out, setCode, env } = cx;
  ledger
    .command('unlock')
    .description("say that the run holding a file ledger's lock is gone (another container, host or boot, where its pid proves nothing): its lock is taken over once its heartbeat has stood still, and released")
    .option('--stale-after <duration>', 'how long the heartbeat must be seen standing still (never less than 3 of the holder\'s own intervals)', '30s')
    .addOption(ledgerOption())
    .option('--simulate', 'unlock the simulator ledger')
    .addHelpText(
      'after',
      `
Refused (exit 3, the lock left alone) while the holder's heartbeat moves: that run is alive.
A holder on this machine, in this PID namespace, whose process is gone needs no word: the next
run takes its lock over by itself. A PostgreSQL ledger has nothing to unlock (exit 2).
Example:
  $ genuin-provision ledger unlock --ledger /mnt/shared/genuin-ledger.jsonl`,
    )
    .action(async (opts) => setCode(await (await import('./commands/ledger-unlock.js')).runUnlock({ ...opts, env: env() }, out)));
}

/** `demo` */
function defineDemo(program: Command, cx: Context): void {
  const { out, setCode, env } = cx;
  program
    .command('demo')
    .description('apply manifests/example.yaml against the built-in simulator, then show that a re-run sends nothing')
    .addHelpText('after', '\nExample:\n  $ genuin-provision demo        # or: npm start')
    .action(async () => setCode(await (await commands.demo()).runDemo(out)));
}
