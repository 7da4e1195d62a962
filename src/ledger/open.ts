// Opens the ledger a location names: a `postgres://` or `postgresql://` URL is the PostgreSQL store,
// anything else the JSON Lines file. The one file that knows both stores (store.ts is the face
// they share; runs, plans, reports and ledger verbs only ever hold a LedgerStore).
import { fileLedgerStore, type FileStoreOptions } from './file-store.js';
import { isPostgresUrl, redactPgUrl } from './pg/url.js';
import type { LedgerState, ReadLedgerOptions } from './replay.js';
import type { LedgerStore } from './store.js';

export { isPostgresUrl } from './pg/url.js';

/** The store `location` names; `options` matter to a file only (a database has no symlinks). */
export function ledgerStore(location: string, options: FileStoreOptions = {}): LedgerStore {
  return isPostgresUrl(location) ? lazyPgStore(location) : fileLedgerStore(location, options);
}

/**
 * The PostgreSQL store, its modules (and pg's) loaded on the first call that needs them: a run
 * on a file ledger never loads them. Its name is known without them (the URL without a password).
 */
function lazyPgStore(location: string): LedgerStore {
  let loaded: Promise<LedgerStore> | undefined;
  const store = () => (loaded ??= import('./pg/store.js').then((m) => m.pgLedgerStore(location)));
  return {
    kind: 'postgres',
    name: redactPgUrl(location),
    exists: async () => (await store()).exists(),
    read: async (options) => (await store()).read(options),
    history: async (key, kind) => (await store()).history(key, kind),
    lines: async function* () {
      yield* (await store()).lines();
    },
    lock: async (options) => (await store()).lock(options),
    compact: async (options) => (await store()).compact(options),
    unlock: async (options) => (await store()).unlock(options),
    // Nothing loaded (or it failed, and the call that loaded it said so): nothing to let go of.
    close: async () => loaded?.then((s) => s.close(), () => undefined),
  };
}

/** Opens the store of `location`, runs `use`, and closes the store whatever happens. */
export async function withLedgerStore<T>(location: string, use: (store: LedgerStore) => Promise<T>, options: FileStoreOptions = {}): Promise<T> {
  const store = ledgerStore(location, options);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

/** The ledger at `location` replayed (no lock): what plan, validate and report read. */
export function readLedgerAt(location: string, options: ReadLedgerOptions = {}): Promise<LedgerState> {
  return withLedgerStore(location, (store) => store.read(options));
}

/** Whether the ledger at `location` is there yet. */
export function ledgerExistsAt(location: string): Promise<boolean> {
  return withLedgerStore(location, (store) => store.exists());
}
