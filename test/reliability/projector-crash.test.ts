/**
 * The projector dies in the middle of a batch: it has read the batch from the stream and written
 * the views of part of it, and the rest never happens (no checkpoint, no more writes). The next
 * poller, started from the checkpoints on disk as a restarted server would be, gets the whole
 * batch again, and the views end exactly as a projection that never crashed: what readers are
 * served (the view, the feed, a past version) is the same bytes.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processStreamBatch } from '../../functions/projector/process';
import { StreamPoller } from '../../functions/local/stream-poller';
import type { StoryEvent } from '../../shared/domain/story/events';
import { createTestStore, type TestStore } from '../support/dynamo';
import { article, opened, statement, stored } from '../support/events';
import { projectLive, served } from '../support/replay';
import { until } from '../support/until';

const STORY = 'projector-crash';
let crashed: TestStore;
let reference: TestStore;
let dir: string;

const events: StoryEvent[] = [
  opened(STORY),
  ...Array.from({ length: 10 }, (_, i) => statement(i + 2, `Speaker ${i % 3}`, `Statement ${i}`, STORY)),
  article(12, 'An article', STORY),
];
events.push(
  stored(
    'UpdateCorrected',
    { target: events[3]!.metadata.updateId, changes: { quote: 'Corrected' }, note: 'Fixed' },
    { storyId: STORY, version: 13 },
  ),
  stored('UpdateRetracted', { target: events[5]!.metadata.updateId, reason: 'Withdrawn' }, { storyId: STORY, version: 14 }),
);

beforeAll(async () => {
  [crashed, reference] = await Promise.all([createTestStore(), createTestStore()]);
  dir = mkdtempSync(join(tmpdir(), 'projector-crash-'));
  for (const store of [crashed, reference]) for (const e of events) await store.events.append(STORY, e.metadata.version - 1, [e as never]);
  await projectLive(reference, events);
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await Promise.all([crashed?.drop(), reference?.drop()]);
});

const project = (store: TestStore, event: DynamoDBStreamEvent) =>
  processStreamBatch(event.Records, { views: async () => store.views, events: store.events, log: { error() {} } });

describe('the projector crashing between reading a batch and writing all of its views', () => {
  it('is given the whole batch again after a restart, and the views end as if it had never crashed', async () => {
    const checkpointFile = join(dir, 'checkpoints.json');
    let crashes = 0;
    let delivered = 0;
    const dying = new StreamPoller({
      endpoint: crashed.endpoint,
      table: crashed.tables.events,
      checkpointFile,
      idleMs: 20,
      maxAttempts: 1_000,
      retryBaseMs: 60_000,
      handler: async (event) => {
        // After the crash nothing of this projector writes again (its process is gone); its poller only retries until stopped.
        if (crashes++ > 0) throw new Error('the projector is gone');
        delivered = event.Records.length;
        // Half the batch reaches the views, then the process dies.
        await project(crashed, { Records: event.Records.slice(0, Math.ceil(event.Records.length / 2)) });
        throw new Error('the projector died here');
      },
    });
    await dying.start();
    await until(async () => (crashes > 0 ? true : undefined), 20_000);
    await dying.stop();
    // The stream hands over what it holds; the views have the first half of that batch, no more.
    expect(delivered).toBeGreaterThan(1);
    expect((await crashed.views.head(STORY, true))?.version).toBe(Math.ceil(delivered / 2));
    // Nothing of the batch was checkpointed.
    if (existsSync(checkpointFile)) expect((JSON.parse(readFileSync(checkpointFile, 'utf8')) as { shards: object }).shards).toEqual({});

    const redelivered: string[] = [];
    const restarted = new StreamPoller({
      endpoint: crashed.endpoint,
      table: crashed.tables.events,
      checkpointFile,
      idleMs: 20,
      handler: async (event) => {
        redelivered.push(...event.Records.map((r) => r.dynamodb!.Keys!.version!.N!));
        return project(crashed, event);
      },
    });
    await restarted.start();
    try {
      await until(async () => ((await crashed.views.head(STORY, true))?.version === events.length ? true : undefined), 20_000);
    } finally {
      await restarted.stop();
    }
    expect(redelivered[0]).toBe('1');
    expect(await served(crashed, STORY, 12)).toEqual(await served(reference, STORY, 12));
  });
});
