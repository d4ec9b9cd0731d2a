/**
 * Applies a story's events to the stored view: ordered, idempotent, never skipping.
 *
 * - Events at or below the stored head's version were applied already (a redelivery): no-op.
 * - A gap (a record whose predecessor was never applied) is filled from the events table, the
 *   source of truth, instead of waiting for a redelivery that may never come.
 * - The run is folded in memory and written as few conditional transactions (see ViewStore), so a
 *   batch of 100 records costs a handful of writes, not 100.
 * - Each time the head reaches a multiple of SNAPSHOT_INTERVAL, the run is cut there and the
 *   story-wide parts are snapshotted for time travel before the rest is written.
 */
import type { StoryEvent } from '../domain/story/events';
import { isEmbargoed, type StoryEvent as AnyEvent } from '../domain/story/events';
import { pendingTargetOf, project, SNAPSHOT_INTERVAL, targetOf, type TimelineEntry, type ViewStep } from '../domain/projection/story-view';
import { StaleHeadError } from './errors';
import type { EventReader, ViewWriter } from './ports';

/** The projector reads from the log only to fill gaps. */
type GapReader = Pick<EventReader, 'stream'>;

export interface ProjectionResult {
  storyId: string;
  /** Head version after the run (unchanged when everything was a redelivery). */
  version: number;
  applied: number;
  /** Events applied that changed what readers see (not embargo events): 0 means no feed changed, so no WebSub ping. */
  publicChanges: number;
  /** The embargo events applied: the release schedules they create, move or cancel (see releaseSchedulesOf). */
  embargoEvents: AnyEvent[];
}

export async function projectStory(
  storyId: string,
  incoming: StoryEvent[],
  views: ViewWriter,
  events: GapReader,
  attempts = 3,
): Promise<ProjectionResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await projectOnce(storyId, incoming, views, events);
    } catch (error) {
      // Another projector instance moved the head between our read and write: re-read and go on.
      if (!(error instanceof StaleHeadError) || attempt >= attempts) throw error;
    }
  }
}

async function projectOnce(storyId: string, incoming: StoryEvent[], views: ViewWriter, events: GapReader): Promise<ProjectionResult> {
  const head = await views.head(storyId, true);
  const base = head?.version ?? 0;
  const fresh = dedupe(incoming.filter((e) => e.metadata.version > base));
  if (fresh.length === 0) return { storyId, version: base, applied: 0, publicChanges: 0, embargoEvents: [] };

  const last = fresh.at(-1)!.metadata.version;
  const run = isContiguous(fresh, base) ? fresh : await readRange(events, storyId, base, last);

  const entries = new Map<string, TimelineEntry>();
  // Pending updates of this run (undefined: released or cancelled within it).
  const pendings = new Map<string, TimelineEntry | undefined>();
  const steps: ViewStep[] = [];
  let current = head;
  for (const event of run) {
    const target = targetOf(event);
    let targetEntry: TimelineEntry | undefined;
    if (target) targetEntry = entries.get(target) ?? (await views.entry(storyId, target, true));
    const pendingId = pendingTargetOf(event);
    let pending: TimelineEntry | undefined;
    if (pendingId) pending = pendings.has(pendingId) ? pendings.get(pendingId) : await views.pendingEntry(storyId, pendingId, true);
    const step = project(event, {
      ...(current ? { head: current } : {}),
      ...(targetEntry ? { target: targetEntry } : {}),
      ...(pending ? { pending } : {}),
    });
    if (step.entry) entries.set(step.entry.updateId, step.entry);
    if (step.pending) pendings.set(step.pending.updateId, step.pending);
    if (step.unpending !== undefined) pendings.set(step.unpending, undefined);
    steps.push(step);
    current = step.head;
  }
  let prev = base;
  for (const segment of atSnapshots(steps)) {
    await views.applySteps(storyId, prev, segment);
    const head = segment.at(-1)!.head;
    // The head is exactly at the interval now (the next segment is not written yet), so the
    // stored people and sources are those of this version.
    if (head.version % SNAPSHOT_INTERVAL === 0) await views.writeTimeTravelSnapshot(head);
    prev = head.version;
  }
  const embargoEvents = run.filter(isEmbargoed);
  return { storyId, version: current!.version, applied: steps.length, publicChanges: run.length - embargoEvents.length, embargoEvents };
}

function atSnapshots(steps: ViewStep[]): ViewStep[][] {
  const segments: ViewStep[][] = [[]];
  for (const step of steps) {
    segments.at(-1)!.push(step);
    if (step.head.version % SNAPSHOT_INTERVAL === 0) segments.push([]);
  }
  return segments.filter((s) => s.length > 0);
}

function dedupe(events: StoryEvent[]): StoryEvent[] {
  const byVersion = new Map(events.map((e) => [e.metadata.version, e]));
  return [...byVersion.values()].sort((a, b) => a.metadata.version - b.metadata.version);
}

function isContiguous(events: StoryEvent[], base: number): boolean {
  return events.every((e, i) => e.metadata.version === base + i + 1);
}

async function readRange(reader: GapReader, storyId: string, after: number, upTo: number): Promise<StoryEvent[]> {
  const out: StoryEvent[] = [];
  for await (const page of reader.stream(storyId, { after, upTo })) out.push(...page);
  return out;
}
