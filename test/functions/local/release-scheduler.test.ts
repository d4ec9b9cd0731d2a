/**
 * The local server's release scheduler (functions/local/release-scheduler.ts) against DynamoDB
 * Local: a timer on the soonest release (not a poll), re-armed when woken; through a store outage
 * (the store refusing connections, injected into the real client) it backs off, retries and
 * releases once the store answers; two schedulers (two processes) release an update once.
 */
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReleaseScheduler } from '../../../functions/local/release-scheduler';
import { clientConfig, documentClient } from '../../../shared/adapters/dynamodb/client';
import { IdempotencyStore } from '../../../shared/adapters/dynamodb/idempotency-store';
import { DynamoReleaseIndex } from '../../../shared/adapters/dynamodb/views/releases';
import { StoryWriter } from '../../../shared/application/story-writer';
import type { StoryEvent } from '../../../shared/domain/story/events';
import { createTestStore, type TestStore } from '../../support/dynamo';
import { inject } from '../../support/faults';
import { projectLive } from '../../support/replay';
import { until } from '../../support/until';

let store: TestStore;
const schedulers: ReleaseScheduler[] = [];
beforeAll(async () => {
  store = await createTestStore();
});
afterAll(async () => {
  for (const s of schedulers) await s.stop();
  await store?.drop();
});

const newWriter = () => new StoryWriter(store.events, store.views, new IdempotencyStore(store.db, store.tables.idempotency), { newId: ulid });

async function events(storyId: string): Promise<StoryEvent[]> {
  const all: StoryEvent[] = [];
  for await (const page of store.events.stream(storyId)) all.push(...page);
  return all;
}
const releases = async (storyId: string) => (await events(storyId)).filter((e) => e.type === 'UpdateReleased');

/** A story with one statement embargoed `inMs` ahead, projected (its pending update and release index item written). */
async function embargoed(storyId: string, inMs: number): Promise<string> {
  const writer = newWriter();
  await writer.openStory({ id: storyId, headline: 'H', summary: 'S', language: 'en', topics: [] }, { editor: 'anna' });
  const releaseAt = new Date(Date.now() + inMs).toISOString();
  const posted = await writer.recordUpdate(
    storyId,
    { type: 'statement', speaker: { name: 'R' }, quote: 'Q', speech: 'direct', releaseAt },
    { editor: 'anna' },
  );
  await projectLive(store, await events(storyId));
  return posted.body.updateId;
}

function scheduler(db = store.db, warnings: string[] = []) {
  const s = new ReleaseScheduler({
    writer: new StoryWriter(store.events, store.views, new IdempotencyStore(db, store.tables.idempotency), { newId: ulid }),
    index: new DynamoReleaseIndex(db, store.tables.views),
    warn: (message) => void warnings.push(message),
  });
  schedulers.push(s);
  return s;
}

describe('the release scheduler', () => {
  it('arms a timer on the soonest release and releases it when due; woken, it follows a sooner one', async () => {
    const later = await embargoed('timer-later', 60 * 60_000);
    const s = scheduler();
    await s.start();
    expect(await releases('timer-later')).toEqual([]);
    const sooner = await embargoed('timer-sooner', 1_500);
    await s.wake();
    const [release] = await until(async () => {
      const found = await releases('timer-sooner');
      return found.length > 0 ? found : undefined;
    });
    expect(release).toMatchObject({ data: { target: sooner }, metadata: { recordedBy: 'system' } });
    expect(await releases('timer-later')).toEqual([]);
    expect(later).toBeTruthy();
    await s.stop();
  });

  it('through a store outage: backs off, retries, and releases once the store answers', async () => {
    const updateId = await embargoed('outage', 200);
    await new Promise((r) => setTimeout(r, 300));
    const db = documentClient(clientConfig(store.endpoint));
    const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED', name: 'Error' });
    // The store refuses the index's queries for a while: every attempt the SDK makes, over several of the scheduler's runs.
    const fault = inject(db, 'Query', refused, 12);
    const warnings: string[] = [];
    const s = scheduler(db, warnings);
    await s.start();
    expect(await releases('outage')).toEqual([]);
    expect(warnings).toEqual(['release scheduler failed; retrying']);
    const [release] = await until(async () => {
      const found = await releases('outage');
      return found.length > 0 ? found : undefined;
    }, 30_000);
    expect(release).toMatchObject({ data: { target: updateId } });
    expect(fault.seen.faulted).toBe(12);
    // Logged once the run that released it has read the next due time too.
    await until(async () => (warnings.length >= 2 ? true : undefined));
    expect(warnings).toEqual(['release scheduler failed; retrying', 'release scheduler recovered']);
    await s.stop();
    fault.remove();
    db.destroy();
  });

  it('two schedulers (two processes) release a due update once', async () => {
    await embargoed('two-processes', 200);
    await new Promise((r) => setTimeout(r, 300));
    await Promise.all([scheduler().start(), scheduler().start()]);
    await until(async () => ((await releases('two-processes')).length > 0 ? true : undefined));
    expect(await releases('two-processes')).toHaveLength(1);
  });
});
