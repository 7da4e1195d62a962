// Ledger keys of groups: the one rule that turns (parent community, group key) into the key a
// group is recorded under, and its parser. Shared vocabulary (manifest checks, the plan, the
// executor, reports and ledger verbs all spell keys this way), like status.ts; finding a group
// under every spelling of its parent is plan/group-lookup.ts.

/*
 * The rule (a community's ledger key is its handle; this is about groups):
 *
 *   key = encode(parent) + "/" + identity(group key)
 *
 * - encode: '%' → "%25" and '/' → "%2F", nothing else. The first '/' of a key then always ends
 *   the parent, so two different (parent, group) pairs never share a key: handle `a` + group
 *   `b/c` is `a/b/c`, handle `a/b` + group `c` is `a%2Fb/c`. A parent with neither character
 *   (nearly all) keeps the key it had before this rule.
 * - identity: the group's `key`, else its `group.name`, in Unicode NFC with surrounding spaces
 *   removed, so "Café" typed two ways, or " Talk", is one group. Only the identity changes: the
 *   body sent keeps the text as written.
 * - parent: the community's handle whenever the handle of its community_id is known (an adopted
 *   community of this run's manifests, or a community the ledger has an id for); its id only
 *   when the handle is not known. A group is found under either spelling of its parent: a group
 *   recorded as `<id>/x` is the same item as `<handle>/x` once the ledger or the manifests tie
 *   the two together, and keeps the key the ledger already has.
 * - a key written before this rule, un-normalised (`brand/ Talk`), is still found under that
 *   spelling when the normalised one is absent, and keeps it.
 */

/** '%' and '/' percent-encoded; every other character as it is. */
export function encodeParent(parent: string): string {
  if (parent.indexOf('%') === -1 && parent.indexOf('/') === -1) return parent;
  return parent.replaceAll('%', '%25').replaceAll('/', '%2F');
}

export function decodeParent(text: string): string {
  if (text.indexOf('%') === -1) return text;
  return text.replaceAll('%2F', '/').replaceAll('%2f', '/').replaceAll('%25', '%');
}

/** Printable ASCII without a space at either end: already NFC and trimmed (the common case, and 3x faster). */
const PLAIN = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/** A group key as the ledger knows it: NFC, without surrounding white space. */
export function groupIdentity(key: string): string {
  return PLAIN.test(key) ? key : key.normalize('NFC').trim();
}

/** The ledger key of the group `key` (not yet normalised) under `parent` (a handle or a community id). */
export function groupKey(parent: string, key: string): string {
  return joinKey(encodeParent(parent), groupIdentity(key));
}

/** Splits a group's ledger key at its first '/'; undefined for a key without one (not a group key). */
export function parseGroupKey(ledgerKey: string): { parent: string; key: string } | undefined {
  const slash = ledgerKey.indexOf('/');
  if (slash === -1) return undefined;
  return { parent: decodeParent(ledgerKey.slice(0, slash)), key: ledgerKey.slice(slash + 1) };
}

// join, not a template: it makes one flat string, where concatenation keeps a chain of pieces
// (twice the memory on a million groups, and re-flattened at each Map lookup).
export function joinKey(encodedParent: string, identity: string): string {
  return [encodedParent, identity].join('/');
}
