/**
 * Time-travel snapshots are cut into items by bytes (layout.ts snapshotItems): a story whose sources
 * carry maximal URLs and names still snapshots into items DynamoDB Local accepts (400 KB each), and
 * they read back whole and in order. Under the old cut (500 sources an item) the write failed and the
 * story froze at that version.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SNAPSHOT_CHUNK_BYTES } from '../../../../shared/adapters/dynamodb/views/layout';
import { LIMITS } from '../../../../shared/domain/story/limits';
import type { PersonCount, Source, StoryHead } from '../../../../shared/domain/projection/story-view';
import { foldStory } from '../../../../shared/domain/projection/story-view';
import { smallStory } from '../../../support/events';
import { createTestStore, type TestStore } from '../../../support/dynamo';

let store: TestStore;
let head: StoryHead;
const SOURCES = 700;
const PEOPLE = 300;
// Three bytes a character in UTF-8 for the names; a URL of LIMITS.url characters.
const outlet = (i: number) => `${i} ${'Новости'.repeat(20)}`.slice(0, LIMITS.outlet);
const url = (i: number) => `https://example.com/${String(i).padStart(6, '0')}/${'a'.repeat(LIMITS.url)}`.slice(0, LIMITS.url);
const role = (i: number) => `${i} ${'министр '.repeat(30)}`.slice(0, LIMITS.role);

beforeAll(async () => {
  store = await createTestStore();
  const view = foldStory(smallStory('maximal'))!;
  head = view.head;
  const sources = new Map<string, Source>(
    Array.from({ length: SOURCES }, (_, i) => [`outlet-${i}`, { outlet: outlet(i), updateCount: 1, lastUrl: url(i) }]),
  );
  const people = new Map<string, PersonCount>(
    Array.from({ length: PEOPLE }, (_, i) => [`person-${i}`, { name: outlet(i), statementCount: 2, roleCounts: { [role(i)]: 1, [role(i + 1)]: 1 } }]),
  );
  await store.views.writeView({ head, entries: [], keyPoints: [], people, sources });
}, 60_000);

afterAll(() => store?.drop());

describe('time-travel snapshot items', { timeout: 60_000 }, () => {
  it('stay under the item limit with maximal URLs and names, and read back whole and in order', async () => {
    const items = store.views.layout.snapshotItems({
      head,
      people: Array.from({ length: PEOPLE }, (_, i) => [`person-${i}`, { name: outlet(i), statementCount: 2, roleCounts: { [role(i)]: 1 } }]),
      sources: Array.from({ length: SOURCES }, (_, i) => [`outlet-${i}`, { outlet: outlet(i), updateCount: 1, lastUrl: url(i) }]),
    });
    // More than one item, each far below 400 KB (JSON bytes of the whole item).
    expect(items.length).toBeGreaterThan(3);
    for (const item of items) expect(Buffer.byteLength(JSON.stringify(item))).toBeLessThan(SNAPSHOT_CHUNK_BYTES + 8 * 1024);

    // What the projector does at each SNAPSHOT_INTERVAL, against the real table's item limit.
    await store.views.writeTimeTravelSnapshot(head);
    const read = await store.views.snapshotAt('maximal', head.version);
    expect(read?.head).toEqual(head);
    expect(read?.sources.map(([key, s]) => [key, s.lastUrl])).toEqual(
      Array.from({ length: SOURCES }, (_, i) => [`outlet-${i}`, url(i)]).sort(([a], [b]) => (a! < b! ? -1 : 1)),
    );
    expect(read?.people).toHaveLength(PEOPLE);
    expect(read?.people.every(([, p]) => Object.keys(p.roleCounts).length === 2)).toBe(true);
  });

  it('carry every key event of the story, across items, and read back in order; a snapshot from before the list reads back without one', async () => {
    const keyEvents: [string, string][] = Array.from({ length: 2_000 }, (_, i) => [
      `01KEY${String(i).padStart(21, '0')}`,
      `2010-04-${String(7 + (i % 20)).padStart(2, '0')}T00:00:00.000Z#${String(i).padStart(12, '0')}`,
    ]);
    const withList = { ...head, version: head.version + 1_000 };
    const items = store.views.layout.snapshotItems({ head: withList, people: [], sources: [], keyEvents });
    expect(items.length).toBeGreaterThan(3);
    await store.views.batchPut(items);
    expect((await store.views.snapshotAt('maximal', withList.version))?.keyEvents).toEqual(keyEvents);

    const before = { ...head, version: head.version + 2_000 };
    await store.views.batchPut(store.views.layout.snapshotItems({ head: before, people: [], sources: [] }));
    const read = await store.views.snapshotAt('maximal', before.version);
    expect(read?.head).toEqual(before);
    expect(read).not.toHaveProperty('keyEvents');
  });

  it('a small story is one item, its head in it', () => {
    const items = store.views.layout.snapshotItems({ head, people: [], sources: [['o', { outlet: 'O', updateCount: 1 }]] });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ head, people: [], sources: [['o', { outlet: 'O', updateCount: 1 }]] });
  });
});
