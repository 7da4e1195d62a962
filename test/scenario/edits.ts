// The person's manifests as they stand while a scenario runs: the edits people make between runs
// (README "What an edit does to an item's identity"), and what a person does when the tool refuses
// an edit, read from its refusal lines. Keeps what the edits left behind for the invariants' model.
import type { CommunitySpec, Edit, GroupSpec, ManifestSet, Scenario } from './generate.js';
import { groupKeys, type Model } from './invariants.js';
import { writeManifests } from './render.js';

const clone = <T>(x: T): T => structuredClone(x);

/** `c1` → `C1`, `C1` → `c1`: the same handle in other letter case. */
const otherCase = (h: string): string => (h[0] === h[0]!.toLowerCase() ? h[0]!.toUpperCase() : h[0]!.toLowerCase()) + h.slice(1);

/** A key a person would type for a group named `name` (names are unique in a scenario, so keys are). */
const keyFor = (name: string): string => `k-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;

/** The group as the ledger knows it: before every edit of this round. */
function original(g: GroupSpec): GroupSpec {
  let o = g;
  while (o.before) o = o.before;
  return o;
}

/**
 * README: a group whose key and name both changed in one round of edits keeps nothing the tool
 * can match it by (but an explicit chat_id): the person writes `moved_from: <the key it had>`.
 */
function nothingToMatch(g: GroupSpec): void {
  const o = original(g);
  const was = o.key ?? o.name;
  if ((g.key ?? g.name) !== was && g.name !== o.name && g.chatId === undefined && o.chatId === undefined) g.movedFrom = was;
}

export class Manifests {
  /** Each run's own manifests (a grown second run adds the first's when written). */
  readonly sets: ManifestSet[];
  /** Handle → community_id written in the manifests (adopted parents, communities named by id). */
  readonly ids = new Map<string, string>();
  /** Items an edit gave a new identity: still on the server if they were created, named by no manifest. */
  readonly retired: { communities: CommunitySpec[]; groups: GroupSpec[] } = { communities: [], groups: [] };
  edited = false;

  constructor(private readonly scenario: Scenario) {
    this.sets = scenario.runs.map((r) => clone(r.manifests));
  }

  /** The manifests of run `i`: a grown second run holds the first run's items too. */
  setOf(i: number): ManifestSet {
    const set = this.sets[i]!;
    if (i === 0 || !this.scenario.secondRunGrown) return set;
    const first = this.sets[0]!;
    return { ...set, communities: [...first.communities, ...set.communities], groups: [...first.groups, ...set.groups] };
  }

  /** Writes every run's files as they stand now; returns each run's command-line files. */
  files(dir: string): string[][] {
    return this.sets.map((_, i) => writeManifests(dir, `run${i + 1}`, this.setOf(i), this.ids));
  }

  /** What the server may hold: every item the manifests name, and every item an edit retired. */
  model(): Model {
    const communities = this.sets.flatMap((s) => s.communities);
    const groups = this.sets.flatMap((s) => s.groups);
    // An edit undone later (a handle's case changed twice) names the retired item again: it is current.
    const identity = (g: GroupSpec) => `${g.parent}/${g.key ?? g.name}`;
    const current = new Set(groups.map(identity));
    const retiredCommunities = this.retired.communities.filter((c, i, all) => !communities.some((x) => x.handle === c.handle) && all.findIndex((x) => x.handle === c.handle) === i);
    const retiredGroups = this.retired.groups.filter((g, i, all) => !current.has(identity(g)) && all.findIndex((x) => identity(x) === identity(g)) === i);
    return {
      communities: [...communities, ...retiredCommunities.map((c) => ({ ...c, retired: true }))],
      groups: [...groups, ...retiredGroups.map((g) => ({ ...g, retired: true }))],
    };
  }

  private allGroups(): GroupSpec[] {
    return this.sets.flatMap((s) => s.groups);
  }

  /**
   * A handle changed in every file: the community entry, its groups' parents, the id written for
   * it. `same`: still the same community (its id written with it), so the groups an edit retired
   * under it follow the new name too (a new community, without its id, leaves them where they were).
   */
  private renameCommunity(from: string, to: string, same = true): void {
    for (const s of this.sets) for (const c of s.communities) if (c.handle === from) c.handle = to;
    for (const g of this.allGroups()) if (g.parent === from) g.parent = to;
    if (same) for (const g of this.retired.groups) if (g.parent === from) g.parent = to;
    const id = this.ids.get(from);
    if (id !== undefined) {
      this.ids.delete(from);
      this.ids.set(to, id);
    }
  }

  /**
   * Makes one edit to the first run's items (indices modulo their number). `ledgerId` is what
   * `report` tells a person of a community's id. Returns what was done, in words.
   */
  apply(e: Edit, ledgerId: (handle: string) => string | undefined): string {
    this.edited = true;
    const first = this.sets[0]!;
    const group = (i: number) => (first.groups.length === 0 ? undefined : first.groups[i % first.groups.length]!);
    const community = (i: number) => first.communities[i % first.communities.length]!;
    switch (e.kind) {
      case 'reorder':
        for (const s of this.sets) {
          s.communities.reverse();
          s.groups.reverse();
          s.groupsFirst = !s.groupsFirst;
        }
        return 'entries and files in reverse order';
      case 'reformat':
        for (const s of this.sets) {
          if (s.layout === 'separate') {
            s.communityFormat = s.communityFormat === 'csv' ? 'yaml' : 'csv';
            s.groupFormat = s.groupFormat === 'csv' ? 'yaml' : 'csv';
          } else s.layout = s.layout === 'csv-kind' ? 'nested' : 'csv-kind';
        }
        return 'YAML rewritten as CSV, CSV as YAML';
      case 'rename-group': {
        const g = group(e.group);
        if (!g) return 'rename: no group';
        const before = clone(g);
        g.before = before;
        g.name = `${g.name} v2`;
        // README: "rename a group that has no key … add moved_from: <old name>".
        if (g.key === undefined) g.movedFrom = before.name;
        else nothingToMatch(g);
        return `group ${before.parent}/${before.key ?? before.name} renamed "${g.name}"${g.movedFrom ? `, moved_from: ${g.movedFrom}` : ''}`;
      }
      case 'add-key': {
        const g = group(e.group);
        if (!g) return 'add-key: no group';
        const before = clone(g);
        g.before = before;
        g.key = g.key === undefined ? keyFor(g.name) : `${g.key}-2`;
        // A moved_from written by a rename in this same edit still names the ledger's key: a
        // person keeps it. Found by seed -698852383 path 175 on 86f2305 (the generator dropped it).
        nothingToMatch(g);
        return `group ${before.parent}/${before.key ?? before.name} given key ${g.key}`;
      }
      case 'move-group': {
        const g = group(e.group);
        if (!g) return 'move: no group';
        const others = first.communities.filter((c) => c.handle !== g.parent);
        if (others.length === 0) return 'move: no other community';
        const to = others[e.to % others.length]!;
        this.retired.groups.push(clone(g));
        const from = `${g.parent}/${g.key ?? g.name}`;
        g.parent = to.handle;
        g.byId = false;
        delete g.before;
        delete g.movedFrom;
        return `group ${from} moved to community ${to.handle} (a new group there)`;
      }
      case 'handle-case': {
        const c = community(e.community);
        const to = otherCase(c.handle);
        const id = this.ids.get(c.handle) ?? (e.withId ? ledgerId(c.handle) : undefined);
        if (id !== undefined) {
          // Same community under another spelling of its handle, its id written: the tool refuses.
          this.ids.set(c.handle, id);
          const from = c.handle;
          this.renameCommunity(from, to);
          return `community ${from} written ${to}, community_id ${id}`;
        }
        // No id: a new community as far as the tool can know (warned); the old one stays.
        this.retired.communities.push(clone(c));
        for (const g of this.allGroups()) {
          if (g.parent !== c.handle) continue;
          this.retired.groups.push(clone(g));
          delete g.before;
          delete g.movedFrom;
        }
        const from = c.handle;
        this.renameCommunity(from, to, false);
        return `community ${from} written ${to} (no id: a new community)`;
      }
      case 'name-by-id': {
        const c = community(e.community);
        const id = this.ids.get(c.handle) ?? ledgerId(c.handle);
        if (id === undefined) return `community ${c.handle} has no id in the ledger to name it by`;
        this.ids.set(c.handle, id);
        for (const g of this.allGroups()) if (g.parent === c.handle) g.byId = true;
        if (!e.newHandle) return `community ${c.handle} and its groups named by community_id ${id}`;
        const from = c.handle;
        this.renameCommunity(from, `${from}x`);
        return `community ${from} named by community_id ${id} under a new handle ${from}x`;
      }
    }
  }

  /**
   * A refused run (exit 2, nothing sent) answered as its lines and the docs say: `moved_from` where
   * the tool names the group it may be (the edits here keep a group's identity), no chat_id for a
   * group moved to another community, moved_from removed where nothing moved, the ledger's handle
   * for a community_id. Returns what the person did, or [] when a line is no refusal they can answer.
   */
  answer(stderr: string, idOf: (handle: string) => string | undefined): string[] {
    const did: string[] = [];
    const byKey = (key: string) => this.allGroups().find((g) => groupKeys(g, (h) => this.ids.get(h) ?? idOf(h)).includes(key));
    const faults = stderr.split('\n').filter((l) => /\.(csv|yaml):\d+(:\d+)?: /.test(l) && !l.startsWith('warning:'));
    for (const line of faults) {
      let m: RegExpMatchArray | null;
      if ((m = line.match(/group (.+?) (?:is new to the ledger|gives chat_id ".*?", which the ledger holds).* add moved_from: (".*?") to this entry/))) {
        const g = byKey(m[1]!);
        if (!g) return [];
        g.movedFrom = JSON.parse(m[2]!) as string;
        did.push(`moved_from: ${g.movedFrom} on ${m[1]}`);
      } else if ((m = line.match(/group (.+?) gives chat_id ".*?", which the ledger holds .*give this one another chat_id, or none/))) {
        const g = byKey(m[1]!);
        if (!g) return [];
        delete g.chatId;
        did.push(`chat_id removed from ${m[1]}`);
      } else if ((m = line.match(/the ledger holds no group ".*?" in community ".*?" to move to (.+?): remove moved_from/))) {
        const g = byKey(m[1]!);
        if (!g) return [];
        delete g.movedFrom;
        did.push(`moved_from removed from ${m[1]}`);
      } else if ((m = line.match(/community "(.+?)" gives community_id .*?, which the ledger holds for community "(.+?)".*write handle "(.+?)" here/))) {
        this.renameCommunity(m[1]!, m[3]!);
        did.push(`handle ${m[1]} written ${m[3]}`);
      } else return [];
    }
    return did;
  }
}
