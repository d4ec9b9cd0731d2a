/** Shared by the replay tests: the live projection path, what readers are served, and item counts per generation. */
import { expect } from 'vitest';
import { paginateScan } from '@aws-sdk/lib-dynamodb';
import { processStreamBatch } from '../../functions/projector/process';
import { readApp } from '../../shared/adapters/http/read-app';
import { StoryReader } from '../../shared/application/story-reader';
import { replayStores } from '../../shared/adapters/dynamodb/views/replay-store';
import { activeViews } from '../../shared/adapters/dynamodb/views/writes';
import type { ReplayContext } from '../../shared/application/replay';
import type { StoryEvent } from '../../shared/domain/story/events';
import type { TestStore } from './dynamo';
import { streamRecord } from './stream-records';

/** Replay against the test store's tables. */
export function replayContextOf(store: TestStore): ReplayContext {
  return { events: store.events, ...replayStores(store.db, store.tables.views) };
}

/** The live path: the projector handler's batch processing, into whichever generation is active. */
export async function projectLive(store: TestStore, events: StoryEvent[]) {
  const views = activeViews(store.db, store.tables.views);
  for (let i = 0; i < events.length; i += 100) {
    const out = await processStreamBatch(events.slice(i, i + 100).map(streamRecord), { views, events: store.events, log: { error() {} } });
    expect(out.batchItemFailures).toEqual([]);
  }
}

const noLog = { info() {}, warn() {}, error() {} };

/** What readers get: view JSON, the Atom feeds' bytes (the story's, its key events') and (with `version`) a time-travel view, through the real routes. */
export async function served(store: TestStore, storyId: string, version?: number) {
  const reader = new StoryReader(activeViews(store.db, store.tables.views), store.events, {
    feed: { baseUrl: 'https://news.example', tagPrefix: 'tag:news.example,2026:' },
  });
  const app = readApp({ reader, log: noLog, health: async () => true });
  const get = async (path: string) => {
    const res = await app.request(path);
    expect(res.status, path).toBe(200);
    return Buffer.from(await res.arrayBuffer()).toString('utf8');
  };
  return {
    view: await get(`/api/stories/${storyId}`),
    feed: await get(`/stories/${storyId}/feed.atom`),
    keyEvents: await get(`/stories/${storyId}/key-events.atom`),
    ...(version ? { past: await get(`/api/stories/${storyId}?version=${version}`) } : {}),
  };
}

/** The key-events index items of `generation` (`e#…`), without the generation: a replay must write exactly the live projector's. */
export async function keyEventItems(store: TestStore, generation: string) {
  const items: string[] = [];
  for await (const page of paginateScan({ client: store.db }, { TableName: store.tables.views })) {
    for (const item of page.Items ?? []) {
      if (String(item.pk).startsWith(`${generation}#`) && String(item.sk).startsWith('e#')) {
        items.push(`${String(item.pk).slice(generation.length)} ${String(item.sk)} ${String(item.updateId)}`);
      }
    }
  }
  return items.sort();
}

/** How many items of the views table belong to `generation` (every page of a scan). */
export async function generationItems(store: TestStore, generation: string) {
  let n = 0;
  for await (const page of paginateScan({ client: store.db }, { TableName: store.tables.views, ProjectionExpression: 'pk' })) {
    n += (page.Items ?? []).filter((i) => String(i.pk).startsWith(`${generation}#`)).length;
  }
  return n;
}
