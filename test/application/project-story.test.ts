/** The projector against DynamoDB Local: redelivered, duplicated, out-of-order and gapped records. */
import { QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processStreamBatch } from '../../functions/projector/process';
import { foldStory, personOf } from '../../shared/domain/projection/story-view';
import { LIMITS } from '../../shared/domain/story/limits';
import { ViewStore } from '../../shared/adapters/dynamodb/views/writes';
import type { StoryEvent } from '../../shared/domain/story/events';
import { createTestStore, type TestStore } from '../support/dynamo';
import { article, opened, statement, stored } from '../support/events';
import { streamRecord } from '../support/stream-records';

let store: TestStore;
beforeAll(async () => {
  store = await createTestStore();
});
afterAll(() => store.drop());

const record = streamRecord;

function storyEvents(storyId: string): StoryEvent[] {
  const s = { ...statement(3, 'Kurmanbek Bakiyev', 'q', storyId) };
  return [
    opened(storyId),
    article(2, 'Bakiyev: I’m not going', storyId),
    s,
    stored('UpdateCorrected', { target: s.metadata.updateId, changes: { quote: 'corrected' }, note: 'typo' }, { storyId, version: 4 }),
    statement(5, 'Roza Otunbayeva', 'base stays', storyId),
    stored('UpdateRetracted', { target: s.metadata.updateId, reason: 'unverified' }, { storyId, version: 6 }),
    stored('HeadlineChanged', { headline: 'New headline' }, { storyId, version: 7 }),
  ];
}

async function storedView(views: ViewStore, storyId: string) {
  const [head, timeline, people, sources, keyPoints] = await Promise.all([
    views.head(storyId, true),
    views.timeline(storyId, 100),
    views.people(storyId),
    views.sources(storyId),
    views.keyPoints(storyId, 100),
  ]);
  return { head, timeline: timeline.items, people, sources, keyPoints };
}

async function seedEvents(events: StoryEvent[]) {
  for (const e of events) await store.events.append(e.metadata.storyId, e.metadata.version - 1, [{ ...e, metadata: { ...e.metadata } } as never]);
}

const deps = () => ({ views: async () => store.views, events: store.events, log: { error() {} } });

describe('projector', () => {
  it('in-order delivery equals the pure fold', async () => {
    const events = storyEvents('in-order');
    await seedEvents(events);
    const out = await processStreamBatch(events.map(record), deps());
    expect(out.batchItemFailures).toEqual([]);
    const view = await storedView(store.views, 'in-order');
    const folded = foldStory(events)!;
    expect(view.head).toEqual(folded.head);
    expect(view.timeline).toEqual([...folded.entries.values()].sort((a, b) => a.version - b.version));
    expect(view.people).toEqual([...folded.people.values()].filter((p) => p.statementCount > 0).map(personOf));
  });

  it('says which stories a batch moved and whether what it applied retracted an update (what the edge refresher acts on)', async () => {
    const events = storyEvents('edge-changes');
    await seedEvents(events);
    const [e1, e2, e3, e4, e5, e6, e7] = events as [StoryEvent, StoryEvent, StoryEvent, StoryEvent, StoryEvent, StoryEvent, StoryEvent];
    expect((await processStreamBatch([e1, e2, e3].map(record), deps())).changes).toEqual([{ storyId: 'edge-changes', retracted: false }]);
    expect((await processStreamBatch([e4, e5, e6].map(record), deps())).changes).toEqual([{ storyId: 'edge-changes', retracted: true }]);
    // The retraction redelivered with a new event: only the new one was applied.
    expect((await processStreamBatch([e6, e7].map(record), deps())).changes).toEqual([{ storyId: 'edge-changes', retracted: false }]);
    // Nothing applied (all redelivered): nothing changed.
    expect((await processStreamBatch([e5, e6, e7].map(record), deps())).changes).toEqual([]);
  });

  it('duplicated, redelivered and out-of-order batches end in the same view', async () => {
    const reference = storyEvents('reference');
    await seedEvents(reference);
    await processStreamBatch(reference.map(record), deps());

    const events = storyEvents('messy');
    await seedEvents(events);
    const [e1, e2, e3, e4, e5, e6, e7] = events as [StoryEvent, StoryEvent, StoryEvent, StoryEvent, StoryEvent, StoryEvent, StoryEvent];
    // Out of order within a batch, duplicates, then redelivery of everything.
    for (const batch of [[e2, e1, e1], [e4, e3, e3], [e1, e2, e3, e4], [e6, e5], [e5, e6, e7, e7], events]) {
      const out = await processStreamBatch(batch.map(record), deps());
      expect(out.batchItemFailures).toEqual([]);
    }
    const messy = await storedView(store.views, 'messy');
    const clean = await storedView(store.views, 'reference');
    const scrub = (v: typeof messy) => JSON.parse(JSON.stringify(v).replaceAll('reference', 'X').replaceAll('messy', 'X'));
    const normalise = (v: typeof messy) => ({
      ...scrub(v),
      timeline: scrub(v).timeline.map((e: { updateId: string }) => ({ ...e, updateId: 'id' })),
    });
    expect(normalise(messy).head).toEqual(normalise(clean).head);
    expect(normalise(messy).people).toEqual(normalise(clean).people);
    expect(normalise(messy).sources).toEqual(normalise(clean).sources);
    expect(messy.timeline.length).toBe(clean.timeline.length);
    expect(messy.head?.version).toBe(7);
  });

  it('key events and pins, delivered duplicated, redelivered and one by one, leave the index a replay writes', async () => {
    const storyId = 'key-events-messy';
    const key = stored('ArticlePublished', { ...article(2, 'Key', storyId).data, keyEvent: true }, { storyId, version: 2, occurredAt: '2010-04-08' });
    const s = statement(3, 'Roza Otunbayeva', 'q', storyId);
    const events: StoryEvent[] = [
      opened(storyId),
      key,
      s,
      stored('KeyEventMarked', { target: s.metadata.updateId }, { storyId, version: 4 }),
      // Moves the key event in time: its index item must move with it.
      stored('UpdateCorrected', { target: key.metadata.updateId, changes: { publishedAt: '2010-04-20' }, note: 'date' }, { storyId, version: 5 }),
      stored('UpdatePinned', { target: key.metadata.updateId }, { storyId, version: 6 }),
      stored('KeyEventUnmarked', { target: s.metadata.updateId }, { storyId, version: 7 }),
      stored('ArticlePublished', { ...article(8, 'Later key', storyId).data, keyEvent: true }, { storyId, version: 8, occurredAt: '2010-04-09' }),
      stored('UpdateRetracted', { target: key.metadata.updateId, reason: 'wrong' }, { storyId, version: 9 }),
    ];
    await seedEvents(events);
    const [e1, e2, e3, e4, e5, e6, e7, e8, e9] = events as [StoryEvent, ...StoryEvent[]] as StoryEvent[];
    for (const batch of [[e2!, e1!, e1!], [e4!, e3!], [e1!, e2!, e3!, e4!, e5!], [e5!], [e7!, e6!, e6!], [e8!], events, [e9!, e9!]]) {
      const out = await processStreamBatch(batch.map(record), deps());
      expect(out.batchItemFailures).toEqual([]);
    }
    const folded = foldStory(events)!;
    expect(await store.views.head(storyId, true)).toEqual(folded.head);
    expect(folded.head).toMatchObject({ keyEventCount: 1 });
    expect(folded.head.pinned).toBeUndefined();
    const indexed = await store.db.send(
      new QueryCommand({
        TableName: store.tables.views,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)',
        ExpressionAttributeValues: { ':pk': store.views.layout.storyPk(storyId), ':e': 'e#' },
      }),
    );
    // What replay writes from the finished fold: the later key event, and the retracted one at its corrected date.
    expect(indexed.Items).toEqual(store.views.layout.keyEventItems(folded.entries.values()).sort((a, b) => String(a.sk).localeCompare(String(b.sk))));
    expect((indexed.Items ?? []).map((i) => i.updateId)).toEqual([events[7]!.metadata.updateId, key.metadata.updateId]);
    expect((await store.views.keyEvents(storyId, 10)).map((e) => [e.updateId, !!e.retraction])).toEqual([
      [key.metadata.updateId, true],
      [events[7]!.metadata.updateId, false],
    ]);
  });

  it('a record whose predecessors never arrived is filled in from the events table', async () => {
    const events = storyEvents('gap');
    await seedEvents(events);
    const out = await processStreamBatch([record(events[6]!)], deps());
    expect(out.batchItemFailures).toEqual([]);
    expect((await store.views.head('gap', true))?.version).toBe(7);
  });

  it('a failing story reports its first record and does not hold up the others', async () => {
    const good = storyEvents('good');
    await seedEvents(good);
    // A correction of an update that does not exist: the projection cannot apply it.
    const bad = [
      opened('bad'),
      stored('UpdateCorrected', { target: '01HZ0000000000000000000000', changes: { quote: 'x' }, note: 'n' }, { storyId: 'bad', version: 2 }),
    ];
    await seedEvents(bad);
    const records = [...bad.map(record), ...good.map(record)];
    const out = await processStreamBatch(records, deps());
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: records[0]!.dynamodb!.SequenceNumber }]);
    expect((await store.views.head('good', true))?.version).toBe(7);
  });

  it('a run of steps that rewrite long entries is cut into transactions under 4 MB', async () => {
    // Statements of 60,000 characters, then 60 steps that each rewrite one of them and move no
    // count (an entry and its revision each, as a key-event or pin update would): cut by items
    // alone, 47 steps a transaction would be about 6 MB. DynamoDB Local does not enforce the 4 MB
    // limit (AWS does), so each transaction is measured.
    const storyId = 'long-entries';
    const long = (n: number) => `${n} ${'q'.repeat(LIMITS.quote - String(n).length - 1)}`;
    const events: StoryEvent[] = [opened(storyId)];
    for (let v = 2; v <= 41; v++) events.push(statement(v, 'Speaker', long(v), storyId));
    await seedEvents(events);
    expect((await processStreamBatch(events.map(record), deps())).batchItemFailures).toEqual([]);
    const folded = foldStory(events)!;
    const entries = [...folded.entries.values()];
    const steps = Array.from({ length: 60 }, (_, i) => {
      const version = 42 + i;
      const head = { ...folded.head, version, lastEventAt: `2026-01-01T00:01:${String(i).padStart(2, '0')}.000Z` };
      return { head, entry: { ...entries[i % entries.length]!, changeVersion: version }, people: [], sources: [] };
    });
    const sizes: number[] = [];
    const measured = {
      send: (command: unknown) => {
        if (command instanceof TransactWriteCommand) sizes.push(Buffer.byteLength(JSON.stringify(command.input.TransactItems)));
        return store.db.send(command as never);
      },
    } as unknown as DynamoDBDocumentClient;
    await new ViewStore(measured, store.tables.views).applySteps(storyId, 41, steps);
    expect(sizes.length).toBeGreaterThan(1);
    for (const size of sizes) expect(size).toBeLessThan(4 * 1024 * 1024);
    expect((await store.views.head(storyId, true))?.version).toBe(101);
    expect(await store.views.entry(storyId, entries[0]!.updateId, true)).toEqual(steps[40]!.entry);
  });

  /** Each way the projector may get a story's events: one per batch (each step its own transaction), or all merged in one. */
  const BATCHINGS = [
    ['one-by-one', (events: StoryEvent[]) => events.map((e) => [e])],
    ['one-batch', (events: StoryEvent[]) => [events]],
  ] as const;
  async function projectIn(batches: StoryEvent[][]) {
    for (const batch of batches) expect((await processStreamBatch(batch.map(record), deps())).batchItemFailures).toEqual([]);
  }

  it.each(BATCHINGS)('a retracted link leaves its outlet (REMOVE lastUrl) as in the fold, events %s', async (name, batches) => {
    const storyId = `links-${name}`;
    const linked = (version: number, url: string) =>
      stored('ArticlePublished', { title: `Report ${version}`, url, outlet: 'Fictional Daily', publishedAt: '2010-04-08' }, { storyId, version });
    const b = linked(3, 'https://fictional.example/withdrawn');
    const events = [
      opened(storyId),
      linked(2, 'https://fictional.example/a'),
      b,
      stored('UpdateRetracted', { target: b.metadata.updateId, reason: 'forged' }, { storyId, version: 4 }),
    ];
    const later = linked(5, 'https://fictional.example/c');
    await seedEvents([...events, later]);
    await projectIn(batches(events));
    expect(await store.views.sources(storyId)).toEqual([{ outlet: 'Fictional Daily', updateCount: 1 }]);
    expect(await store.views.sources(storyId)).toEqual([...foldStory(events)!.sources.values()]);
    // The outlet's next live link is its lastUrl again.
    await projectIn([[later]]);
    expect(await store.views.sources(storyId)).toEqual([{ outlet: 'Fictional Daily', updateCount: 2, lastUrl: 'https://fictional.example/c' }]);
  });

  it.each(BATCHINGS)('a withdrawn statement takes its role with it, as in the fold, events %s', async (name, batches) => {
    const storyId = `roles-${name}`;
    const said = (version: number, role: string) =>
      stored('StatementRecorded', { speaker: { name: 'Ivan Fictional', role }, quote: `Quote ${version}`, speech: 'direct' }, { storyId, version });
    const invented = said(3, 'Minister of Imaginary Affairs');
    const events = [
      opened(storyId),
      said(2, 'mayor'),
      invented,
      said(4, 'mayor'),
      stored('UpdateRetracted', { target: invented.metadata.updateId, reason: 'invented' }, { storyId, version: 5 }),
    ];
    await seedEvents(events);
    await projectIn(batches(events));
    expect(await store.views.people(storyId)).toEqual([{ name: 'Ivan Fictional', roles: ['mayor'], statementCount: 2 }]);
    expect(await store.views.people(storyId)).toEqual([...foldStory(events)!.people.values()].map(personOf));
  });
});
