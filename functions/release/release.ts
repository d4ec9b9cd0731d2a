/**
 * The release function's logic, apart from its Lambda wiring (./handler.ts) so that tests run it
 * against DynamoDB Local. Two kinds of invocation:
 *
 * - `{storyId, updateId, releaseAt}` from the update's one-time schedule: the schedule names the
 *   minute the release falls in and Scheduler runs it within that minute, so it may come up to a
 *   minute early: it waits out what is left (at most MAX_WAIT_MS), then releases.
 * - `{sweep: true}` from the recurring backstop: releases everything due (a schedule lost, never
 *   made, or refused), from the release index.
 *
 * Either is idempotent (shared/application/releases.ts). A store failure throws: Lambda retries
 * the asynchronous invocation, then sends it to the function's on-failure destination; the next
 * sweep releases it anyway.
 */
import { releaseDue, releaseOne, type ReleaseDeps } from '../../shared/application/releases';

/** The longest a scheduled invocation waits for its release time (Scheduler's precision is a minute). */
export const MAX_WAIT_MS = 65_000;

export type ReleaseEvent = { storyId: string; updateId: string; releaseAt: string } | { sweep: true };

export interface ReleaseResult {
  released: number;
  stale: number;
}

export function releaseHandler(deps: ReleaseDeps & { sleep?: (ms: number) => Promise<void> }) {
  const now = deps.now ?? (() => new Date().toISOString());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return async (event: ReleaseEvent): Promise<ReleaseResult> => {
    if ('sweep' in event) {
      let released = 0;
      let stale = 0;
      for (;;) {
        const outcome = await releaseDue(deps);
        released += outcome.released.length;
        stale += outcome.stale;
        if (outcome.released.length + outcome.stale < 100) return { released, stale };
      }
    }
    const early = Date.parse(event.releaseAt) - Date.parse(now());
    if (early > 0 && early <= MAX_WAIT_MS) await sleep(early);
    const released = await releaseOne(deps, event.storyId, event.updateId);
    // Handled: its index item is not needed any more (a sweep would only find it a no-op).
    if (released) await deps.index.forget(event);
    return { released: released ? 1 : 0, stale: released ? 0 : 1 };
  };
}
