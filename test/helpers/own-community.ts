// A community created straight through the API, as another tool (or a person's sandbox) would
// have made it: outside every manifest and every ledger. Returns its id.
import type { Simulator } from '../../src/simulator/index.js';

export async function ownCommunity(sim: Simulator, token: string, handle: string, name = handle): Promise<string> {
  const res = await fetch(`${sim.url}/api/thirdparty/community/create`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ handle, name, type: 1, actions: [{ action_id: 3, access_type_id: 5 }] }),
  });
  await res.arrayBuffer();
  // The simulator's own record: an id that is a number beyond 2^53 would lose digits in res.json().
  const id = sim.state.communityByHandle(handle)?.community_id;
  if (id === undefined) throw new Error(`could not create community ${handle}: HTTP ${res.status}`);
  return id;
}
