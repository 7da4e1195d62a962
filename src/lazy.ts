// A value built on its first use, then kept: module-level zod schemas and the tables derived from
// them cost start-up time (about 20 ms) that a command which never uses them should not pay.
export function lazy<T extends object>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}
