// The chat_id a group is sent with when its manifest gives none: a UUID v5 of the parent
// community's id and the group's ledger key, so the same group gets the same id in every run,
// on every machine, even after the ledger is lost (the API's own idempotency key for groups).
import { nodeCrypto } from '../node-crypto.js';

/**
 * The tool's own UUID v5 namespace. Never change it: every derived chat_id of every ledger
 * would change with it, and groups in doubt could no longer be matched to what was sent.
 */
export const CHAT_ID_NAMESPACE = '6f1694bf-f78e-4982-b4fa-127a11ee1d0a';

/** RFC 9562 §5.5: SHA-1 over namespace bytes then name bytes, version 5, variant 10. */
export function uuidV5(name: string, namespace: string = CHAT_ID_NAMESPACE): string {
  const ns = Buffer.from(namespace.replaceAll('-', ''), 'hex');
  const bytes = nodeCrypto().createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The derived chat_id of a group. The separator cannot occur in a community id the API hands
 * out (a UUID), and the group key comes last, so two (id, key) pairs never share a name.
 */
export function deriveChatId(communityId: string, groupKey: string): string {
  return uuidV5(`${communityId}\n${groupKey}`);
}
