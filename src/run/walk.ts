// The one owner of every item's state in a run: waiting (for its parent's id) → ready →
// started → settled, and of what a parent's end does to its children (released or blocked).
// The plan is data and is never written; a second start of an item throws, so "an item is
// started at most once per run" holds by construction, not by care.
import type { Plan, PlanItem } from '../plan/plan.js';

export type Phase = 'waiting' | 'ready' | 'started' | 'settled';

export class Walk {
  readonly #phase = new Map<PlanItem, Phase>();
  /** Items that only their parent's release may start, never the plan's own order. */
  readonly #isChild = new Set<PlanItem>();
  readonly #children: ReadonlyMap<string, readonly PlanItem[]>;

  constructor(plan: Plan) {
    this.#children = plan.waiting;
    for (const item of plan.items) {
      if (item.action === 'create' || item.action === 'adopt') this.#phase.set(item, 'ready');
    }
    // Children are waiting whatever their place in the manifests (nested, top-level, another file).
    for (const children of plan.waiting.values()) for (const child of children) {
      this.#phase.set(child, 'waiting');
      this.#isChild.add(child);
    }
  }

  phase(item: PlanItem): Phase | undefined {
    return this.#phase.get(item);
  }

  /**
   * True if the plan's own order may start the item now. Never a child: a child becomes ready
   * only through its parent's release, which hands it to whoever starts or blocks it.
   */
  isFeedable(item: PlanItem): boolean {
    return this.#phase.get(item) === 'ready' && !this.#isChild.has(item);
  }

  /** Marks the item started; throws if it was started or settled before (a bug, never a retry). */
  start(item: PlanItem): void {
    const phase = this.#phase.get(item);
    if (phase !== 'ready' && phase !== 'waiting') {
      throw new Error(`internal: ${item.kind} ${item.key} started twice (phase ${String(phase)})`);
    }
    this.#phase.set(item, 'started');
  }

  settle(item: PlanItem): void {
    this.#phase.set(item, 'settled');
  }

  /**
   * The children still waiting for `parent`, each moved to ready: the caller starts them (or
   * blocks them). A child is handed out once; a second call returns none.
   */
  release(parent: PlanItem): PlanItem[] {
    const out: PlanItem[] = [];
    for (const child of this.#children.get(parent.key) ?? []) {
      if (this.#phase.get(child) !== 'waiting') continue;
      this.#phase.set(child, 'ready');
      out.push(child);
    }
    return out;
  }

  /**
   * The children still waiting for `parent`, a parent that will get no id of its own in this run
   * (it failed, exists, or its answer carried another item's id): each is settled, and the caller
   * counts them as blocked. A child is handed out once, by this or by release().
   */
  block(parent: PlanItem): PlanItem[] {
    const out = this.release(parent);
    for (const child of out) this.settle(child);
    return out;
  }

  /** Items not started yet (of `kind`, or of both kinds). */
  notStarted(kind?: PlanItem['kind']): number {
    let n = 0;
    for (const [item, phase] of this.#phase) if ((phase === 'waiting' || phase === 'ready') && (kind === undefined || item.kind === kind)) n++;
    return n;
  }
}
