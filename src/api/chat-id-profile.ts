// What this API does with a second group create carrying a chat_id it already holds: unknown until
// proven (a `probe`, or a person's setting), and then the one answer that means "this chat_id exists".
// The rule of which answers can be that proof lives here; the ledger keeps the evidence.
import { ConfigError } from '../errors.js';
import type { Observed } from '../ledger/event.js';
import { isDocumentedCode } from './outcome.js';

/** The environment variable (and `--chat-id-exists` flag) that carries a profile to other ledgers of one API. */
export const CHAT_ID_SETTING = 'GENUIN_CHAT_ID_EXISTS';

/** An answer as status and code: what a refusal of a held chat_id looks like. */
export interface ChatIdAnswer {
  status: number;
  /** The body's `code`, when it has one. */
  code?: string;
}

/** Where the profile's proof came from. */
export type ProfileSource = 'probe' | 'setting';

export type ChatIdProfile =
  /** Nothing proven: a group whose answer was lost is never resent. */
  | { unique: 'unknown' }
  /** A repeated chat_id is refused with `exists`: a lost answer is resent, and `exists` settles it. */
  | { unique: true; exists: ChatIdAnswer; source: ProfileSource; at?: string; evidence?: string }
  /** Proven not refused: a resend may create a second group. */
  | { unique: false; source: ProfileSource; at?: string; evidence?: string };

export const UNKNOWN_PROFILE: ChatIdProfile = Object.freeze({ unique: 'unknown' });

/**
 * Why `answer` cannot prove that a repeated chat_id is refused, or undefined when it can: an
 * answer other errors share (a status the API uses for other refusals, a documented code, a 5xx
 * without a code) says nothing about the chat_id.
 */
export function notProof(answer: ChatIdAnswer): string | undefined {
  const { status, code } = answer;
  const said = describeAnswer(answer);
  if (status < 400) return `${said} is not a refusal`;
  if (status === 401 || status === 403) return `${said} is about the access token, not the group`;
  if (status === 408 || status === 429 || status === 503) return `${said} says the server did not take the request, not that the chat_id exists`;
  if (code !== undefined) {
    if (isDocumentedCode(code)) return `${said}: code ${code} is documented for another error`;
    return undefined;
  }
  if (status >= 500) return `${said} is what any unexpected server fault answers`;
  if (status === 400 || status === 404 || status === 412 || status === 413) return `${said} is an answer the API gives for other errors`;
  return undefined;
}

/** `409 code 5230`, `HTTP 409`. */
export function describeAnswer(answer: ChatIdAnswer): string {
  return `HTTP ${answer.status}${answer.code !== undefined ? ` code ${answer.code}` : ''}`;
}

/** The setting's text for a profile: `409:5230`, `409`, or `none`; undefined while unknown. */
export function settingValue(profile: ChatIdProfile): string | undefined {
  if (profile.unique === 'unknown') return undefined;
  if (!profile.unique) return 'none';
  return profile.exists.code !== undefined ? `${profile.exists.status}:${profile.exists.code}` : String(profile.exists.status);
}

/**
 * A person's setting (`--chat-id-exists`, GENUIN_CHAT_ID_EXISTS): `<status>:<code>` or `<status>`
 * for the answer that means "this chat_id exists", `none` for an API that does not refuse a
 * repeat. A generic answer is refused: it would settle real failures as created.
 */
export function parseChatIdSetting(text: string, name: string): ChatIdProfile {
  const value = text.trim();
  // The evidence a ledger keeps of a setting: where the person gave it.
  const evidence = `given as ${name === CHAT_ID_SETTING ? `${name}=` : `${name} `}${value}`;
  if (value.toLowerCase() === 'none') return { unique: false, source: 'setting', evidence };
  const m = /^(\d{3})(?::(\S+))?$/.exec(value);
  if (!m) throw new ConfigError(`${name}: "${value}" is not <status>:<code>, <status> or none (e.g. ${name === CHAT_ID_SETTING ? `${CHAT_ID_SETTING}=409:5230` : `${name} 409:5230`}, as genuin-provision probe prints it)`);
  const exists: ChatIdAnswer = m[2] !== undefined ? { status: Number(m[1]), code: m[2] } : { status: Number(m[1]) };
  const why = notProof(exists);
  if (why !== undefined) throw new ConfigError(`${name}: ${why}, so it cannot mean "this chat_id exists"`);
  return { unique: true, exists, source: 'setting', evidence };
}

/** The profile in words, for plan, apply and the docs' outcome table. */
export function profileWords(profile: ChatIdProfile): string {
  if (profile.unique === 'unknown') return 'unknown (no probe, no setting): a group whose answer was lost is left in doubt, never resent';
  const from = profile.source === 'probe' ? `probe${profile.at ? ` of ${profile.at}` : ''}` : 'a setting';
  if (!profile.unique) return `not refused (${from}): a group whose answer was lost is left in doubt, never resent`;
  return `refused with ${describeAnswer(profile.exists)} (${from}): a lost answer is resent with the same chat_id, and that answer settles the group`;
}

/** The profile an `observed` line records, or unknown when there is none. */
export function profileOf(line: Observed | undefined): ChatIdProfile {
  if (line?.chat_id_unique === undefined) return UNKNOWN_PROFILE;
  const source: ProfileSource = line.source ?? 'setting';
  const at = line.at;
  if (line.chat_id_unique && line.chat_id_exists) {
    const { status, code } = line.chat_id_exists;
    return { unique: true, exists: code !== undefined ? { status, code } : { status }, source, at, evidence: line.evidence };
  }
  return { unique: false, source, at, evidence: line.evidence };
}

/** The `observed` line that records a profile. */
export function profileLine(profile: Exclude<ChatIdProfile, { unique: 'unknown' }>, run: string, at: Date): Observed {
  const line: Observed = { at: at.toISOString(), run, event: 'observed', chat_id_unique: profile.unique, source: profile.source };
  if (profile.unique) line.chat_id_exists = { ...profile.exists };
  if (profile.evidence !== undefined) line.evidence = profile.evidence;
  return line;
}
