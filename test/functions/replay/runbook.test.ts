/**
 * docs/deploy.md's replay runbook, as written: every `aws lambda invoke` it shows is parsed out of
 * the document, checked for what makes the CLI run it once (a synchronous invoke without
 * `--cli-read-timeout 0` is sent again after 60 s), and its payload is given to the replay
 * handler against DynamoDB Local in the situation the runbook uses it for.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplayMessage } from '../../../functions/replay/fan-out';
import { activeGeneration } from '../../../shared/adapters/dynamodb/views/pointer';
import { ViewStore } from '../../../shared/adapters/dynamodb/views/writes';
import { createTestStore, type TestStore } from '../../support/dynamo';
import { smallStory } from '../../support/events';
import { projectLive, replayContextOf, served } from '../../support/replay';
import { poisoned, replayFunction } from '../../support/replay-queue';

interface Invoke {
  command: string;
  payload: string;
}

/** Every `aws lambda invoke` command of the document's shell blocks (continuation lines joined). */
function invokes(markdown: string): Invoke[] {
  const blocks = [...markdown.matchAll(/^\s*```bash\n([\s\S]*?)^\s*```/gm)].map((m) => m[1]!);
  const lines = blocks
    .join('\n')
    .replace(/\\\n\s*/g, ' ')
    .split('\n');
  return lines
    .filter((line) => /\baws lambda invoke\b/.test(line))
    .map((command) => {
      const payload = /--payload '([^']*)'/.exec(command)?.[1];
      if (payload === undefined) throw new Error(`an invoke without a payload: ${command}`);
      return { command: command.trim(), payload };
    });
}

/** The payload's shape: its keys, sorted. */
const shape = (payload: string) =>
  Object.keys(JSON.parse(payload) as object)
    .sort()
    .join(',');

const runbook = invokes(readFileSync(join(import.meta.dirname, '../../../docs/deploy.md'), 'utf8'));
const payloadsOf = (keys: string) => [...new Set(runbook.filter((i) => shape(i.payload) === keys).map((i) => i.payload))];

let store: TestStore;
beforeAll(async () => {
  store = await createTestStore();
  for (const id of ['runbook-a', 'runbook-b']) {
    const events = smallStory(id).slice(0, 5);
    for (const e of events) await store.events.append(id, e.metadata.version - 1, [e as never]);
    await projectLive(store, events);
  }
});
afterAll(() => store.drop());

/** A runbook payload with its placeholders filled in, as an operator does. */
const fill = (payload: string, values: { story?: string; generation?: string }) =>
  JSON.parse(payload.replaceAll('<story id>', values.story ?? '').replaceAll('<generation>', values.generation ?? '')) as unknown;

describe('docs/deploy.md replay runbook', () => {
  it('names exactly the four payloads of ReplayInvocation, and every synchronous invoke runs once', () => {
    expect(new Set(runbook.map((i) => shape(i.payload)))).toEqual(new Set(['', 'generation,storyId', 'finish', 'storyId']));
    for (const { command } of runbook) {
      if (command.includes('--invocation-type Event')) continue;
      expect(command, command).toContain('--cli-read-timeout 0');
      expect(command, command).toMatch(/^AWS_MAX_ATTEMPTS=1 aws lambda invoke/);
    }
  });

  it('{} starts a replay; a story that fails every delivery is named in the DLQ and the build; its repair payload counts it, and the build switches', async () => {
    const real = replayContextOf(store);
    // The fault: reading runbook-b's events fails (a poison story), until the cause is fixed.
    const poison = poisoned(real, 'runbook-b');
    const ctx = poison.ctx;
    const before = await activeGeneration(store.db, store.tables.views);
    const servedBefore = await served(store, 'runbook-b');

    const [start] = payloadsOf('');
    const fn = replayFunction(store, { ctx });
    const started = (await fn.handler(fill(start!, {}), {})) as { generation: string };
    await fn.drain();
    // Step 1: the DLQ message's body names the story and the build.
    expect(fn.dlq.map((d) => d.message)).toEqual([{ storyId: 'runbook-b', generation: started.generation }]);
    expect(await real.builds.read(started.generation)).toMatchObject({ status: 'building', failed: ['runbook-b'] });
    expect(await activeGeneration(store.db, store.tables.views)).toBe(before);

    // Steps 2 and 3: fixed, then repaired into the build with the runbook's payload.
    poison.fix();
    const { storyId, generation } = fn.dlq[0]!.message as Extract<ReplayMessage, { storyId: string }>;
    const [repair] = payloadsOf('generation,storyId');
    const repaired = replayFunction(store, { ctx });
    expect(await repaired.handler(fill(repair!, { story: storyId, generation }), {})).toMatchObject({
      finished: true,
      done: 2,
      finishRequested: true,
    });
    await repaired.drain();
    expect(await activeGeneration(store.db, store.tables.views)).toBe(started.generation);
    expect(await real.builds.read(started.generation)).toMatchObject({ status: 'switched', done: 2, total: 2 });
    expect(await served(store, 'runbook-b')).toEqual(servedBefore);
  });

  it('{"finish"} finishes a build whose finish message was lost', async () => {
    const before = await activeGeneration(store.db, store.tables.views);
    const lost = replayFunction(store);
    const started = (await lost.handler(fill(payloadsOf('')[0]!, {}), {})) as { generation: string };
    // Every story is rebuilt, but the finish message the last one enqueued is lost.
    for (const delivery of lost.queue.splice(0)) await lost.handler(delivery.message, {});
    expect(lost.queue.splice(0).map((d) => d.message)).toEqual([{ finish: started.generation }]);
    expect(await replayContextOf(store).builds.read(started.generation)).toMatchObject({ status: 'building', done: 2, total: 2 });
    expect(await activeGeneration(store.db, store.tables.views)).toBe(before);

    const [finish] = payloadsOf('finish');
    expect(await replayFunction(store).handler(fill(finish!, { generation: started.generation }), {})).toMatchObject({ switched: true });
    expect(await activeGeneration(store.db, store.tables.views)).toBe(started.generation);
  });

  it('{"storyId"} repairs a damaged story in place', async () => {
    const generation = await activeGeneration(store.db, store.tables.views);
    const views = new ViewStore(store.db, store.tables.views, generation);
    const before = await served(store, 'runbook-a');
    const entryKey = (await views.storyKeys('runbook-a')).find((sk) => sk.startsWith('u#'))!;
    await views.deleteItem({ pk: views.layout.storyPk('runbook-a'), sk: entryKey });
    expect(await served(store, 'runbook-a')).not.toEqual(before);

    for (const payload of payloadsOf('storyId')) {
      expect(await replayFunction(store).handler(fill(payload, { story: 'runbook-a' }), {})).toMatchObject({ storyId: 'runbook-a', generation });
    }
    expect(await served(store, 'runbook-a')).toEqual(before);
  });
});
