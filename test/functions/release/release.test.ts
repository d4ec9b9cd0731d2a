/**
 * The release function's logic (functions/release/release.ts) against DynamoDB Local, with the
 * real writer, the live projector path (which writes the pending updates and the release index)
 * and the release index: a scheduled invocation that comes early waits for its time; the sweep
 * releases what is due and forgets stale index items (moved, cancelled); every release is one
 * event however often or however concurrently it is asked for.
 */
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdempotencyStore } from '../../../shared/adapters/dynamodb/idempotency-store';
import { DynamoReleaseIndex } from '../../../shared/adapters/dynamodb/views/releases';
import { StoryWriter } from '../../../shared/application/story-writer';
import type { StoryEvent } from '../../../shared/domain/story/events';
import { releaseHandler } from '../../../functions/release/release';
import { createTestStore, type TestStore } from '../../support/dynamo';
import { projectLive } from '../../support/replay';

let store: TestStore;
let index: DynamoReleaseIndex;
/** The clock every writer and handler here reads. */
let clock = Date.parse('2026-11-23T10:00:00.000Z');
const now = () => new Date(clock).toISOString();
const at = (minutes: number) => new Date(Date.parse('2026-11-23T10:00:00.000Z') + minutes * 60_000).toISOString();

const newWriter = () => new StoryWriter(store.events, store.views, new IdempotencyStore(store.db, store.tables.idempotency), { newId: ulid, now });
const handler = (sleeps: number[] = []) =>
  releaseHandler({
    writer: newWriter(),
    index,
    now,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
  });

async function events(storyId: string): Promise<StoryEvent[]> {
  const all: StoryEvent[] = [];
  for await (const page of store.events.stream(storyId)) all.push(...page);
  return all;
}
const releases = async (storyId: string) => (await events(storyId)).filter((e) => e.type === 'UpdateReleased');
/** Projects what the store holds, as the stream would deliver it. */
const project = async (storyId: string) => projectLive(store, await events(storyId));

async function story(storyId: string, releaseAt: string): Promise<string> {
  clock = Date.parse('2026-11-23T10:00:00.000Z');
  const writer = newWriter();
  await writer.openStory({ id: storyId, headline: 'H', summary: 'S', language: 'en', topics: [] }, { editor: 'anna' });
  const posted = await writer.recordUpdate(
    storyId,
    { type: 'statement', speaker: { name: 'R' }, quote: 'Q', speech: 'direct', releaseAt },
    { editor: 'anna' },
  );
  await project(storyId);
  return posted.body.updateId;
}

beforeAll(async () => {
  store = await createTestStore();
  index = new DynamoReleaseIndex(store.db, store.tables.views);
});
afterAll(() => store?.drop());

describe('a scheduled invocation', () => {
  it('that comes early (Scheduler runs it within the minute) waits out the seconds left, then releases, recorded by system', async () => {
    const updateId = await story('scheduled-early', at(60) /* 11:00 */);
    clock = Date.parse(at(60)) - 40_000;
    const sleeps: number[] = [];
    expect(await handler(sleeps)({ storyId: 'scheduled-early', updateId, releaseAt: at(60) })).toEqual({ released: 1, stale: 0 });
    expect(sleeps).toEqual([40_000]);
    const [release] = await releases('scheduled-early');
    expect(release).toMatchObject({ data: { target: updateId, releaseAt: at(60) }, metadata: { recordedBy: 'system', recordedAt: at(60) } });
    // Handled: its index item is gone.
    expect((await index.due(at(24 * 60), 100)).filter((r) => r.storyId === 'scheduled-early')).toEqual([]);
  });

  it('once more (Scheduler or Lambda retried it) appends nothing and fails nothing', async () => {
    const [first] = await releases('scheduled-early');
    clock = Date.parse(at(61));
    expect(await handler()({ storyId: 'scheduled-early', updateId: first!.data.target, releaseAt: at(60) })).toEqual({ released: 0, stale: 1 });
    expect(await releases('scheduled-early')).toHaveLength(1);
  });

  it('for an unknown story or update is a no-op', async () => {
    expect(await handler()({ storyId: 'no-such-story', updateId: ulid(), releaseAt: at(0) })).toEqual({ released: 0, stale: 1 });
  });
});

describe('concurrent releases', () => {
  it('from two processes at once append one release', async () => {
    const updateId = await story('concurrent', at(30));
    clock = Date.parse(at(31));
    const outcomes = await Promise.all([handler(), handler(), handler()].map((h) => h({ storyId: 'concurrent', updateId, releaseAt: at(30) })));
    expect(outcomes.reduce((n, o) => n + o.released, 0)).toBe(1);
    expect(await releases('concurrent')).toHaveLength(1);
  });
});

describe('the sweep', () => {
  it('releases what is due from the index, forgets stale items (moved, cancelled), and leaves what is not due', async () => {
    const due = await story('sweep-due', at(5));
    const movedId = await story('sweep-moved', at(5));
    const cancelledId = await story('sweep-cancelled', at(5));
    const later = await story('sweep-later', at(120));
    const writer = newWriter();
    await writer.recordUpdate('sweep-moved', { type: 'reschedule', target: movedId, releaseAt: at(90) }, { editor: 'anna' });
    await writer.recordUpdate('sweep-cancelled', { type: 'retraction', target: cancelledId, reason: 'Broken elsewhere' }, { editor: 'anna' });
    await project('sweep-moved');
    await project('sweep-cancelled');

    clock = Date.parse(at(10));
    const outcome = await handler()({ sweep: true });
    expect(outcome.released).toBe(1);
    expect(await releases('sweep-due')).toMatchObject([{ data: { target: due } }]);
    for (const id of ['sweep-moved', 'sweep-cancelled', 'sweep-later']) expect(await releases(id), id).toEqual([]);
    // The stale items (the moved one's old time, the cancelled one) are forgotten; what is not due stays.
    expect((await index.due(at(10), 100)).filter((r) => r.storyId.startsWith('sweep-'))).toEqual([]);
    const left = (await index.due(at(24 * 60), 100)).filter((r) => r.storyId.startsWith('sweep-'));
    expect(left).toEqual([
      { storyId: 'sweep-moved', updateId: movedId, releaseAt: at(90) },
      { storyId: 'sweep-later', updateId: later, releaseAt: at(120) },
    ]);

    clock = Date.parse(at(121));
    await handler()({ sweep: true });
    expect(await releases('sweep-moved')).toMatchObject([{ data: { target: movedId, releaseAt: at(90) } }]);
    expect(await releases('sweep-later')).toHaveLength(1);
    expect(await handler()({ sweep: true })).toEqual({ released: 0, stale: 0 });
    expect(await releases('sweep-cancelled')).toEqual([]);
  });
});
