// Validation refuses two entries of one run that are one group once spelling is set aside: keys
// that differ only in surrounding spaces or Unicode form, and a community named by handle and by id.
import { describe, expect, it } from 'vitest';
import { YAML_HEAD, faultLines, files, loaded } from './helpers.js';

describe('one group, two spellings, in one run', () => {
  it('refuses group keys that differ only in surrounding spaces or Unicode form, naming both places', async () => {
    const p = files({
      'm.yaml':
        YAML_HEAD +
        'communities:\n' +
        '  - handle: brand\n' +
        '    name: Brand\n' +
        '    groups:\n' +
        '      - group: { name: "Caf\u00e9" }\n' +
        '      - group: { name: "Cafe\u0301" }\n' +
        '      - key: " Talk"\n' +
        '        group: { name: Talk }\n' +
        '      - group: { name: "Talk  " }\n',
    });
    const lines = await faultLines([p['m.yaml']]);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^m\.yaml:10:9: key: group key "Cafe\u0301" in community "brand" is the group "Caf\u00e9" at \S*m\.yaml:9 \(group keys are compared without surrounding spaces and in one Unicode form\): give each group a distinct key or group\.name$/);
    expect(lines[1]).toMatch(/^m\.yaml:13:9: key: group key "Talk  " in community "brand" is the group " Talk" at \S*m\.yaml:11 /);
  });

  it('in CSV rows too (a cell with a trailing space)', async () => {
    const p = files({
      'd.yaml': YAML_HEAD,
      'g.csv': 'community_id,group.name\nC1,Talk\nC1,"Talk "\n',
    });
    const lines = await faultLines([p['d.yaml'], p['g.csv']]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^g\.csv:3(:\d+)?: key: group key "Talk " in community with id C1 is the group "Talk" at .*g\.csv:2 /);
  });

  it('refuses a key of nothing but spaces', async () => {
    const p = files({ 'm.yaml': YAML_HEAD + 'groups:\n  - community_id: C1\n    key: "   "\n    group: { name: Talk }\n' });
    expect(await faultLines([p['m.yaml']])).toEqual(['m.yaml:7:10: key: must have text other than spaces (it names the group in the ledger)']);
  });

  it('refuses the same group under a community by handle and by the id an adopted entry gives it, in either file order', async () => {
    const p = files({
      'c.yaml': YAML_HEAD + 'communities:\n  - handle: old-brand\n    community_id: C7\n    groups:\n      - group: { name: Talk }\n      - group: { name: Other }\n',
      'g.csv': 'community_id,group.name\nC7,Talk\nC8,Talk\n',
    });
    const a = await faultLines([p['c.yaml'], p['g.csv']]);
    expect(a).toHaveLength(1);
    expect(a[0]).toMatch(/^g\.csv:2(:\d+)?: key: group key "Talk" in community with id C7 is the group "Talk" of community "old-brand" at .*c\.yaml:9 \("old-brand" has id C7: both name one group\)/);
    const b = await faultLines([p['g.csv'], p['c.yaml']]);
    expect(b).toHaveLength(1);
    expect(b[0]).toMatch(/^c\.yaml:9(:\d+)?: key: group key "Talk" in community "old-brand" is the group "Talk" of community with id C7 at .*g\.csv:2 /);
  });

  it('refuses the same group under a handle and under the id the ledger has for it (handleOfId)', async () => {
    const p = files({
      'd.yaml': YAML_HEAD,
      'g.csv': 'community_handle,community_id,group.name\nmade-earlier,,Talk\n,C5,Talk\n,C6,Talk\n',
    });
    const options = { isKnownHandle: (h: string) => h === 'made-earlier', handleOfId: (id: string) => (id === 'C5' ? 'made-earlier' : undefined) };
    const lines = await faultLines([p['d.yaml'], p['g.csv']], options);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^g\.csv:3(:\d+)?: key: group key "Talk" in community with id C5 is the group "Talk" of community "made-earlier" at .*g\.csv:2 /);
    // Without the ledger's tie the two are different communities as far as anyone can tell.
    await loaded([p['d.yaml'], p['g.csv']], { isKnownHandle: options.isKnownHandle });
  });

  it('accepts the same key under different communities, and keys that differ inside', async () => {
    const p = files({
      'm.yaml':
        YAML_HEAD +
        'communities:\n  - handle: a\n    name: A\n    groups:\n      - group: { name: "b/c" }\n      - group: { name: "Two  spaces" }\n      - group: { name: "Two spaces" }\n' +
        '  - handle: a/b\n    name: AB\n    groups:\n      - group: { name: c }\n',
    });
    const { counts } = await loaded([p['m.yaml']]);
    expect(counts.groups).toBe(4);
  });
});
