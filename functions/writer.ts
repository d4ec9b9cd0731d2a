/**
 * The write side's wiring, apart from functions/runtime.ts so that the projector's and the read
 * function's bundles do not carry the decider and the request schemas.
 */
import { newUpdateId } from '../shared/adapters/update-ids';
import { IdempotencyStore } from '../shared/adapters/dynamodb/idempotency-store';
import { activeReads } from '../shared/adapters/dynamodb/views/reads';
import type { ViewReader } from '../shared/application/ports';
import { StoryWriter } from '../shared/application/story-writer';
import type { Runtime } from './runtime';

/** View reads for the write side, always from the active generation. */
export function liveViews(rt: Runtime): ViewReader {
  const current = activeReads(rt.viewsDb, rt.tables.views);
  return {
    head: async (storyId, consistent) => (await current()).head(storyId, consistent),
    entry: async (storyId, updateId, consistent) => (await current()).entry(storyId, updateId, consistent),
    pendingEntry: async (storyId, updateId, consistent) => (await current()).pendingEntry(storyId, updateId, consistent),
  };
}

export function createWriter(rt: Runtime, options: { now?: () => string; groupCommit?: boolean } = {}): StoryWriter {
  return new StoryWriter(rt.events, liveViews(rt), new IdempotencyStore(rt.db, rt.tables.idempotency), { newId: newUpdateId, ...options });
}
