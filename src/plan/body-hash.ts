// A short fingerprint of a request body, kept in the ledger so a later run can tell that a
// manifest entry changed after its item was created (the API has no update).
import { createHash } from 'node:crypto';

export function bodyHash(json: string): string {
  return createHash('sha256').update(json).digest('base64url').slice(0, 16);
}
