/**
 * The read side: views, feeds and the raw log, for the public routes.
 *
 * Feeds are served from rendered bytes kept in memory, keyed by the story's head version. A
 * request costs no DynamoDB read while the cached head is fresh: locally the stream poller
 * invalidates a story the moment the projector moves it; on Lambda the head is re-checked at most
 * once per `headTtlMs`. Rendering reads the head plus the latest N entries: O(N), not O(story).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { renderAtom } from '../feeds/atom';
import { storyFeed, type FeedContext } from '../feeds/model';
import { timelineKey, type StoryHead, type StoryView, type TimelineEntry } from '../projection/story-view';
import { represent, type Representation } from '../http/conditional';
import type { Tables } from './dynamo';
import { EventStore } from './event-store';
import { viewAtVersion, versionAsOf } from './time-travel';
import { activeGeneration, ViewStore } from './view-store';

export type FeedFormat = 'atom';

export const FEED_MEDIA_TYPES: Record<FeedFormat, string> = {
  atom: 'application/atom+xml; charset=utf-8',
};

export interface ReaderOptions {
  feed: FeedContext;
  /** Entries in a subscription feed. */
  feedSize?: number;
  /** How long a cached head version is trusted without re-reading it (ms). */
  headTtlMs?: number;
  generationTtlMs?: number;
}

interface CachedHead {
  head: StoryHead | undefined;
  checkedAt: number;
}

export class StoryReader {
  readonly events: EventStore;
  private generation?: { name: string; checkedAt: number; store: ViewStore };
  private readonly heads = new Map<string, CachedHead>();
  private readonly rendered = new Map<string, { version: number; rep: Representation }>();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: Tables,
    readonly options: ReaderOptions,
  ) {
    this.events = new EventStore(db, tables.events);
  }

  /** Forget what is cached about a story (or everything): its next read goes to the table. */
  invalidate(storyId?: string): void {
    if (storyId === undefined) {
      this.heads.clear();
      this.generation = undefined;
    } else {
      this.heads.delete(storyId);
    }
  }

  async views(): Promise<ViewStore> {
    const ttl = this.options.generationTtlMs ?? 2_000;
    const now = Date.now();
    if (!this.generation || now - this.generation.checkedAt > ttl) {
      const name = await activeGeneration(this.db, this.tables.views);
      if (this.generation?.name !== name) {
        this.heads.clear();
        this.rendered.clear();
      }
      this.generation = { name, checkedAt: now, store: new ViewStore(this.db, this.tables.views, name) };
    }
    return this.generation.store;
  }

  async head(storyId: string): Promise<StoryHead | undefined> {
    const ttl = this.options.headTtlMs ?? 1_000;
    const cached = this.heads.get(storyId);
    const now = Date.now();
    if (cached && now - cached.checkedAt <= ttl) return cached.head;
    const head = await (await this.views()).head(storyId);
    this.heads.set(storyId, { head, checkedAt: now });
    return head;
  }

  async feed(storyId: string, format: FeedFormat): Promise<Representation | undefined> {
    const head = await this.head(storyId);
    if (!head) return undefined;
    const key = `${storyId}\u0000${format}`;
    const cached = this.rendered.get(key);
    if (cached && cached.version === head.version) return cached.rep;
    const views = await this.views();
    const { items } = await views.latestChanges(storyId, this.options.feedSize ?? 50);
    const doc = storyFeed(head, items, this.options.feed, format);
    const rep = represent(renderAtom(doc), FEED_MEDIA_TYPES[format], head.lastEventAt);
    this.rendered.set(key, { version: head.version, rep });
    return rep;
  }

  /**
   * The story as it stood at a version or a time (the earlier of the two when both are given):
   * head, people, sources and key points as of then, and a page of the timeline — the entries
   * changed most recently before that point (see time-travel.ts; bounded for any story length).
   */
  async viewAt(storyId: string, at: { version?: number; asOf?: string }): Promise<StoryView | undefined> {
    let version = at.version ?? Number.MAX_SAFE_INTEGER;
    if (at.asOf !== undefined) version = Math.min(version, await versionAsOf(this.events, storyId, at.asOf));
    if (version < 1) return undefined;
    if (version === Number.MAX_SAFE_INTEGER) version = await this.events.headVersion(storyId);
    return viewAtVersion(await this.views(), this.events, storyId, version);
  }
}

/** Timeline entries of an in-memory view in timeline order. */
export function orderedEntries(view: StoryView): TimelineEntry[] {
  return [...view.entries.values()].sort((a, b) => timelineKey(a).localeCompare(timelineKey(b)));
}
