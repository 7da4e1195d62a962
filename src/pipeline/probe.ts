// `probe` as one call: lock the ledger, check it belongs to this API, ask the caller's go-ahead,
// run the chat_id probe (run/probe.ts) and record what it proved in the ledger with its evidence.
import { randomUUID } from 'node:crypto';
import { profileLine, type ChatIdProfile } from '../api/chat-id-profile.js';
import { clientAgents, GenuinClient } from '../api/client.js';
import { createTokenSource } from '../api/token-source.js';
import type { RunConfig } from '../config/run-config.js';
import { checkApiUrl } from '../config/api-target.js';
import { ConfigError } from '../errors.js';
import { PROFILE_FORMAT } from '../ledger/event.js';
import { apiOrigin, checkOrigin, formatLines, SIMULATOR_ORIGIN } from '../ledger/origin.js';
import { ledgerStore } from '../ledger/open.js';
import type { ApiTarget } from './apply.js';
import { probeChatIds, type ProbeFinding } from '../run/probe.js';
import type { Observers } from './observers.js';

export interface ProbeHooks extends Observers {
  /**
   * Asked once the ledger is locked and checked, before anything is created, with what will be
   * done; resolves false to stop (nothing sent).
   */
  confirm?: (what: string) => Promise<boolean>;
}

export interface ProbeResult {
  finding: ProbeFinding;
  /** What the ledger now records (undefined when nothing was proven). */
  profile?: ChatIdProfile;
  /** The API the probe talked to (its origin). */
  api: string;
  /** False when the caller said no: nothing was sent. */
  sent: boolean;
}

/** Probes the API of `config` (or `target`) in community `communityId` and records the finding in the ledger. */
export async function probeApi(communityId: string, config: RunConfig, hooks: ProbeHooks = {}, target?: ApiTarget): Promise<ProbeResult> {
  const id = communityId.trim();
  if (id === '') throw new ConfigError('--community-id: the id is empty (a sandbox community of yours, where two probe groups may be created)');
  const api = target ?? (config.apiUrl !== undefined ? { apiUrl: config.apiUrl, credentials: config.credentials ?? { source: 'token' as const, token: config.token! } } : undefined);
  if (!api) throw new ConfigError('GENUIN_API_URL is not set: the probe needs the API to learn about');
  checkApiUrl(api.apiUrl);
  const origin = config.simulate ? SIMULATOR_ORIGIN : apiOrigin(api.apiUrl);
  const proxy = target || config.simulate ? undefined : config.proxy;
  const store = ledgerStore(config.ledgerPath);
  const lock = await store.lock({ onWarning: hooks.onWarning });
  try {
    const ledger = await lock.read({ onWarning: hooks.onWarning });
    const originStep = checkOrigin(store.name, ledger, origin);
    const what = `create a probe group in community ${id} on ${origin}, then send its chat_id again under another name (a second group if the API does not refuse it)`;
    if (hooks.confirm && !(await hooks.confirm(what))) return { finding: { finding: 'inconclusive', why: 'not confirmed', created: [], maybe: 0 }, api: origin, sent: false };

    const tokens = createTokenSource(api.credentials, { baseUrl: api.apiUrl, timeoutMs: config.timeoutMs, agent: clientAgents(1, proxy?.url), proxy: proxy?.url });
    if (tokens.refreshable) await tokens.refresh();
    const client = new GenuinClient({ baseUrl: api.apiUrl, token: () => tokens.current(), timeoutMs: config.timeoutMs, maxSockets: 1, proxy: proxy?.url });
    const finding = await probeChatIds(client, id);
    const profile = provenBy(finding, id);
    const writer = await lock.openWriter();
    try {
      if (originStep.action !== 'none') {
        await writer.append(originStep.line);
        ledger.applyMeta(originStep.line);
      }
      if (profile) {
        for (const line of formatLines(ledger, PROFILE_FORMAT)) await writer.append(line);
        await writer.append(profileLine(profile, `probe-${randomUUID()}`, new Date()));
      }
    } finally {
      await writer.close();
    }
    return { finding, profile, api: origin, sent: true };
  } finally {
    await lock.release();
    await store.close();
  }
}

/** What a finding proves, with its evidence in words (the probe groups a person may remove). */
function provenBy(f: ProbeFinding, communityId: string): Exclude<ChatIdProfile, { unique: 'unknown' }> | undefined {
  const groups = f.created.map((g) => `"${g.name}" chat_id ${g.chat_id}${g.group_id ? ` group_id ${g.group_id}` : ''}`).join('; ');
  const evidence = `probe in community ${communityId}: ${groups}`;
  if (f.finding === 'refused') return { unique: true, exists: f.exists, source: 'probe', evidence };
  if (f.finding === 'not refused') return { unique: false, source: 'probe', evidence };
  return undefined;
}
