/**
 * The fold that replay runs: the same `project`/`applyStep` as the live projector, fed page by
 * page, that also keeps what time travel needs — each entry's revisions (its state after every
 * correction or retraction) and a snapshot of the story-wide parts (head, people, sources) every
 * SNAPSHOT_INTERVAL versions. Pure: the store writes what it collects.
 */
import type { StoryEvent } from '../story/events';
import {
  applyStep,
  compareTimelineKeys,
  isListedKeyEvent,
  isRevision,
  project,
  readsFor,
  SNAPSHOT_INTERVAL,
  timelineKey,
  type KeyEventChange,
  type PersonCount,
  type Source,
  type StoryHead,
  type StoryView,
  type TimelineEntry,
} from './story-view';

/** The story-wide part of the view at one version; timeline entries are not in it (see docs/projections.md). */
export interface TimeTravelSnapshot {
  head: StoryHead;
  people: [key: string, person: PersonCount][];
  sources: [key: string, source: Source][];
  /**
   * The newest SNAPSHOT_KEY_EVENTS key events listed at the head's version, by update id with its
   * timeline key, newest first in byte order (compareTimelineKeys, as the `e#` index is read): time travel lists the latest of them as they
   * stood, not only those its fold after the snapshot touched. Absent from snapshots written before
   * it was kept.
   */
  keyEvents?: [updateId: string, timelineKey: string][];
}

/**
 * How many of the newest key events a snapshot keeps, so that it stays bounded whatever the story
 * marks. Time travel lists 20 (VIEW_KEY_EVENTS) after folding at most SNAPSHOT_INTERVAL + 200
 * events past the snapshot (TIMELINE_WINDOW, application/time-travel.ts), and each of those can
 * take at most one key event off the list (an unmark, or a correction that moves one back in
 * time): 1,220 always suffice then, and 1,500 leave room (about 90 KB; a snapshot that was not
 * written, so that the fold starts one further back, could in theory need more).
 */
export const SNAPSHOT_KEY_EVENTS = 1_500;

/** What one `add` changed: the entries it created or changed, and the revisions and snapshots it made. */
export interface RebuildChanges {
  entries: Set<string>;
  revisions: TimelineEntry[];
  snapshots: TimeTravelSnapshot[];
}

/**
 * A fold's listed key events in timeline order, kept step by step from the steps' key-events index
 * changes (what the live projector writes to the `e#` index), so that a snapshot takes the newest
 * SNAPSHOT_KEY_EVENTS at once: collecting and sorting them from every entry at each snapshot cost
 * a replay of 100,000 events (14,000 key events) about 1.7 s.
 */
class KeyEventIndex {
  /** Timeline keys, ascending in byte order (unique: a key ends with the entry's version). */
  private readonly keys: string[];
  private readonly ids = new Map<string, string>();

  constructor(readonly view: StoryView) {
    const listed = [...view.entries.values()].filter(isListedKeyEvent).map((e) => [timelineKey(e), e.updateId] as const);
    for (const [key, id] of listed) this.ids.set(key, id);
    this.keys = [...this.ids.keys()].sort(compareTimelineKeys);
  }

  apply(changes: readonly KeyEventChange[] | undefined): void {
    for (const { key, updateId, listed } of changes ?? []) {
      const at = this.position(key);
      const present = this.keys[at] === key;
      if (listed) {
        if (!present) this.keys.splice(at, 0, key);
        this.ids.set(key, updateId);
      } else if (present) {
        this.keys.splice(at, 1);
        this.ids.delete(key);
      }
    }
  }

  newest(limit: number): [updateId: string, timelineKey: string][] {
    return this.keys
      .slice(-limit)
      .reverse()
      .map((key) => [this.ids.get(key)!, key]);
  }

  /** The first index whose key is not below `key`. */
  private position(key: string): number {
    let [lo, hi] = [0, this.keys.length];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareTimelineKeys(this.keys[mid]!, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export class StoryRebuild {
  view?: StoryView;
  readonly revisions: TimelineEntry[] = [];
  readonly snapshots: TimeTravelSnapshot[] = [];
  events = 0;
  /** Built from the view the first time it is needed (a rebuild resumed from a checkpoint is given its view). */
  private keyEvents?: KeyEventIndex;

  constructor(private readonly interval = SNAPSHOT_INTERVAL) {}

  add(events: Iterable<StoryEvent>): RebuildChanges {
    const changes: RebuildChanges = { entries: new Set(), revisions: [], snapshots: [] };
    for (const event of events) {
      const view = this.view;
      const step = project(event, readsFor(event, view));
      this.view = applyStep(view, step);
      this.events++;
      if (this.keyEvents?.view === this.view) this.keyEvents.apply(step.keyEvents);
      else this.keyEvents = new KeyEventIndex(this.view);
      if (step.entry) changes.entries.add(step.entry.updateId);
      if (isRevision(step)) {
        this.revisions.push(step.entry!);
        changes.revisions.push(step.entry!);
      }
      if (step.head.version % this.interval === 0) {
        const snapshot = snapshotOf(this.view, this.keyEvents.newest(SNAPSHOT_KEY_EVENTS));
        this.snapshots.push(snapshot);
        changes.snapshots.push(snapshot);
      }
    }
    return changes;
  }
}

/** The snapshot of a view; `keyEvents`, its newest key events if the caller keeps them (StoryRebuild), else collected from its entries. */
export function snapshotOf(view: StoryView, keyEvents?: [updateId: string, timelineKey: string][]): TimeTravelSnapshot {
  // Copies: the fold goes on mutating the maps' values.
  return {
    head: view.head,
    people: [...view.people].map(([k, p]) => [k, { ...p, roleCounts: { ...p.roleCounts } }]),
    sources: [...view.sources].map(([k, s]) => [k, { ...s }]),
    keyEvents: keyEvents ?? new KeyEventIndex(view).newest(SNAPSHOT_KEY_EVENTS),
  };
}
