/**
 * The fold that replay runs: the same `project`/`applyStep` as the live projector, fed page by
 * page, that also keeps what time travel needs — each entry's revisions (its state after every
 * correction or retraction) and a snapshot of the story-wide parts (head, people, sources) every
 * SNAPSHOT_INTERVAL versions. Pure: the store writes what it collects.
 */
import type { StoryEvent } from '../story/events';
import {
  applyStep,
  isRevision,
  project,
  SNAPSHOT_INTERVAL,
  targetOf,
  type Person,
  type Source,
  type StoryHead,
  type StoryView,
  type TimelineEntry,
} from './story-view';

/** The story-wide part of the view at one version; timeline entries are not in it (see docs/projections.md). */
export interface TimeTravelSnapshot {
  head: StoryHead;
  people: [key: string, person: Person][];
  sources: [key: string, source: Source][];
}

export class StoryRebuild {
  view?: StoryView;
  readonly revisions: TimelineEntry[] = [];
  readonly snapshots: TimeTravelSnapshot[] = [];
  events = 0;

  constructor(private readonly interval = SNAPSHOT_INTERVAL) {}

  add(events: Iterable<StoryEvent>): void {
    for (const event of events) {
      const view = this.view;
      const target = targetOf(event);
      const targetEntry = target ? view?.entries.get(target) : undefined;
      const step = project(event, { ...(view ? { head: view.head } : {}), ...(targetEntry ? { target: targetEntry } : {}) });
      this.view = applyStep(view, step);
      this.events++;
      if (isRevision(step)) this.revisions.push(step.entry!);
      if (step.head.version % this.interval === 0) this.snapshots.push(snapshotOf(this.view));
    }
  }
}

export function snapshotOf(view: StoryView): TimeTravelSnapshot {
  // Copies: the fold goes on mutating the maps' values.
  return {
    head: view.head,
    people: [...view.people].map(([k, p]) => [k, { ...p, roles: [...p.roles] }]),
    sources: [...view.sources].map(([k, s]) => [k, { ...s }]),
  };
}
