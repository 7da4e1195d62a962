// The documentation's own request bodies, written as YAML and as CSV manifests
// (manifests/doc-bodies.*), must produce exactly the documented bodies.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import type { CommunityEntry, GroupEntry } from '../../src/manifest/entry.js';
import { loaded } from './helpers.js';

const docs = JSON.parse(readFileSync('test/fixtures/manifest/doc-bodies.json', 'utf8')) as {
  community: Record<string, unknown>;
  group: Record<string, unknown>;
};

// The reference marks type and actions mandatory for a community without an example: the
// manifests add these two. The group's community_id is filled in at run time from the parent.
const expectedCommunity = { ...docs.community, type: 1, actions: [{ action_id: 3, access_type_id: 5 }] };
const { community_id: _id, ...expectedGroup } = docs.group;

describe.each(['manifests/doc-bodies.yaml', 'manifests/doc-bodies.csv'])('%s', (file) => {
  it('produces exactly the documented community and group bodies', async () => {
    const { entries, warnings, counts } = await loaded([file]);
    expect(warnings).toEqual([]);
    expect(counts).toEqual({ communities: 1, groups: 1, files: 1 });
    const [community, group] = entries as [CommunityEntry, GroupEntry];
    expect(community.kind).toBe('community');
    expect(community.handle).toBe('genuin-community');
    expect(community.body).toStrictEqual(expectedCommunity);
    expect(group.kind).toBe('group');
    expect(group.parentHandle).toBe('genuin-community');
    expect(group.key).toBe('Tech Conversations');
    expect(group.body).toStrictEqual(expectedGroup);
  });

  it('sends the same JSON as the documentation, community_id aside', async () => {
    const { entries } = await loaded([file]);
    const group = entries[1] as GroupEntry;
    const sent = JSON.parse(JSON.stringify({ ...group.body, community_id: docs.group.community_id }));
    expect(sent).toStrictEqual(docs.group);
  });
});
