/**
 * Releasing embargoed updates: the use case both schedulers share (the local server's timer and,
 * on AWS, the release function that EventBridge Scheduler and the backstop sweep invoke).
 *
 * A release is an event the system appends (`UpdateReleased`, recorded by `system`), decided by
 * the Decider against the log: a release of what is not pending (released already, cancelled,
 * never embargoed) or not due yet decides nothing. So a schedule that fires twice, a sweep that
 * runs beside it, or two processes at once never release twice: the second finds nothing
 * pending (and the story's conditional append refuses a second event at the same version).
 */
import { SYSTEM_EDITOR, type StoryEvent } from '../domain/story/events';
import { NotFoundError } from '../domain/errors';
import type { DueRelease, Log, ReleaseIndex, ReleaseSchedules } from './ports';

/** What releasing needs of the write side (StoryWriter.release). */
export interface Releaser {
  release(storyId: string, target: string, editor: string): Promise<{ body: { version: number } } | undefined>;
}

export interface ReleaseDeps {
  writer: Releaser;
  index: ReleaseIndex;
  now?: () => string;
  log?: Pick<Log, 'info'>;
}

export interface ReleaseOutcome {
  /** Releases appended now. */
  released: DueRelease[];
  /** Index items found due that needed no release (released, cancelled or moved since). */
  stale: number;
}

/** Releases one pending update if it is due: true when this call appended its release. */
export async function releaseOne(deps: Pick<ReleaseDeps, 'writer' | 'log'>, storyId: string, updateId: string): Promise<boolean> {
  try {
    const result = await deps.writer.release(storyId, updateId, SYSTEM_EDITOR);
    if (result) deps.log?.info('update released', { storyId, updateId, version: result.body.version });
    return result !== undefined;
  } catch (error) {
    // A story or update that does not exist has nothing to release (a schedule left over by a deleted story or stack).
    if (error instanceof NotFoundError) return false;
    throw error;
  }
}

/**
 * Releases everything due by now, soonest first, at most `limit` (the rest at the next call), and
 * forgets each index item once handled. A store failure stops the run with the error; what is
 * left stays in the index for the next attempt.
 */
export async function releaseDue(deps: ReleaseDeps, limit = 100): Promise<ReleaseOutcome> {
  const now = (deps.now ?? (() => new Date().toISOString()))();
  const outcome: ReleaseOutcome = { released: [], stale: 0 };
  for (const due of await deps.index.due(now, limit)) {
    if (await releaseOne(deps, due.storyId, due.updateId)) outcome.released.push(due);
    else outcome.stale++;
    await deps.index.forget(due);
  }
  return outcome;
}

/** What an embargo event asks of the release schedules: one to create or move, one to delete, or none. */
export function scheduleChangeOf(event: StoryEvent): { schedule: DueRelease } | { cancel: { storyId: string; updateId: string } } | undefined {
  const storyId = event.metadata.storyId;
  switch (event.type) {
    case 'ArticlePublished':
    case 'StatementRecorded':
      return event.data.releaseAt === undefined
        ? undefined
        : { schedule: { storyId, updateId: event.metadata.updateId, releaseAt: event.data.releaseAt } };
    case 'UpdateRescheduled':
      return { schedule: { storyId, updateId: event.data.target, releaseAt: event.data.releaseAt } };
    case 'ReleaseCancelled':
      return { cancel: { storyId, updateId: event.data.target } };
    default:
      return undefined;
  }
}

/**
 * Keeps the release schedules in step with the embargo events the live projector applied (replays
 * never call it, so they create no schedule). A failure is logged, not thrown: the projection is
 * done and a redelivery would not come back here; the backstop sweep releases what a lost schedule
 * would have, within its period.
 */
export async function syncSchedules(events: readonly StoryEvent[], schedules: ReleaseSchedules, log: Pick<Log, 'error'>): Promise<number> {
  let failed = 0;
  for (const event of events) {
    const change = scheduleChangeOf(event);
    try {
      if (change && 'schedule' in change) await schedules.schedule(change.schedule);
      else if (change) await schedules.cancel(change.cancel.storyId, change.cancel.updateId);
    } catch (error) {
      failed++;
      log.error('release schedule not synced (the sweep releases it)', {
        storyId: event.metadata.storyId,
        version: event.metadata.version,
        error: String(error),
      });
    }
  }
  return failed;
}
