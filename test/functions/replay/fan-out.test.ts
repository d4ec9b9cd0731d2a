/**
 * The replay Lambda's fan-out (functions/replay/fan-out.ts) against a real DynamoDB Local. Only
 * Lambda's asynchronous Invoke cannot run here: `invoke` queues the payload and the handler runs
 * it later, concurrently with other invocations, the way Event invocations arrive.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { replayHandler, type StoryInvocation } from '../../../functions/replay/fan-out';
import { claimFinish, FINISH_CLAIM_TIMEOUT_MS, rebuildStory } from '../../../shared/application/replay';
import { activeGeneration, readPointer } from '../../../shared/adapters/dynamodb/views/pointer';
import { ViewStore } from '../../../shared/adapters/dynamodb/views/writes';
import type { StoryEvent } from '../../../shared/domain/story/events';
import { writeGeneratedStory } from '../../bench/story-generator';
import { createTestStore, type TestStore } from '../../support/dynamo';
import { smallStory, statement } from '../../support/events';
import { generationItems, projectLive as projectLiveInto, replayContextOf, served as servedFrom } from '../../support/replay';

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

/** A replay function whose self-invocations are queued and run later, concurrently, like Lambda's Event invocations. */
function lambda(options: { duplicate?: boolean } = {}) {
  const invoked: StoryInvocation[] = [];
  const results: Record<string, unknown>[] = [];
  const running = new Set<Promise<void>>();
  const handler = replayHandler({
    ctx: replayContextOf(store),
    info() {},
    cleanupDelayMs: 0,
    async invoke(payload) {
      invoked.push(payload);
      // At-least-once delivery: a retried invocation brings the same payload again.
      for (let n = 0; n < (options.duplicate ? 2 : 1); n++) {
        const run: Promise<void> = new Promise<void>((r) => setTimeout(r, 5))
          .then(() => handler(payload))
          .then((out) => void results.push(out as Record<string, unknown>))
          .finally(() => running.delete(run));
        running.add(run);
      }
    },
  });
  return {
    handler,
    invoked,
    results,
    /** Waits until every queued invocation (and any they queue) has finished. */
    async settle() {
      while (running.size > 0) await Promise.all([...running]);
    },
  };
}

describe('replay Lambda', () => {
  it('fans out one invocation per story; the last one switches readers to a generation equal to the live one and deletes the old', async () => {
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

    const fn = lambda();
    const out = (await fn.handler({})) as { generation: string; invoked: number };
    expect(out.invoked).toBe(4);
    expect(fn.invoked.map((i) => i.storyId).sort()).toEqual(ids);
    expect(new Set(fn.invoked.map((i) => i.generation))).toEqual(new Set([out.generation]));
    // Nothing has run yet: the invocations are asynchronous.
    expect((await readPointer(store.db, store.tables.views))?.generation ?? old).toBe(old);

    await fn.settle();
    expect(fn.results).toHaveLength(4);
    const switched = fn.results.filter((r) => r.switched === true);
    expect(switched).toHaveLength(1);
    expect(switched[0]).toMatchObject({ deleted: oldItems });
    expect((await readPointer(store.db, store.tables.views))?.generation).toBe(out.generation);
    expect(await replayContextOf(store).builds.read(out.generation)).toMatchObject({ status: 'switched', done: 4, total: 4 });
    for (const id of ids) expect(await served(id)).toEqual(before[id]);
    expect(await itemsOf(old)).toBe(0);
  });

  it('counts a story delivered twice once, and still switches exactly once', async () => {
    const fn = lambda({ duplicate: true });
    const before = await activeGeneration(store.db, store.tables.views);
    const served0 = await served('fan-b');
    const out = (await fn.handler({})) as { generation: string; invoked: number };
    await fn.settle();
    expect(fn.results).toHaveLength(2 * out.invoked);
    expect(fn.results.filter((r) => r.switched === true)).toHaveLength(1);
    expect(await replayContextOf(store).builds.read(out.generation)).toMatchObject({ status: 'switched', done: 4, total: 4 });
    expect((await readPointer(store.db, store.tables.views))?.generation).toBe(out.generation);
    expect(out.generation).not.toBe(before);
    expect(await served('fan-b')).toEqual(served0);
  });

  it('a fan-out while a build is unfinished resumes it: only stories not yet rebuilt are invoked', async () => {
    // A build whose invocations were lost (throttled, say) after two of them ran.
    const dropped = replayHandler({
      ctx: replayContextOf(store),
      info() {},
      cleanupDelayMs: 0,
      invoke: async () => undefined,
    });
    const opened = (await dropped({})) as { generation: string; invoked: number };
    expect(opened.invoked).toBe(4);
    await dropped({ storyId: 'fan-a', generation: opened.generation });
    await dropped({ storyId: 'fan-c', generation: opened.generation });

    const resume = lambda();
    const resumed = (await resume.handler({})) as { generation: string; invoked: number };
    expect(resumed).toMatchObject({ generation: opened.generation, invoked: 2 });
    expect(resume.invoked.map((i) => i.storyId).sort()).toEqual(['fan-b', 'fan-long']);
    await resume.settle();
    expect(resume.results.filter((r) => r.switched === true)).toHaveLength(1);
    expect((await readPointer(store.db, store.tables.views))?.generation).toBe(opened.generation);
  });

  it('a finisher that died after claiming is taken over once its claim is older than a Lambda can run', async () => {
    const ctx = replayContextOf(store);
    const silent = replayHandler({ ctx, info() {}, cleanupDelayMs: 0, invoke: async () => undefined });
    const opened = (await silent({})) as { generation: string };
    const before = await activeGeneration(store.db, store.tables.views);
    // Every story rebuilt and counted, then the finisher claims the build and dies.
    for (const id of ['fan-a', 'fan-b', 'fan-c', 'fan-long']) {
      const out = await rebuildStory(ctx, opened.generation, id);
      await ctx.builds.markStoryDone(opened.generation, id, out.version);
    }
    expect(await claimFinish(ctx, opened.generation)).toBe(true);

    // A fresh claim is respected: another invocation does not finish it meanwhile.
    expect(await silent({})).toMatchObject({ generation: opened.generation, invoked: 0, switched: false });
    expect(await activeGeneration(store.db, store.tables.views)).toBe(before);

    await store.db.send(
      new UpdateCommand({
        TableName: store.tables.views,
        Key: { pk: 'meta', sk: `build#${opened.generation}` },
        UpdateExpression: 'SET claimedAt = :t',
        ExpressionAttributeValues: { ':t': Date.now() - FINISH_CLAIM_TIMEOUT_MS - 1_000 },
      }),
    );
    expect(await silent({})).toMatchObject({ generation: opened.generation, invoked: 0, switched: true });
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

    const out = await lambda().handler({ storyId: 'fan-c', generation });
    expect(out).toMatchObject({ skipped: true, switched: false });
    expect((await views.head('fan-c', true))?.version).toBe(6);
    expect(await served('fan-c')).toEqual(served1);
    expect(await ctx.builds.read(generation)).toEqual(build);
  });

  it('rejects a malformed invocation without touching the tables', async () => {
    const pointer = await readPointer(store.db, store.tables.views);
    const fn = lambda();
    await expect(fn.handler({ storyId: 5 })).rejects.toThrow();
    await expect(fn.handler({ story: 'fan-a' })).rejects.toThrow();
    await expect(fn.handler({ generation: pointer!.generation })).rejects.toThrow(/storyId/);
    expect(fn.invoked).toEqual([]);
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

    const out = (await lambda().handler({ storyId: 'fan-a' })) as { generation: string; events: number };
    expect(out).toMatchObject({ storyId: 'fan-a', generation, events: 5 });
    expect(await served('fan-a')).toEqual(before);
  });
});
