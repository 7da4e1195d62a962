// `ledger resolve --from <file> | --all-in-doubt … | --adopt <file>` (and `<key> --dry-run`), which
// the command hands here: prints the preview, then writes with --yes, asks on a terminal, refuses
// otherwise; prints what changed and what the next apply does. Rules: ledger/bulk-resolve.ts.
import { ConfigError, EXIT, type ExitCode } from '../errors.js';
import { ledgerConfig } from '../config/run-config.js';
import { readAdoptCsv } from '../decisions/adopt-csv.js';
import { readFilledReport, type ReadDecisions } from '../decisions/filled-report.js';
import { inDoubtDecisions } from '../decisions/in-doubt-filter.js';
import { fingerprint, RefusedDecisions, settleLedgerItems, type BulkCheck, type Change, type DecisionSource, type Resolution } from '../pipeline/ledger.js';
import { askYesNo, canAsk, type AskIo } from './confirm.js';
import type { Output } from './output.js';
import { resolutionOf, type ResolveFlags } from './resolution-flags.js';

export interface BulkFlags extends ResolveFlags {
  from?: string;
  adopt?: string;
  allInDoubt?: boolean;
  community?: string;
  prefix?: string;
  yes?: boolean;
  dryRun?: boolean;
}

/** Whether the flags ask for the bulk form (or a preview of the single one). */
export function isBulk(flags: BulkFlags): boolean {
  return flags.from !== undefined || flags.adopt !== undefined || flags.allInDoubt === true || flags.dryRun === true;
}

/** The verdict flags of the single-key form, by name, when given. */
function verdictFlagsGiven(flags: BulkFlags): string[] {
  return [
    flags.created !== undefined && flags.created !== false ? '--created' : undefined,
    flags.absent ? '--absent' : undefined,
    flags.communityId !== undefined ? '--community-id' : undefined,
    flags.abandon ? '--abandon' : undefined,
    flags.reason !== undefined ? '--reason' : undefined,
  ].filter((f): f is string => f !== undefined);
}

/** The one source of decisions the flags name; a ConfigError (exit 2) for none, several or a flag that does not go with it. */
async function sourceOf(key: string | undefined, flags: BulkFlags, ledger: string): Promise<{ source: DecisionSource; read?: ReadDecisions; what: string }> {
  const forms = [key !== undefined ? '<key>' : undefined, flags.from !== undefined ? '--from' : undefined, flags.allInDoubt ? '--all-in-doubt' : undefined, flags.adopt !== undefined ? '--adopt' : undefined].filter(
    (f): f is string => f !== undefined,
  );
  if (forms.length !== 1) {
    throw new ConfigError(forms.length === 0 ? 'say which items: <key>, --from <file>, --all-in-doubt or --adopt <file>' : `give one of ${forms.join(', ')}, not several`);
  }
  if ((flags.community !== undefined || flags.prefix !== undefined) && !flags.allInDoubt) throw new ConfigError('--community and --prefix narrow --all-in-doubt');
  if (flags.kind !== undefined && key === undefined) throw new ConfigError('--kind goes with <key> (a file says each row\'s kind)');
  const verdicts = verdictFlagsGiven(flags);

  if (key !== undefined) return { source: [{ kind: flags.kind, key, resolution: resolutionOf(flags) }], what: key };
  if (flags.from !== undefined || flags.adopt !== undefined) {
    const option = flags.from !== undefined ? '--from' : '--adopt';
    if (verdicts.length > 0) throw new ConfigError(`${verdicts.join(', ')}: the file given to ${option} says each item's verdict`);
    const file = (flags.from ?? flags.adopt)!;
    const read = flags.from !== undefined ? await readFilledReport(file) : await readAdoptCsv(file);
    return { source: read.decisions, read, what: file };
  }
  // --all-in-doubt: one verdict for every group it names.
  if (flags.communityId !== undefined) throw new ConfigError('--all-in-doubt settles groups in doubt: --created, --absent or --abandon --reason "…" (--community-id is for one community, or --adopt <file>)');
  if (typeof flags.created === 'string') throw new ConfigError('--all-in-doubt --created records each group with the chat_id its own last attempt sent: give --created without a value (one chat_id cannot be every group\'s)');
  const resolution: Resolution = resolutionOf(flags);
  const narrowed = [flags.community !== undefined ? `of community ${flags.community}` : undefined, flags.prefix !== undefined ? `with keys starting "${flags.prefix}"` : undefined].filter(Boolean).join(' ');
  return {
    source: (state) => inDoubtDecisions(state, { community: flags.community, prefix: flags.prefix }, resolution, ledger),
    what: `the groups in doubt${narrowed ? ` ${narrowed}` : ''}`,
  };
}

/** `created (chat_id K1)`, `adopted (community_id C9)`, `abandoned ("why")`, `absent (the next apply sends it)`. */
function afterWords(c: Change): string {
  const l = c.line;
  switch (l.event) {
    case 'created':
      return `created (chat_id ${l.chat_id}${c.note !== undefined ? `; ${c.note}` : ''})`;
    case 'adopted':
      return `adopted (community_id ${l.community_id})`;
    case 'abandoned':
      return `abandoned ("${l.message}")`;
    case 'absent':
      return 'absent (the next apply sends it)';
    default:
      return l.event;
  }
}

/** `2 created, 1 absent`: the lines by verdict, in a fixed order. */
function countsByVerdict(changes: readonly Change[]): Map<string, number> {
  const counts = new Map<string, number>(['created', 'absent', 'adopted', 'abandoned'].map((e) => [e, 0]));
  for (const c of changes) counts.set(c.line.event, (counts.get(c.line.event) ?? 0) + 1);
  for (const [k, n] of counts) if (n === 0) counts.delete(k);
  return counts;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** What the next apply does with the items of each verdict. */
function nextApply(counts: Map<string, number>): string {
  const parts: string[] = [];
  const n = (e: string) => counts.get(e) ?? 0;
  if (n('created')) parts.push(`skips ${plural(n('created'), 'group', 'groups')} recorded created`);
  if (n('absent')) parts.push(`sends ${plural(n('absent'), 'group', 'groups')} marked absent (once each)`);
  if (n('adopted')) parts.push(`skips ${plural(n('adopted'), 'adopted community', 'adopted communities')} and creates their groups`);
  if (n('abandoned')) parts.push(`skips ${plural(n('abandoned'), 'abandoned item', 'abandoned items')} (an abandoned community's groups with it) and counts ${n('abandoned') === 1 ? 'it' : 'them'} as settled`);
  return parts.join('; ');
}

function printPreview(check: BulkCheck, read: ReadDecisions | undefined, what: string, ledger: string, out: Output): void {
  for (const c of check.changes) out.info(`${c.kind} ${c.key}: ${c.before} -> ${afterWords(c)}`);
  const left = read && read.leftAsIs > 0 ? `; ${plural(read.leftAsIs, 'row', 'rows')} of ${what} left as is (no decision)` : '';
  if (check.changes.length === 0) {
    out.info(`nothing to write to ${ledger}: ${read ? `no decision in ${what}` : `no item among ${what}`}${left}`);
    return;
  }
  const counts = [...countsByVerdict(check.changes)].map(([e, k]) => `${k} ${e}`).join(', ');
  out.info(`${plural(check.changes.length, 'line', 'lines')} to write to ${ledger}: ${counts}${left}`);
}

function printWritten(written: readonly Change[], ledger: string, out: Output): void {
  const counts = countsByVerdict(written);
  out.info(`wrote ${plural(written.length, 'line', 'lines')} to ${ledger}: ${[...counts].map(([e, k]) => `${k} ${e}`).join(', ')}`);
  out.info(`the next apply ${nextApply(counts)}`);
}

/**
 * Runs the bulk form. Exit 0 when written (or a dry run, or nothing to write); 2 for any refusal
 * (each printed, nothing written) or for no --yes where nobody can be asked; 1 when the person
 * answers no.
 */
export async function runBulkResolve(key: string | undefined, flags: BulkFlags, out: Output, io?: AskIo): Promise<ExitCode> {
  const config = ledgerConfig(flags, flags.env);
  const ledger = config.ledgerPath;
  if (flags.yes && flags.dryRun) throw new ConfigError('give --yes or --dry-run, not both');
  const { source, read, what } = await sourceOf(key, flags, ledger);
  const observers = { onWarning: (m: string) => out.warn(m), refused: read?.refusals };
  const preview = (check: BulkCheck) => printPreview(check, read, what, ledger, out);
  try {
    if (flags.yes) {
      // One hold of the lock: checked, shown and written with nothing in between.
      const done = await settleLedgerItems(source, config, { ...observers, write: true, onPreview: preview });
      if (done.written > 0) printWritten(done.check.changes, ledger, out);
      return EXIT.ok;
    }
    // The preview is read without the lock: nobody's run waits while a person reads it.
    const seen = await settleLedgerItems(source, config, { ...observers, write: false });
    preview(seen.check);
    const n = seen.check.changes.length;
    if (flags.dryRun) {
      if (n > 0) out.info('dry run: nothing written');
      return EXIT.ok;
    }
    if (n === 0) return EXIT.ok;
    const question = `write ${plural(n, 'line', 'lines')} to ${ledger}?`;
    if (!canAsk(io)) {
      out.error(`nothing written: stdin is not a terminal to ask "${question}"; add --yes to write (or --dry-run to only see them)`);
      return EXIT.usage;
    }
    if (!(await askYesNo(question, io))) {
      out.info('nothing written');
      return EXIT.unresolved;
    }
    const done = await settleLedgerItems(source, config, { ...observers, write: true, expect: fingerprint(seen.check.changes) });
    printWritten(done.check.changes, ledger, out);
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof RefusedDecisions)) throw error;
    for (const r of error.refusals) out.error(r);
    out.error(error.message);
    return EXIT.usage;
  }
}
