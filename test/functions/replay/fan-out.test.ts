/**
 * The replay Lambda (functions/replay/fan-out.ts) against a real DynamoDB Local. Only SQS and the
 * event source mapping cannot run here: test/support/replay-queue.ts delivers the messages the
 * handler enqueues, one per invocation, several at once, again after a failure, then to a DLQ.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ReplayMessage } from '../../../functions/replay/fan-out';
import { claimFinish, FINISH_CLAIM_TIMEOUT_MS, FINISH_STEP, rebuildAndCount, type ReplayContext } from '../../../shared/application/replay';
import { activeGeneration, readPointer } from '../../../shared/adapters/dynamodb/views/pointer';
import { ViewStore } from '../../../shared/adapters/dynamodb/views/writes';
import type { StoryEvent } from '../../../shared/domain/story/events';
import { writeGeneratedStory } from '../../bench/story-generator';
import { createTestStore, type TestStore } from '../../support/dynamo';
import { smallStory, statement } from '../../support/events';
import { generationItems, projectLive as projectLiveInto, replayContextOf, served as servedFrom } from '../../support/replay';
import { poisoned, replayFunction } from '../../support/replay-queue';

let store: TestStore;
beforeAll(async () => {
  store = await createTestStore();
});
afterAll(() => store.drop());

const projectLive = (events: StoryEvent[]) => projectLiveInto(store, events);
const served = (storyId: string) => servedFrom(store, storyId);
const itemsOf = (generation: string) => generationItems(store, generation);

async function addStory(storyId: string) {
  // The small story up to its second statement: nothing retracted yet.
  const events = smallStory(storyId).slice(0, 5);
  for (const e of events) await store.events.append(storyId, e.metadata.version - 1, [e as never]);
  await projectLive(events);
}

/** A finisher's claim as if made longer ago than a Lambda can run. */
const ageClaim = (generation: string) =>
  store.db.send(
    new UpdateCommand({
      TableName: store.tables.views,
      Key: { pk: 'meta', sk: `build#${generation}` },
      UpdateExpression: 'SET claimedAt = :t',
      ExpressionAttributeValues: { ':t': Date.now() - FINISH_CLAIM_TIMEOUT_MS - 1_000 },
    }),
  );

type FanOut = { generation: string; enqueued: number; resumed: boolean; failed: string[]; finishRequested: boolean };
const storiesOf = (sent: ReplayMessage[]) => sent.flatMap((m) => ('storyId' in m ? [m.storyId] : [])).sort();
const finishesOf = (sent: ReplayMessage[]) => sent.filter((m) => 'finish' in m);

describe('replay Lambda', () => {
  it('enqueues one message per story; the last story asks for the finish, which switches readers in an invocation of its own', async () => {
    for (const id of ['fan-a', 'fan-b', 'fan-c']) await addStory(id);
    await writeGeneratedStory(store.db, store.tables.events, 'fan-long', 2_500);
    const long: StoryEvent[] = [];
    for await (const page of store.events.stream('fan-long')) long.push(...page);
    await projectLive(long);
    const ids = ['fan-a', 'fan-b', 'fan-c', 'fan-long'];
    const before = Object.fromEntries(await Promise.all(ids.map(async (id) => [id, await served(id)] as const)));
    const old = await activeGeneration(store.db, store.tables.views);
    const oldItems = await itemsOf(old);
    expect(oldItems).toBeGreaterThan(2_000);

    const fn = replayFunction(store, { maxConcurrency: 2 });
    const out = (await fn.handler({})) as FanOut;
    expect(out).toMatchObject({ enqueued: 4, resumed: false, failed: [] });
    expect(storiesOf(fn.sent)).toEqual(ids);
    expect(new Set(fn.sent.map((m) => ('generation' in m ? m.generation : m.finish)))).toEqual(new Set([out.generation]));
    // Nothing has run yet: the fan-out only enqueues.
    expect((await readPointer(store.db, store.tables.views))?.generation ?? old).toBe(old);

    await fn.drain();
    expect(
      fn
        .logged('story rebuilt')
        .map((d) => d.storyId)
        .sort(),
    ).toEqual(ids);
    // The finish is a message of its own, delivered after the story that completed the build.
    expect(finishesOf(fn.sent)).toEqual([{ finish: out.generation }]);
    const switched = fn.logged('generation switched');
    expect(switched).toHaveLength(1);
    expect(switched[0]).toMatchObject({ generation: out.generation, deleted: oldItems });
    expect(fn.dlq).toEqual([]);
    expect((await readPointer(store.db, store.tables.views))?.generation).toBe(out.generation);
    expect(await replayContextOf(store).builds.read(out.generation)).toMatchObject({ status: 'switched', done: 4, total: 4 });
    for (const id of ids) expect(await served(id)).toEqual(before[id]);
    expect(await itemsOf(old)).toBe(0);
  });

  it('counts a story delivered twice once, and still switches exactly once', async () => {
    const fn = replayFunction(store, { duplicate: true, maxConcurrency: 4 });
    const before = await activeGeneration(store.db, store.tables.views);
    const served0 = await served('fan-b');
    const out = (await fn.handler({})) as FanOut;
    await fn.drain();
    expect(fn.logged('generation switched')).toHaveLength(1);
    expect(await replayContextOf(store).builds.read(out.generation)).toMatchObject({ status: 'switched', done: 4, total: 4 });
    expect((await readPointer(store.db, store.tables.views))?.generation).toBe(out.generation);
    expect(out.generation).not.toBe(before);
    expect(await served('fan-b')).toEqual(served0);
    expect(fn.dlq).toEqual([]);
  });

  it('a fan-out while a build is unfinished resumes it: only stories not yet rebuilt are enqueued', async () => {
    // A build whose messages were lost after two of them ran.
    const lost = replayFunction(store);
    const opened = (await lost.handler({})) as FanOut;
    expect(opened.enqueued).toBe(4);
    await lost.handler({ storyId: 'fan-a', generation: opened.generation });
    await lost.handler({ storyId: 'fan-c', generation: opened.generation });

    const resume = replayFunction(store);
    const resumed = (await resume.handler({})) as FanOut;
    expect(resumed).toMatchObject({ generation: opened.generation, enqueued: 2, resumed: true });
    expect(storiesOf(resume.sent)).toEqual(['fan-b', 'fan-long']);
    await resume.drain();
    expect(resume.logged('generation switched')).toHaveLength(1);
    expect((await readPointer(store.db, store.tables.views))?.generation).toBe(opened.generation);
  });

  it('a finisher that died after claiming is taken over once its claim is older than a Lambda can run', async () => {
    const ctx = replayContextOf(store);
    const fn = replayFunction(store);
    const opened = (await fn.handler({})) as FanOut;
    fn.queue.length = 0; // its messages lost
    const before = await activeGeneration(store.db, store.tables.views);
    // Every story rebuilt and counted, then the finisher claims the build and dies.
    for (const id of ['fan-a', 'fan-b', 'fan-c', 'fan-long']) await rebuildAndCount(ctx, opened.generation, id);
    expect(await claimFinish(ctx, opened.generation)).toBe(true);

    // A fresh claim is respected: the finish asked for again fails (SQS delivers it again later) and finishes nothing.
    expect(await fn.handler({})).toMatchObject({ generation: opened.generation, enqueued: 0, finishRequested: true });
    await expect(fn.handler({ finish: opened.generation })).rejects.toThrow(/being finished by another invocation/);
    expect(await activeGeneration(store.db, store.tables.views)).toBe(before);

    await ageClaim(opened.generation);
    expect(await fn.handler({ finish: opened.generation })).toMatchObject({ generation: opened.generation, switched: true });
    expect(await activeGeneration(store.db, store.tables.views)).toBe(opened.generation);
    expect(await ctx.builds.read(opened.generation)).toMatchObject({ status: 'switched', done: 4, total: 4 });
  });

  it('a story delivered again after the switch is skipped: the live generation and the build record stay as they are', async () => {
    const ctx = replayContextOf(store);
    const generation = await activeGeneration(store.db, store.tables.views);
    const build = await ctx.builds.read(generation);
    const views = new ViewStore(store.db, store.tables.views, generation);
    // The live projector moves a story on after the switch.
    const next = statement(6, 'Roza Otunbayeva', 'Elections in October', 'fan-c');
    await store.events.append('fan-c', 5, [next as never]);
    await projectLive([next]);
    const served1 = await served('fan-c');

    const fn = replayFunction(store);
    fn.queue.push({ id: 'late', message: { storyId: 'fan-c', generation }, receives: 0 });
    await fn.drain();
    expect(fn.logged('story skipped: the build is not building')).toEqual([{ storyId: 'fan-c', generation, status: 'switched' }]);
    expect(await fn.handler({ finish: generation })).toMatchObject({ switched: false, status: 'switched' });
    expect((await views.head('fan-c', true))?.version).toBe(6);
    expect(await served('fan-c')).toEqual(served1);
    expect(await ctx.builds.read(generation)).toEqual(build);
  });

  it('a story whose every delivery fails goes to the DLQ and is named on the build, which does not switch; its repair counts and finishes', async () => {
    const real = replayContextOf(store);
    // The fault: reading fan-b's events fails (a poison story), until the cause is fixed.
    const poison = poisoned(real, 'fan-b');
    const ctx = poison.ctx;
    const before = await activeGeneration(store.db, store.tables.views);
    const fn = replayFunction(store, { ctx, maxReceiveCount: 3 });
    const out = (await fn.handler({})) as FanOut;
    await fn.drain();
    expect(fn.dlq.map((d) => [d.message, d.receives])).toEqual([[{ storyId: 'fan-b', generation: out.generation }, 3]]);
    expect(await real.builds.read(out.generation)).toMatchObject({ status: 'building', done: 3, total: 4, failed: ['fan-b'] });
    expect(fn.logged('replay message failed').map((d) => d.last)).toEqual([false, false, true]);
    expect(await activeGeneration(store.db, store.tables.views)).toBe(before);
    // A fan-out says so.
    const again = replayFunction(store, { ctx });
    expect(await again.handler({})).toMatchObject({ generation: out.generation, resumed: true, enqueued: 1, failed: ['fan-b'] });

    // Fixed: the runbook's repair rebuilds it into the build, counts it, and asks for the finish.
    poison.fix();
    const repair = replayFunction(store, { ctx });
    expect(await repair.handler({ storyId: 'fan-b', generation: out.generation })).toMatchObject({ finished: true, done: 4, finishRequested: true });
    const build = await real.builds.read(out.generation);
    expect(build).toMatchObject({ status: 'building', done: 4, total: 4 });
    expect(build?.failed).toBeUndefined();
    await repair.drain();
    expect(await activeGeneration(store.db, store.tables.views)).toBe(out.generation);
  });

  it('a finish whose every delivery fails is named on the build as the finish', async () => {
    const real = replayContextOf(store);
    // The fault: the pointer switch fails (every time).
    const generations = Object.create(real.generations) as ReplayContext['generations'];
    generations.switchTo = () => Promise.reject(new Error('switch refused'));
    const ctx: ReplayContext = { ...real, generations };
    const fn = replayFunction(store, { ctx, maxReceiveCount: 2 });
    const out = (await fn.handler({})) as FanOut;
    await fn.drain();
    expect(fn.dlq.map((d) => d.message)).toEqual([{ finish: out.generation }]);
    expect(await real.builds.read(out.generation)).toMatchObject({ status: 'switching', done: 4, failed: [FINISH_STEP] });
    expect(await activeGeneration(store.db, store.tables.views)).not.toBe(out.generation);

    // Fixed, and the claim run out: the runbook's {"finish"} switches, and the build is no longer failed.
    await ageClaim(out.generation);
    expect(await replayFunction(store).handler({ finish: out.generation })).toMatchObject({ switched: true });
    const build = await real.builds.read(out.generation);
    expect(build).toMatchObject({ status: 'switched' });
    expect(build?.failed).toBeUndefined();
  });

  it('rejects a malformed invocation or message without touching the tables', async () => {
    const pointer = await readPointer(store.db, store.tables.views);
    const fn = replayFunction(store);
    await expect(fn.handler({ storyId: 5 })).rejects.toThrow();
    await expect(fn.handler({ story: 'fan-a' })).rejects.toThrow();
    await expect(fn.handler({ generation: pointer!.generation })).rejects.toThrow();
    await expect(fn.handler({ finish: '' })).rejects.toThrow();
    fn.queue.push({ id: 'bad', message: { storyId: 'fan-a' } as never, receives: 0 });
    await fn.drain();
    expect(fn.dlq.map((d) => d.id)).toEqual(['bad']);
    expect(fn.sent).toEqual([]);
    expect(await readPointer(store.db, store.tables.views)).toEqual(pointer);
  });

  it('{storyId} repairs one story in place in the active generation', async () => {
    const generation = await activeGeneration(store.db, store.tables.views);
    const views = new ViewStore(store.db, store.tables.views, generation);
    const before = await served('fan-a');
    // Damage the live view: drop one entry item.
    const entryKey = (await views.storyKeys('fan-a')).find((sk) => sk.startsWith('u#'))!;
    await views.deleteItem({ pk: views.layout.storyPk('fan-a'), sk: entryKey });
    expect(await served('fan-a')).not.toEqual(before);

    const out = (await replayFunction(store).handler({ storyId: 'fan-a' })) as { generation: string; events: number };
    expect(out).toMatchObject({ storyId: 'fan-a', generation, events: 5 });
    expect(await served('fan-a')).toEqual(before);
  });
});
