// A short fingerprint of a request body, kept in the ledger so a later run can tell that a
// manifest entry changed after its item was created (the API has no update).
import { nodeCrypto } from '../node-crypto.js';

// One-shot `crypto.hash` (Node >= 20.12) is twice as fast as a Hash object per call, which
// shows on a rerun that fingerprints a million bodies. Same digest either way.
function sha256Of(): (json: string) => string {
  const crypto = nodeCrypto();
  const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64url') => string }).hash;
  return oneShot ? (json) => oneShot('sha256', json, 'base64url') : (json) => crypto.createHash('sha256').update(json).digest('base64url');
}
let sha256: ((json: string) => string) | undefined;

export function bodyHash(json: string): string {
  return (sha256 ??= sha256Of())(json).slice(0, 16);
}
