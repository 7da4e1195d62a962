// Progress figures as text: the live bar lines drawn on a terminal, and the plain one-line form
// written to the log when nobody is watching (cron, CI, pipes). Pure functions.
import type { KindProgress, ProgressFigures } from '../../run/progress.js';

export interface BarStyle {
  /** Terminal width in columns: lines are cut to fit, so a redraw never wraps. */
  columns: number;
  /** ANSI colours (off with NO_COLOR). */
  color: boolean;
}

const LABEL: Record<KindProgress['kind'], string> = { community: 'communities', group: 'groups' };
const BAR_WIDTH = 24;

const paint = (on: boolean, code: string, text: string) => (on ? `\x1b[${code}m${text}\x1b[0m` : text);

/** `1:05:09`, `4:07`, `0:09`. */
export function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

function rateText(rate: number): string {
  return rate >= 10 ? `${Math.round(rate)}/s` : `${rate.toFixed(1)}/s`;
}

function percent(k: KindProgress): number {
  return k.total > 0 ? Math.floor((k.done / k.total) * 100) : 100;
}

function etaText(k: KindProgress): string {
  if (k.done >= k.total) return 'done';
  return k.etaMs === undefined ? 'ETA --:--' : `ETA ${clock(k.etaMs)}`;
}

/** What went wrong so far, only the counts that are not zero. */
function problems(k: KindProgress): string[] {
  const out: string[] = [];
  if (k.failed) out.push(`failed ${k.failed}`);
  if (k.in_doubt) out.push(`in doubt ${k.in_doubt}`);
  if (k.blocked) out.push(`blocked ${k.blocked}`);
  if (k.exists) out.push(`exists ${k.exists}`);
  return out;
}

/** Cuts a line to `columns - 1` visible characters (escape codes do not count). */
function fit(line: string, columns: number): string {
  const max = Math.max(20, columns - 1);
  let visible = 0;
  let out = '';
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\x1b') {
      const end = line.indexOf('m', i);
      out += line.slice(i, end + 1);
      i = end;
      continue;
    }
    if (visible === max) {
      // Cut inside a coloured span: close it.
      return out.includes('\x1b') ? `${out}\x1b[0m` : out;
    }
    out += line[i];
    visible++;
  }
  return out;
}

/** One line per kind: `communities ▕████████░░░░▏ 120/300 40%  12/s  ETA 0:15  failed 2`. */
export function barLines(figures: ProgressFigures, style: BarStyle): string[] {
  const width = Math.max(...figures.kinds.map((k) => String(k.total).length));
  const lines = figures.kinds.map((k) => {
    const filled = k.total > 0 ? Math.round((k.done / k.total) * BAR_WIDTH) : BAR_WIDTH;
    const bar = (filled > 0 ? paint(style.color, '32', '█'.repeat(filled)) : '') + '░'.repeat(BAR_WIDTH - filled);
    const counts = `${String(k.done).padStart(width)}/${k.total} ${String(percent(k)).padStart(3)}%`;
    const issues = problems(k).map((p) => paint(style.color, p.startsWith('failed') ? '31' : '33', p));
    return fit([`${LABEL[k.kind].padEnd(11)} ${bar} ${counts}`, rateText(k.rate).padStart(6), etaText(k), ...issues].join('  '), style.columns);
  });
  const found = figures.rateFound !== undefined ? `  rate found ${rateText(figures.rateFound)}` : '';
  const tail = figures.stopping ? `stopping (${figures.stopping}): finishing requests in flight` : `elapsed ${clock(figures.elapsedMs)}${found}`;
  lines.push(fit(tail, style.columns));
  return lines;
}

/** The plain form for a log line: `communities 120/300 (40%) 12/s ETA 0:15 failed 2; groups …`. */
export function progressText(figures: ProgressFigures): string {
  const parts = figures.kinds.map((k) =>
    [`${LABEL[k.kind]} ${k.done}/${k.total} (${percent(k)}%)`, rateText(k.rate), etaText(k), ...problems(k)].join(' '),
  );
  const found = figures.rateFound !== undefined ? `; rate found ${rateText(figures.rateFound)}` : '';
  return `progress: ${parts.join('; ')}${found}${figures.stopping ? ` (stopping: ${figures.stopping})` : ''}`;
}

/** The same figures as fields of a JSON log line, for scripts reading the log. */
export function progressFields(figures: ProgressFigures): Record<string, unknown> {
  const fields: Record<string, unknown> = { elapsed_ms: Math.round(figures.elapsedMs) };
  for (const k of figures.kinds) {
    fields[LABEL[k.kind]] = {
      done: k.done,
      total: k.total,
      created: k.created,
      failed: k.failed,
      in_doubt: k.in_doubt,
      blocked: k.blocked,
      exists: k.exists,
      rate: Number(k.rate.toFixed(2)),
      eta_s: k.etaMs === undefined ? null : Math.round(k.etaMs / 1000),
    };
  }
  if (figures.rateFound !== undefined) fields.rate_found = Number(figures.rateFound.toFixed(2));
  if (figures.stopping) fields.stopping = figures.stopping;
  return fields;
}
