// Writes a scenario's manifest set as files, in the layout drawn: what a person would have on disk
// and pass to `apply`, in the order drawn. Adoptions (ids given) come from the driver.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify as csvStringify } from 'csv-stringify/sync';
import { stringify as yamlStringify } from 'yaml';
import type { CommunitySpec, GroupSpec, ManifestSet } from './generate.js';

const ACTIONS = [{ action_id: 3, access_type_id: 5 }];

/** Handle → community_id for every community the manifests must name by id (adopted ones). */
export type Ids = ReadonlyMap<string, string>;

function communityEntry(c: CommunitySpec, ids: Ids): Record<string, unknown> {
  const id = ids.get(c.handle);
  return { handle: c.handle, ...(id ? { community_id: id } : {}), name: c.name, type: 1, actions: ACTIONS };
}

/** A group as a YAML entry; `nested` leaves out the parent (it is the enclosing community). */
function groupEntry(g: GroupSpec, ids: Ids, nested: boolean): Record<string, unknown> {
  const parent = nested ? {} : g.byId ? { community_id: ids.get(g.parent) } : { community_handle: g.parent };
  return { ...parent, ...(g.key ? { key: g.key } : {}), ...(g.movedFrom ? { moved_from: g.movedFrom } : {}), ...(g.chatId ? { chat_id: g.chatId } : {}), type: 4, group: { name: g.name } };
}

function yamlDoc(body: Record<string, unknown>): string {
  return yamlStringify({ version: 1, ...body });
}

function communitiesYaml(set: ManifestSet, ids: Ids, nest: boolean): string {
  const nestedHere = (g: GroupSpec, c: CommunitySpec) => nest && !g.byId && g.parent === c.handle;
  const communities = set.communities.map((c) => {
    const groups = set.groups.filter((g) => nestedHere(g, c)).map((g) => groupEntry(g, ids, true));
    return { ...communityEntry(c, ids), ...(groups.length > 0 ? { groups } : {}) };
  });
  const topLevel = set.groups.filter((g) => !set.communities.some((c) => nestedHere(g, c))).map((g) => groupEntry(g, ids, false));
  return yamlDoc({ communities, ...(topLevel.length > 0 ? { groups: topLevel } : {}) });
}

const COMMUNITY_COLUMNS = ['handle', 'community_id', 'name', 'type', 'actions'];
const GROUP_COLUMNS = ['community_handle', 'community_id', 'key', 'chat_id', 'type', 'group.name'];
/** A `moved_from` column only where a group has one: a person adds it when the tool asks. */
const groupColumns = (groups: GroupSpec[]): string[] => (groups.some((g) => g.movedFrom) ? [...GROUP_COLUMNS, 'moved_from'] : GROUP_COLUMNS);

function communityRow(c: CommunitySpec, ids: Ids): Record<string, string> {
  return { handle: c.handle, community_id: ids.get(c.handle) ?? '', name: c.name, type: '1', actions: '3:5' };
}

function groupRow(g: GroupSpec, ids: Ids): Record<string, string> {
  return {
    community_handle: g.byId ? '' : g.parent,
    community_id: g.byId ? (ids.get(g.parent) ?? '') : '',
    key: g.key ?? '',
    chat_id: g.chatId ?? '',
    type: '4',
    'group.name': g.name,
    ...(g.movedFrom ? { moved_from: g.movedFrom } : {}),
  };
}

function csv(columns: string[], rows: Record<string, string>[]): string {
  return csvStringify(rows, { header: true, columns });
}

/**
 * Writes the set's files into `dir` (names prefixed with `tag`, so runs do not overwrite each
 * other) and returns them in command-line order. Rewriting with more ids is how a person adopts.
 */
export function writeManifests(dir: string, tag: string, set: ManifestSet, ids: Ids): string[] {
  const write = (name: string, text: string) => {
    const path = join(dir, `${tag}-${name}`);
    writeFileSync(path, text);
    return path;
  };
  switch (set.layout) {
    case 'nested':
      return [write('manifest.yaml', communitiesYaml(set, ids, true))];
    case 'top-level':
      return [write('manifest.yaml', communitiesYaml(set, ids, false))];
    case 'csv-kind': {
      const columns = ['kind', ...COMMUNITY_COLUMNS, ...groupColumns(set.groups).filter((c) => !COMMUNITY_COLUMNS.includes(c))];
      const rows = [
        ...set.communities.map((c) => ({ kind: 'community', ...communityRow(c, ids) })),
        ...set.groups.map((g) => ({ kind: 'group', ...groupRow(g, ids) })),
      ];
      return [write('manifest.csv', csv(columns, rows))];
    }
    case 'separate': {
      const files: string[] = [];
      files.push(
        set.communityFormat === 'csv'
          ? write('communities.csv', csv(COMMUNITY_COLUMNS, set.communities.map((c) => communityRow(c, ids))))
          : write('communities.yaml', yamlDoc({ communities: set.communities.map((c) => communityEntry(c, ids)) })),
      );
      // A person with no groups writes no group file.
      if (set.groups.length > 0) {
        const groups =
          set.groupFormat === 'csv'
            ? write('groups.csv', csv(groupColumns(set.groups), set.groups.map((g) => groupRow(g, ids))))
            : write('groups.yaml', yamlDoc({ groups: set.groups.map((g) => groupEntry(g, ids, false)) }));
        if (set.groupsFirst) files.unshift(groups);
        else files.push(groups);
      }
      return files;
    }
  }
}
