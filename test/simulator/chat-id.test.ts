// Client chat_ids: kept and unique by default (a held one is refused 409 5230, creating nothing), or
// ignored with `chatIds: 'ignore'`, or kept without refusing repeats with `chatIds: 'echo'` (a fresh server id every time, repeats accepted and visible as duplicates).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { COMMUNITY, GROUP, community, group, post } from './http.js';

const CHAT = '456e7890-b12c-4c23-89ef-126314214567';

let sim: Simulator;
let cid: string;
beforeEach(async () => {
  sim = await startSimulator();
  cid = (await post(sim.url, COMMUNITY, community('c'))).json.data.community_id;
});
afterEach(async () => {
  await sim.close();
});

describe('client chat_id honoured (default)', () => {
  it('echoes the chat_id sent and refuses a second group holding it, creating nothing', async () => {
    const first = await post(sim.url, GROUP, group(cid, 'G', { chat_id: CHAT }));
    expect(first.status).toBe(200);
    expect(first.json.data.chat_id).toBe(CHAT);

    const again = await post(sim.url, GROUP, group(cid, 'G', { chat_id: CHAT }));
    expect(again.status).toBe(409);
    expect(again.headers['content-type']).toMatch(/^application\/json/);
    expect(again.json).toEqual({ code: '5230', message: 'Group already exists.', data: {} });

    // Held anywhere counts: another name, another community.
    const other = (await post(sim.url, COMMUNITY, community('d'))).json.data.community_id;
    expect((await post(sim.url, GROUP, group(other, 'H', { chat_id: CHAT }))).status).toBe(409);

    expect(sim.state.groups.size).toBe(1);
    expect(sim.state.groupByChatId(CHAT)?.group_id).toBe(first.json.data.group.group_id);
    expect(sim.state.duplicates()).toEqual([]);
  });

  it('checks the chat_id only for a request that would otherwise create', async () => {
    await post(sim.url, GROUP, group(cid, 'G', { chat_id: CHAT }));
    expect((await post(sim.url, GROUP, { type: 4, chat_id: CHAT })).status).toBe(400);
    expect((await post(sim.url, GROUP, group(cid, 'sim-412-x', { chat_id: CHAT }))).status).toBe(412);
  });

  it('a scripted post fault waits past a refused duplicate', async () => {
    await post(sim.url, GROUP, group(cid, 'G', { chat_id: CHAT }));
    sim.injectNext('garbage-200', { endpoint: 'group' });
    expect((await post(sim.url, GROUP, group(cid, 'G', { chat_id: CHAT }))).status).toBe(409);
    expect(sim.state.faultLog).toEqual([]);
  });

  it('reset forgets held chat_ids', async () => {
    await post(sim.url, GROUP, group(cid, 'G', { chat_id: CHAT }));
    sim.reset();
    cid = (await post(sim.url, COMMUNITY, community('c'))).json.data.community_id;
    expect((await post(sim.url, GROUP, group(cid, 'G', { chat_id: CHAT }))).status).toBe(200);
  });
});

describe("chatIds: 'ignore'", () => {
  it('makes its own chat_id every time and accepts repeats, which duplicates() reports', async () => {
    sim.configure({ chatIds: 'ignore' });
    const a = await post(sim.url, GROUP, group(cid, 'G', { chat_id: CHAT }));
    const b = await post(sim.url, GROUP, group(cid, 'G', { chat_id: CHAT }));
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.json.data.chat_id).not.toBe(CHAT);
    expect(b.json.data.chat_id).not.toBe(CHAT);
    expect(a.json.data.chat_id).not.toBe(b.json.data.chat_id);
    expect(sim.state.groups.size).toBe(2);
    expect(sim.state.duplicates()).toEqual([
      { community_id: cid, identity: 'name:G', count: 2, group_ids: [a.json.data.group.group_id, b.json.data.group.group_id] },
    ]);
  });

  it('nameless groups repeated under one chat_id are duplicates by that chat_id', async () => {
    sim.configure({ chatIds: 'ignore' });
    for (let i = 0; i < 2; i++) expect((await post(sim.url, GROUP, { type: 4, community_id: cid, chat_id: CHAT })).status).toBe(200);
    expect(sim.state.duplicates()).toMatchObject([{ identity: `chat_id:${CHAT}`, count: 2 }]);
  });

  it('is an option of startSimulator and of POST /__sim/config, checked', async () => {
    const other = await startSimulator({ chatIds: 'ignore' });
    try {
      const ocid = (await post(other.url, COMMUNITY, community('c'))).json.data.community_id;
      expect((await post(other.url, GROUP, group(ocid, 'G', { chat_id: CHAT }))).json.data.chat_id).not.toBe(CHAT);
    } finally {
      await other.close();
    }
    const set = async (body: unknown) =>
      (await fetch(`${sim.url}/__sim/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }))
        .status;
    expect(await set({ chatIds: 'yes' })).toBe(400);
    expect(await set({ chatIds: 'ignore' })).toBe(200);
    expect(sim.options.chatIds).toBe('ignore');
    expect((await post(sim.url, GROUP, group(cid, 'G', { chat_id: CHAT }))).json.data.chat_id).not.toBe(CHAT);
    expect(await set({ chatIds: 'refuse' })).toBe(200);
    expect((await post(sim.url, GROUP, group(cid, 'H', { chat_id: CHAT }))).json.data.chat_id).toBe(CHAT);
  });
});

describe("chatIds: 'echo'", () => {
  it('keeps and echoes the client chat_id but creates a second group with a held one: duplicates() shows it', async () => {
    sim.configure({ chatIds: 'echo' });
    const a = await post(sim.url, GROUP, group(cid, 'G', { chat_id: CHAT }));
    const b = await post(sim.url, GROUP, group(cid, 'G', { chat_id: CHAT }));
    expect([a.status, b.status]).toEqual([200, 200]);
    expect([a.json.data.chat_id, b.json.data.chat_id]).toEqual([CHAT, CHAT]);
    expect(sim.state.duplicates()).toMatchObject([{ identity: 'name:G', count: 2 }]);
  });

  it('changes mid-run through configure: a held chat_id refused before, accepted after', async () => {
    expect((await post(sim.url, GROUP, group(cid, 'G', { chat_id: CHAT }))).status).toBe(200);
    expect((await post(sim.url, GROUP, group(cid, 'G', { chat_id: CHAT }))).status).toBe(409);
    sim.configure({ chatIds: 'echo' });
    expect((await post(sim.url, GROUP, group(cid, 'G', { chat_id: CHAT }))).status).toBe(200);
    expect(sim.state.groups.size).toBe(2);
  });
});
