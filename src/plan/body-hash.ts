// A short fingerprint of a request body, kept in the ledger so a later run can tell that a
// manifest entry changed after its item was created (the API has no update).
import crypto from 'node:crypto';

// One-shot `crypto.hash` (Node >= 20.12) is twice as fast as a Hash object per call, which
// shows on a rerun that fingerprints a million bodies. Same digest either way.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64url') => string }).hash;

export function bodyHash(json: string): string {
  const digest = oneShot ? oneShot('sha256', json, 'base64url') : crypto.createHash('sha256').update(json).digest('base64url');
  return digest.slice(0, 16);
}
