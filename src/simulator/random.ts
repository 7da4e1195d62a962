// Seeded randomness for the simulator: a small PRNG (mulberry32) and uuid-v4-shaped ids drawn from it.
// Seeding lets a chaos run be replayed: same seed and request order give the same ids, faults and delays.

/** A source of floats in [0, 1). */
export type Random = () => number;

/** mulberry32: 32 bits of state, fast, and good enough for test traffic (not for secrets). */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seed for an independent stream derived from one user seed, so that (for example) turning latency on
 * does not shift the sequence of ids or fault rolls.
 */
export function deriveSeed(seed: number, stream: number): number {
  return (Math.imul((seed >>> 0) ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(stream + 1, 0x85ebca6b)) >>> 0;
}

function word(random: Random): string {
  return Math.floor(random() * 0x100000000)
    .toString(16)
    .padStart(8, '0');
}

/** A lowercase uuid with the v4 version and RFC 4122 variant bits set, as the real API's ids look. */
/** A positive integer below 2^53, as decimal text (two draws: a single one has only 2^32 values). */
export function safeIntegerId(random: Random): string {
  return String(Math.floor(random() * 2 ** 21) * 2 ** 32 + Math.floor(random() * 2 ** 32) + 1);
}

/** A 19-digit integer (1e18 up to 2e18, beyond 2^53 and within a signed 64-bit integer), as decimal text. */
export function bigIntegerId(random: Random): string {
  const nine = () => String(Math.floor(random() * 1e9)).padStart(9, '0');
  return `1${nine()}${nine()}`;
}

export function uuidV4(random: Random): string {
  const hex = word(random) + word(random) + word(random) + word(random);
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
