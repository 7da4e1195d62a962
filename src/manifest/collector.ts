// One load's checking state, held together so that an item check reaches it through one context:
// the findings (faults, warnings), the handle and group-key indexes, the entry sink and counts.
// Each piece does one job (check/); this file only joins them and gives the run-wide verdict.
import type { ManifestFault } from '../errors.js';
import { ChatIds } from './check/chat-ids.js';
import { EntrySink } from './check/entry-sink.js';
import { Findings } from './check/findings.js';
import { GroupKeys } from './check/group-keys.js';
import { HandleIndex } from './check/handles.js';
import { Places } from './check/places.js';
import type { ManifestEntry } from './entry.js';
import type { ManifestLimits } from './limits.js';

export interface CollectorOptions {
  limits: ManifestLimits;
  /** Every file of the run, in the order given: faults are listed in that order. */
  files: readonly string[];
  onEntry?: (entry: ManifestEntry) => void;
  isKnownHandle?: (handle: string) => boolean;
  /** The handle of a community the ledger has this id for: a group under either name is one group. */
  handleOfId?: (communityId: string) => string | undefined;
  /** The community_id the ledger holds for a handle: a group's derived chat_id is known then. */
  communityIdOf?: (handle: string) => string | undefined;
}

export class Collector {
  readonly findings: Findings;
  readonly handles: HandleIndex;
  readonly groupKeys: GroupKeys;
  readonly chatIds: ChatIds;
  readonly sink: EntrySink;
  readonly counts = { communities: 0, groups: 0, files: 0 };
  private readonly places: Places;

  /**
   * A file could not be read through (missing, unparsable, a CSV syntax error): handles it
   * defines are unknown, so unresolved references are not reported (they would only echo
   * that fault, once per handle).
   */
  incomplete = false;

  constructor(private readonly options: CollectorOptions) {
    this.places = new Places(options.files);
    this.findings = new Findings(options.limits);
    this.handles = new HandleIndex(this.places);
    this.groupKeys = new GroupKeys(this.places);
    this.chatIds = new ChatIds(this.places);
    this.sink = new EntrySink(options.onEntry);
  }

  /** The CSV reader reports through these two (the rest of the loader uses `findings`): kept so csv/ need not change with this file. */
  fault(f: ManifestFault): void {
    this.findings.fault(f);
  }

  warn(f: ManifestFault): void {
    this.findings.warn(f);
  }

  /** The run-wide checks, then every fault and warning, sorted by file and line. */
  finish(): { faults: ManifestFault[]; warnings: ManifestFault[] } {
    for (const f of this.groupKeys.givenTwice(this.options.handleOfId)) this.findings.fault(f);
    for (const f of this.chatIds.derivedClashes(this.groupKeys, this.options.communityIdOf)) this.findings.fault(f);
    if (!this.incomplete) for (const f of this.handles.unresolved(this.options.isKnownHandle)) this.findings.fault(f);
    return this.findings.sorted((file) => this.places.order(file));
  }
}
