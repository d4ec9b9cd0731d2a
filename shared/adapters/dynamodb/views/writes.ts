/**
 * Writes to one generation of the views: ViewStore is ViewReads plus
 *
 * - the projector's conditional writes (applySteps): a run of events folded in memory and
 *   written as few transactions, each conditional on the head it builds on, with people and
 *   source counts as merged deltas (a retraction's are negative); the time-travel snapshot at
 *   each SNAPSHOT_INTERVAL;
 * - batch writes of whole folded stories (tests and benchmarks seed views with them; replay writes
 *   through its own store, replay-store.ts).
 */
import { DeleteCommand, TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import {
  isRetractionRevision,
  isRevision,
  type CountDelta,
  type KeyEventChange,
  type Source,
  type StoryHead,
  type TimelineEntry,
  type ViewStep,
} from '../../../domain/projection/story-view';
import { SNAPSHOT_KEY_EVENTS, type TimeTravelSnapshot } from '../../../domain/projection/rebuild';
import { StaleHeadError } from '../../../application/errors';
import type { ViewWriter } from '../../../application/ports';
import type { StoredView } from '../../../application/ports';
import { BatchWriter } from '../batch-writer';
import { cancellationCodes } from '../client';
import { personCountOf, releaseIndexItem, ROLE_PREFIX, type Item } from './layout';
import { DEFAULT_GENERATION, readPointer } from './pointer';
import { ViewReads } from './reads';

/** A transaction holds at most 100 items; keep room for the head and story-list items. */
const MAX_TRANSACTION_ITEMS = 96;

/**
 * A transaction's items may total at most 4 MB. Entries dominate (a 60,000-character quote makes
 * an entry of 60 KB or more, and a correction writes it twice: the entry and its revision), so a
 * run is also cut by their size, with room for the head, the summary, key points and the counts.
 */
const MAX_TRANSACTION_ENTRY_BYTES = 3 * 1024 * 1024;

/** The active generation's views, found through the pointer at each call (readers cache them for a while themselves). */
export function activeViews(db: DynamoDBDocumentClient, table: string): () => Promise<ViewStore> {
  return async () => {
    const pointer = await readPointer(db, table);
    return new ViewStore(db, table, pointer?.generation ?? DEFAULT_GENERATION, pointer?.projectionVersion);
  };
}

export class ViewStore extends ViewReads implements ViewWriter {
  /**
   * Writes what a contiguous run of events changed, on top of the head at `prevVersion`.
   * Each transaction is conditional on the head it builds on, so a redelivered or concurrent run
   * cannot apply twice (the count deltas are not idempotent on their own). Throws StaleHeadError
   * if the head moved.
   */
  async applySteps(storyId: string, prevVersion: number, steps: ViewStep[]): Promise<void> {
    let base = prevVersion;
    for (const chunk of chunkSteps(steps)) {
      const items = this.itemsFor(chunk);
      const head = chunk.at(-1)!.head;
      const transact: NonNullable<TransactWriteCommandInput['TransactItems']> = [
        {
          Put: {
            TableName: this.table,
            Item: items.head,
            ...(base === 0
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : { ConditionExpression: 'version = :prev', ExpressionAttributeValues: { ':prev': base } }),
          },
        },
        { Put: { TableName: this.table, Item: items.summary } },
        ...items.puts.map((Item) => ({ Put: { TableName: this.table, Item } })),
        ...items.deltas.map((Update) => ({ Update: { TableName: this.table, ...Update } })),
        ...items.deletes.map((Key) => ({ Delete: { TableName: this.table, Key } })),
      ];
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: transact }));
      } catch (error) {
        if (cancellationCodes(error)?.[0] === 'ConditionalCheckFailed') throw new StaleHeadError(storyId);
        throw error;
      }
      base = head.version;
    }
  }

  /**
   * Writes a whole folded story into this generation with batch writes, unconditionally and each
   * item once: for views nobody else writes meanwhile (tests and benchmarks seed stories with it).
   */
  async writeView(view: StoredView, concurrency = 4): Promise<number> {
    const items = this.layout.viewItems(view);
    await this.batchPut(items, concurrency);
    return items.length;
  }

  /** Records the story-wide parts at the head's version for time travel (the projector calls it at each SNAPSHOT_INTERVAL). */
  async writeTimeTravelSnapshot(head: StoryHead): Promise<void> {
    const [people, sources, keyEvents] = await Promise.all([
      this.allOf<Item>(head.storyId, 'p#'),
      this.allOf<Item>(head.storyId, 'o#'),
      this.newestKeyEvents(head.storyId, SNAPSHOT_KEY_EVENTS),
    ]);
    const snapshot: TimeTravelSnapshot = {
      head,
      people: people.map((item) => [String(item.sk).slice(2), personCountOf(item)]),
      sources: sources.map(({ pk: _pk, sk, ...s }) => [String(sk).slice(2), s as Source]),
      // Newest first in the index's byte order: as replay's KeyEventIndex lists them, so both write the same items.
      keyEvents,
    };
    await this.batchPut(this.layout.snapshotItems(snapshot));
  }

  async deleteKeys(keys: { pk: string; sk: string }[], concurrency = 4, pauses: readonly number[] = []): Promise<void> {
    const writer = this.writer(concurrency, undefined, pauses);
    await writer.delete(keys);
    await writer.flush();
  }

  async deleteItem(key: { pk: string; sk: string }): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: key }));
  }

  /** A BatchWriteItem writer for this table (`pauses`: see BatchWriter; none, it fails when the store is unavailable). */
  writer(concurrency = 4, onWritten?: (n: number) => void, pauses: readonly number[] = []): BatchWriter {
    return new BatchWriter(this.db, this.table, concurrency, onWritten, undefined, pauses);
  }

  async batchPut(items: Item[], concurrency = 4, onWritten?: (n: number) => void, pauses: readonly number[] = []): Promise<void> {
    const writer = this.writer(concurrency, onWritten, pauses);
    await writer.put(items);
    await writer.flush();
  }

  /**
   * The items a run of steps changes: the head, the summary, entries, revisions and key points put
   * whole, people and sources as count deltas, key-events index items put or deleted (the run's
   * last change of each key decides, so that a transaction names each item once).
   */
  private itemsFor(steps: ViewStep[]) {
    const layout = this.layout;
    const head = steps.at(-1)!.head;
    const pk = layout.storyPk(head.storyId);
    const entries = new Map<string, TimelineEntry>();
    const keyEvents = new Map<string, KeyEventChange>();
    // Pending updates as the run leaves them (undefined: released or cancelled), and their release index items.
    const pending = new Map<string, TimelineEntry | undefined>();
    const releases = new Map<string, Item>();
    const puts: Item[] = [];
    for (const step of steps) {
      if (step.entry) entries.set(step.entry.updateId, step.entry);
      if (step.pending) {
        pending.set(step.pending.updateId, step.pending);
        if (step.pending.releaseAt !== undefined) {
          const release = releaseIndexItem(step.pending);
          releases.set(String(release.sk), release);
        }
      }
      if (step.unpending !== undefined) pending.set(step.unpending, undefined);
      if (isRevision(step)) puts.push(...layout.revisionItems(step.entry!));
      if (step.keyPoint) puts.push(layout.keyPointItem(head.storyId, step.keyPoint));
      for (const change of step.keyEvents ?? []) keyEvents.set(change.key, change);
    }
    for (const entry of entries.values()) puts.push(layout.entryItem(entry), layout.changeItem(entry));
    const deletes: { pk: string; sk: string }[] = [];
    for (const [updateId, entry] of pending) {
      if (entry) puts.push(layout.pendingItem(entry));
      else deletes.push(layout.pendingKey(head.storyId, updateId));
    }
    // Only put: an index item left stale (moved, cancelled) is forgotten by the release that finds it not due.
    puts.push(...releases.values());
    for (const change of keyEvents.values()) {
      if (change.listed) puts.push(layout.keyEventItem(head.storyId, change));
      else deletes.push(layout.keyEventKey(head.storyId, change.key));
    }
    const deltas = [
      ...mergeDeltas(steps.flatMap((s) => s.people)).map((d) => personUpdate(pk, d)),
      ...mergeDeltas(steps.flatMap((s) => s.sources)).map((d) => sourceUpdate(pk, d)),
    ];
    return { head: layout.headItem(head), summary: layout.summaryItem(head), puts, deltas, deletes };
  }
}

interface MergedDelta {
  key: string;
  name: string;
  delta: number;
  /** Statements per role, added or taken away. */
  roles: Map<string, number>;
  /** The lastUrl to set, or null to remove it (a withdrawn link, see CountDelta); the latest delta decides, as in applyStep. */
  url?: string | null;
}

function mergeDeltas(deltas: CountDelta[]): MergedDelta[] {
  const merged = new Map<string, MergedDelta>();
  for (const d of deltas) {
    const m = merged.get(d.key) ?? { key: d.key, name: d.name, delta: 0, roles: new Map<string, number>() };
    m.delta += d.delta;
    if (d.role) m.roles.set(d.role, (m.roles.get(d.role) ?? 0) + d.delta);
    if (d.url) m.url = d.delta > 0 ? d.url : null;
    merged.set(d.key, m);
  }
  return [...merged.values()];
}

function personUpdate(pk: string, d: MergedDelta) {
  // One counter per role (layout.ts ROLE_PREFIX); a role whose deltas cancel out is still set, at
  // its old count, so that the item is the same as a replay writes.
  const roles = [...d.roles].map(([role, delta], i) => ({ name: `#r${i}`, value: `:r${i}`, role, delta }));
  return {
    Key: { pk, sk: `p#${d.key}` },
    UpdateExpression:
      'SET #name = if_not_exists(#name, :name), statementCount = if_not_exists(statementCount, :zero) + :d' +
      roles.map((r) => `, ${r.name} = if_not_exists(${r.name}, :zero) + ${r.value}`).join(''),
    ExpressionAttributeNames: { '#name': 'name', ...Object.fromEntries(roles.map((r) => [r.name, ROLE_PREFIX + r.role])) },
    ExpressionAttributeValues: { ':name': d.name, ':zero': 0, ':d': d.delta, ...Object.fromEntries(roles.map((r) => [r.value, r.delta])) },
  };
}

function sourceUpdate(pk: string, d: MergedDelta) {
  return {
    Key: { pk, sk: `o#${d.key}` },
    UpdateExpression:
      'SET outlet = if_not_exists(outlet, :name), updateCount = if_not_exists(updateCount, :zero) + :d' +
      (d.url ? ', lastUrl = :url' : d.url === null ? ' REMOVE lastUrl' : ''),
    ExpressionAttributeValues: { ':name': d.name, ':zero': 0, ':d': d.delta, ...(d.url ? { ':url': d.url } : {}) },
  };
}

/** Splits a run of steps so each transaction stays under DynamoDB's 100-item and 4 MB limits. */
function chunkSteps(steps: ViewStep[]): ViewStep[][] {
  const chunks: ViewStep[][] = [];
  let current: ViewStep[] = [];
  let count = 0;
  let bytes = 0;
  for (const step of steps) {
    const revisions = isRevision(step) ? (isRetractionRevision(step.entry!) ? 2 : 1) : 0;
    // An entry is two items: itself and its line in the activity index.
    const cost =
      (step.entry ? 2 : 0) +
      revisions +
      (step.keyPoint ? 1 : 0) +
      step.people.length +
      step.sources.length +
      (step.keyEvents?.length ?? 0) +
      (step.pending ? 2 : 0) +
      (step.unpending === undefined ? 0 : 1);
    const size =
      (step.entry ? Buffer.byteLength(JSON.stringify(step.entry)) * (isRevision(step) ? 2 : 1) : 0) +
      (step.pending ? Buffer.byteLength(JSON.stringify(step.pending)) : 0);
    if (current.length > 0 && (count + cost > MAX_TRANSACTION_ITEMS - 2 || bytes + size > MAX_TRANSACTION_ENTRY_BYTES)) {
      chunks.push(current);
      current = [];
      count = 0;
      bytes = 0;
    }
    current.push(step);
    count += cost;
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
