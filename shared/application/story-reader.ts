/**
 * The read side: views, feeds and the raw log, for the public routes.
 *
 * Feeds are served from rendered bytes kept in memory, keyed by the story's head version. A
 * request costs no DynamoDB read while the cached head is fresh: locally the stream poller
 * invalidates a story the moment the projector moves it; on Lambda the head is re-checked at most
 * once per `headTtlMs`. Rendering reads the head plus the latest N changed entries (found through
 * the events table, see feed-entries.ts): O(N), not O(story); archive pages read the N entries
 * created by N versions; the all-stories feed merges the latest N changes of at most N recently
 * active stories.
 */
import { isComplete, newestCompleteArchive, nextArchive, parseArchiveRange, previousArchive } from '../domain/feeds/archive';
import { allStoriesFeed, storyFeed } from '../domain/feeds/model';
import { FEED_MEDIA_TYPES, renderFeed } from '../domain/feeds/render';
import type { FeedContext, FeedFormat } from '../domain/feeds/urls';
import { timelineKey, type StoryHead, type StoryView, type TimelineEntry } from '../domain/projection/story-view';
import { maskWithdrawn, retractionsIn, withdrawableUpdateOf, type PublicEvent } from '../domain/projection/public-log';
import type { StoryEvent } from '../domain/story/events';
import { entriesCreated, latestChanges } from './feed-entries';
import type { ActiveViews, EventReader, GenerationViews } from './ports';
import { represent, type Representation } from './representation';
import { viewAtVersion, versionAsOf, type PastView } from './time-travel';

/** Rendered feeds kept in memory (least recently used dropped first). */
const MAX_RENDERED = 1_000;

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
  private generation?: { checkedAt: number; store: GenerationViews };
  private readonly heads = new Map<string, CachedHead>();
  private readonly rendered = new Map<string, { version: number; rep: Representation }>();
  /** All-stories feeds, valid while the story list's fingerprint holds. */
  private allStories?: { fingerprint: string; checkedAt: number; stale: boolean; reps: Map<FeedFormat, Representation> };

  constructor(
    private readonly activeViews: ActiveViews,
    readonly events: EventReader,
    readonly options: ReaderOptions,
  ) {}

  /** Forget what is cached about a story (or everything): its next read goes to the table. */
  invalidate(storyId?: string): void {
    if (storyId === undefined) {
      this.heads.clear();
      this.generation = undefined;
    } else {
      this.heads.delete(storyId);
    }
    // Any story's change may reach the all-stories feed: re-check the story list on the next read.
    if (this.allStories) this.allStories.stale = true;
  }

  get feedSize(): number {
    return this.options.feedSize ?? 50;
  }

  async views(): Promise<GenerationViews> {
    const ttl = this.options.generationTtlMs ?? 2_000;
    const now = Date.now();
    if (!this.generation || now - this.generation.checkedAt > ttl) {
      const store = await this.activeViews();
      if (this.generation?.store.generation !== store.generation) {
        this.heads.clear();
        this.rendered.clear();
        this.allStories = undefined;
      }
      this.generation = { checkedAt: now, store };
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

  /**
   * A story's subscription feed: the latest `feedSize` changed entries, rendered once per head
   * version. Costs the head read (cached), a Query of about `feedSize` events and a BatchGetItem of
   * `feedSize` entries, whatever the story's length.
   */
  async feed(storyId: string, format: FeedFormat): Promise<Representation | undefined> {
    const head = await this.head(storyId);
    if (!head) return undefined;
    return this.cachedRender(`${storyId}\u0000${format}`, head.version, async () => {
      const items = await latestChanges(await this.views(), this.events, storyId, head.version, this.feedSize);
      const prevArchive = newestCompleteArchive(head.version, this.feedSize);
      const doc = storyFeed(head, items, this.options.feed, format, prevArchive ? { prevArchive } : {});
      return represent(renderFeed(doc, format), FEED_MEDIA_TYPES[format], head.lastEventAt);
    });
  }

  /** An RFC 5005 archive page `first-last`; undefined unless it is a complete page of this story. */
  async archive(storyId: string, rangeText: string, format: FeedFormat): Promise<Representation | undefined> {
    const range = parseArchiveRange(rangeText, this.feedSize);
    if (!range) return undefined;
    const head = await this.head(storyId);
    if (!head || !isComplete(range, head.version)) return undefined;
    return this.cachedRender(`${storyId}\u0000${format}\u0000${range.first}`, head.version, async () => {
      const items = await entriesCreated(await this.views(), this.events, storyId, range.first, range.last);
      const prev = previousArchive(range);
      const next = nextArchive(range, head.version);
      const doc = storyFeed(head, items, this.options.feed, format, {
        archive: range,
        ...(prev ? { prevArchive: prev } : {}),
        ...(next ? { nextArchive: next } : {}),
      });
      // Cached like a live feed, not longer: a later retraction of one of its entries must reach caches as fast.
      return represent(renderFeed(doc, format), FEED_MEDIA_TYPES[format], doc.updated);
    });
  }

  /**
   * The all-stories feed: the latest `feedSize` changes across stories, newest first. Reads the
   * story list, then the latest changes of the most recently active stories only until no further
   * story can have a newer change (its lastEventAt is older than the Nth change found), at most
   * `feedSize` stories: bounded by the feed size, not by the stories' lengths.
   */
  async allStoriesFeed(format: FeedFormat): Promise<Representation> {
    const ttl = this.options.headTtlMs ?? 1_000;
    const now = Date.now();
    const cached = this.allStories;
    if (cached && !cached.stale && now - cached.checkedAt <= ttl) {
      const rep = cached.reps.get(format);
      if (rep) return rep;
    }
    const views = await this.views();
    const stories = await views.listStories();
    const fingerprint = stories.map((s) => `${s.storyId}:${s.version}`).join(',');
    if (!this.allStories || this.allStories.fingerprint !== fingerprint) {
      this.allStories = { fingerprint, checkedAt: now, stale: false, reps: new Map() };
    }
    this.allStories.checkedAt = now;
    this.allStories.stale = false;
    const state = this.allStories;
    const hit = state.reps.get(format);
    if (hit) return hit;

    const size = this.feedSize;
    const picked: { head: StoryHead; entries: TimelineEntry[] }[] = [];
    const changeTimes: string[] = [];
    for (const summary of stories.slice(0, size)) {
      const nth = changeTimes.length >= size ? changeTimes.sort().reverse()[size - 1]! : undefined;
      if (nth !== undefined && summary.lastEventAt < nth) break;
      const head = await views.head(summary.storyId);
      if (!head) continue;
      const entries = await latestChanges(views, this.events, summary.storyId, head.version, size);
      picked.push({ head, entries });
      changeTimes.push(...entries.map((e) => e.updatedAt));
    }
    const doc = allStoriesFeed(picked, this.options.feed, format, size);
    const rep = represent(renderFeed(doc, format), FEED_MEDIA_TYPES[format], stories[0]?.lastEventAt);
    state.reps.set(format, rep);
    return rep;
  }

  private async cachedRender(key: string, version: number, render: () => Promise<Representation>): Promise<Representation> {
    const cached = this.rendered.get(key);
    this.rendered.delete(key);
    const rep = cached && cached.version === version ? cached.rep : await render();
    // Re-inserting keeps the Map in least-recently-used order; archive pages of long stories
    // must not grow this cache without bound.
    this.rendered.set(key, { version, rep });
    if (this.rendered.size > MAX_RENDERED) this.rendered.delete(this.rendered.keys().next().value!);
    return rep;
  }

  /**
   * A page of the log as the public reads it: the articles and statements retracted now (as the
   * views know them, or by a retraction in the page itself) and the corrections of them are
   * masked (shared/domain/projection/public-log.ts). One BatchGetItem of the page's updates.
   */
  async publicEvents(storyId: string, events: readonly StoryEvent[]): Promise<PublicEvent[]> {
    const retracted = retractionsIn(events);
    const ids = [...new Set(events.map(withdrawableUpdateOf).filter((id): id is string => id !== undefined && !retracted.has(id)))];
    if (ids.length > 0) {
      for (const entry of await (await this.views()).entries(storyId, ids)) {
        if (entry.retraction) retracted.set(entry.updateId, entry.retraction);
      }
    }
    return maskWithdrawn(events, retracted);
  }

  /**
   * The story as it stood at a version or a time (the earlier of the two when both are given):
   * head, people, sources and key points as of then, and a page of the timeline — the entries
   * changed most recently before that point (see time-travel.ts; bounded for any story length).
   */
  async viewAt(storyId: string, at: { version?: number; asOf?: string }): Promise<PastView | undefined> {
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
