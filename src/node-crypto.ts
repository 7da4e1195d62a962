// node:crypto, loaded by its first use: loading it takes about 6 ms, which a command with nothing
// to hash (a plan of an empty manifest, --help) should not pay at start-up (issue 22).
import { createRequire } from 'node:module';

type NodeCrypto = typeof import('node:crypto');
let loaded: NodeCrypto | undefined;

export function nodeCrypto(): NodeCrypto {
  return (loaded ??= createRequire(import.meta.url)('node:crypto') as NodeCrypto);
}
