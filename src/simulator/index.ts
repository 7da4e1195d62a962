// The simulator's public surface: start one, steer it, read what it holds.
// Everything else in this folder is an implementation detail.
export { Simulator, startSimulator } from './server.js';
export { DEFAULT_OPTIONS, MAX_BODY_BYTES, SimulatorOptionsError, resolveOptions } from './options.js';
export type { NumericIds, RateLimit, ResolvedOptions, SimulatorOptions } from './options.js';
export { BURST_FOLLOWERS, FAULT_KINDS, FAULTS, isFaultKind } from './faults.js';
export type { Endpoint, FaultKind, FaultProbabilities } from './faults.js';
export { TRIGGERS } from './endpoints.js';
export { AUTH_PATH, TOKEN_HEADER } from './auth.js';
export { State, groupIdentity, itemKey } from './state.js';
export type {
  CommunityRecord,
  Counts,
  DuplicateGroups,
  FaultLogEntry,
  GroupRecord,
  ItemRequests,
  StateSnapshot,
} from './state.js';
export { TokenBucket, retryAfterSeconds } from './token-bucket.js';
export { mulberry32, uuidV4 } from './random.js';
