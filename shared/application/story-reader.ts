/**
 * The read side: views, feeds, pages and the raw log, for the public routes.
 *
 * Feeds and pages are served from rendered bytes kept in memory, keyed by the story's head version. A
 * request costs no DynamoDB read while the cached head is fresh: locally the stream poller
 * invalidates a story the moment the projector moves it; on Lambda the head is re-checked at most
 * once per `headTtlMs`. While the store is unavailable, what was rendered last is served (the head
 * and the generation as last read, the bytes of the last version rendered): readers keep the
 * story through an outage; only what was never rendered answers 503. Rendering reads the head plus the latest N changed entries (found through
 * the events table, see feed-entries.ts): O(N), not O(story); archive pages read the N entries
 * created by N versions; the all-stories feed merges the latest N changes of at most N recently
 * active stories.
 */
import { isComplete, newestCompleteArchive, nextArchive, parseArchiveRange, previousArchive } from '../domain/feeds/archive';
import { allStoriesFeed, clippedEntry, keyEventsFeed, storyFeed, type FeedDocument } from '../domain/feeds/model';
import { FEED_MEDIA_TYPES, renderFeed } from '../domain/feeds/render';
import type { FeedContext, FeedFormat } from '../domain/feeds/urls';
import { createdEntryOf, targetOf, timelineKey, type StoryHead, type StoryView, type TimelineEntry } from '../domain/projection/story-view';
import { maskWithdrawn, retractionsIn, withdrawableUpdateOf, type PublicEvent } from '../domain/projection/public-log';
import type { StoryEvent } from '../domain/story/events';
import type { StorySummary } from '../domain/projection/story-summary';
import { entriesCreated, latestChanges } from './feed-entries';
import type { ActiveViews, EventReader, GenerationViews } from './ports';
import { StoreUnavailableError } from './errors';
import { represent, type Representation } from './representation';
import { viewAtVersion, versionAsOf, type PastView } from './time-travel';

const NUL = '\u0000';

/** Rendered feeds and pages kept in memory (least recently used dropped first). */
const MAX_RENDERED = 1_000;

/**
 * A feed answer holds at most about this many UTF-16 units (at most three bytes each: 4.5 MB of
 * Lambda's 6 MB). Fifty entries of 60,000 characters that escape to nine times as many (HTML in
 * XML) would be far more: such a feed is rendered again with each text cut to FEED_CLIP_CHARS.
 */
const MAX_FEED_UNITS = 1_500_000;
const FEED_CLIP_CHARS = 2_000;

/** The feed `build` makes, rendered within MAX_FEED_UNITS (its texts clipped when the whole would not fit). */
function renderWithin(build: (clip: (entries: TimelineEntry[]) => TimelineEntry[]) => FeedDocument, format: FeedFormat): string {
  const whole = renderFeed(
    build((entries) => entries),
    format,
  );
  if (whole.length <= MAX_FEED_UNITS) return whole;
  return renderFeed(
    build((entries) => entries.map((entry) => clippedEntry(entry, FEED_CLIP_CHARS))),
    format,
  );
}

/** Events a live page's change request covers at most; a page further behind asks again from where the answer stopped. */
export const MAX_CHANGE_EVENTS = 100;

/**
 * What changed in a story after a version a page shows, up to the views' head: the entries that
 * events after it created or changed, in the order of those events (each once, as it stands now),
 * and whether the headline changed. `upTo` is the last version covered: below the head when the
 * answer stopped at MAX_CHANGE_EVENTS events (`complete` false).
 */
export interface StoryChanges {
  head: StoryHead;
  since: number;
  upTo: number;
  complete: boolean;
  entries: TimelineEntry[];
  /** The version that created or last changed each entry, in the same order. */
  changedAt: number[];
  headlineChanged: boolean;
  /**
   * The key events may have changed: one was posted, marked or unmarked, or a key event was
   * corrected or retracted (a page re-reads its key-events list then; a mark changes no entry it shows).
   */
  keyEventsChanged: boolean;
  /** The pin may have changed: pinned, unpinned, or an update retracted (a retraction of the pinned update unpins it). */
  pinChanged: boolean;
}

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
  /** Reads and renders under way, by what they read: concurrent misses wait for one (once()). */
  private readonly inflight = new Map<string, Promise<unknown>>();
  /** Counts invalidations: a read that began before one is not kept. */
  private epoch = 0;
  /** Representations of the story list (listing()), valid while its fingerprint holds. */
  private allStories?: { fingerprint: string; checkedAt: number; stale: boolean; reps: Map<string, Representation> };

  constructor(
    private readonly activeViews: ActiveViews,
    readonly events: EventReader,
    readonly options: ReaderOptions,
  ) {}

  /** Forget what is cached about a story (or everything): its next read goes to the table. */
  invalidate(storyId?: string): void {
    this.epoch++;
    // Reads under way may have missed the change: later requests start their own.
    this.inflight.clear();
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
      const store = await staleIfUnavailable(
        this.once('generation', () => this.activeViews()),
        this.generation?.store,
      );
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
    const epoch = this.epoch;
    // One read of a head at a time, whatever the number of requests waiting for it.
    const read = this.once(`head${NUL}${storyId}`, () => this.views().then((views) => views.head(storyId)));
    try {
      const head = await read;
      // A change announced while the read was on its way may not be in it: keep it only if none was.
      if (this.epoch === epoch) this.heads.set(storyId, { head, checkedAt: now });
      return head;
    } catch (error) {
      // The store is unavailable: the head as last read, left unchecked so the next request asks again.
      if (cached && error instanceof StoreUnavailableError) return cached.head;
      throw error;
    }
  }

  /** The promise `make` gives, shared by every caller while it is pending. */
  private once<T>(key: string, make: () => Promise<T>): Promise<T> {
    const pending = this.inflight.get(key) as Promise<T> | undefined;
    if (pending) return pending;
    const promise: Promise<T> = make().finally(() => {
      // An invalidation may have let a newer read of the key start meanwhile: leave that one be.
      if (this.inflight.get(key) === promise) this.inflight.delete(key);
    });
    this.inflight.set(key, promise);
    return promise;
  }

  /**
   * A story's subscription feed: the latest `feedSize` changed entries, rendered once per head
   * version. Costs the head read (cached), a Query of about `feedSize` events and a BatchGetItem of
   * `feedSize` entries, whatever the story's length.
   */
  async feed(storyId: string, format: FeedFormat): Promise<Representation | undefined> {
    const head = await this.head(storyId);
    if (!head) return undefined;
    return this.rendering(`${storyId}\u0000${format}`, head.version, async () => {
      const items = await latestChanges(await this.views(), this.events, storyId, head.version, this.feedSize);
      // By the last version readers saw: an embargoed append completes no archive page (feeds' bytes stay).
      const prevArchive = newestCompleteArchive(head.publicVersion ?? head.version, this.feedSize);
      const body = renderWithin((clip) => storyFeed(head, clip(items), this.options.feed, format, prevArchive ? { prevArchive } : {}), format);
      return represent(body, FEED_MEDIA_TYPES[format], head.lastEventAt);
    });
  }

  /**
   * A story's key-events feed: its latest `feedSize` key events (retracted ones as their notice),
   * newest first by when they happened, rendered once per head version like the story feed. Costs
   * the head read (cached), one Query of the key-events index and one BatchGetItem of `feedSize`
   * entries, whatever the story's length.
   */
  async keyEventsFeed(storyId: string, format: FeedFormat): Promise<Representation | undefined> {
    const head = await this.head(storyId);
    if (!head) return undefined;
    return this.rendering(`${storyId}\u0000key-events\u0000${format}`, head.version, async () => {
      const items = await (await this.views()).keyEvents(storyId, this.feedSize);
      const body = renderWithin((clip) => keyEventsFeed(head, clip(items), this.options.feed, format), format);
      return represent(body, FEED_MEDIA_TYPES[format], head.lastEventAt);
    });
  }

  /** An RFC 5005 archive page `first-last`; undefined unless it is a complete page of this story. */
  async archive(storyId: string, rangeText: string, format: FeedFormat): Promise<Representation | undefined> {
    const range = parseArchiveRange(rangeText, this.feedSize);
    if (!range) return undefined;
    const head = await this.head(storyId);
    if (!head || !isComplete(range, head.publicVersion ?? head.version)) return undefined;
    return this.rendering(`${storyId}\u0000${format}\u0000${range.first}`, head.version, async () => {
      const items = await entriesCreated(await this.views(), this.events, storyId, range.first, range.last);
      const prev = previousArchive(range);
      const next = nextArchive(range, head.publicVersion ?? head.version);
      const links = { archive: range, ...(prev ? { prevArchive: prev } : {}), ...(next ? { nextArchive: next } : {}) };
      let updated: string | undefined;
      const body = renderWithin((clip) => {
        const doc = storyFeed(head, clip(items), this.options.feed, format, links);
        updated = doc.updated;
        return doc;
      }, format);
      // Cached like a live feed, not longer: a later retraction of one of its entries must reach caches as fast.
      return represent(body, FEED_MEDIA_TYPES[format], updated);
    });
  }

  /**
   * The all-stories feed: the latest `feedSize` changes across stories, newest first. Reads the
   * story list, then the latest changes of the most recently active stories only until no further
   * story can have a newer change (its lastEventAt is older than the Nth change found), at most
   * `feedSize` stories: bounded by the feed size, not by the stories' lengths.
   */
  async allStoriesFeed(format: FeedFormat): Promise<Representation> {
    return this.listing(`feed.${format}`, async (stories, views) => {
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
      const body = renderWithin(
        (clip) =>
          allStoriesFeed(
            picked.map((p) => ({ head: p.head, entries: clip(p.entries) })),
            this.options.feed,
            format,
            size,
          ),
        format,
      );
      return represent(body, FEED_MEDIA_TYPES[format], stories[0]?.lastEventAt);
    });
  }

  /**
   * A representation made from the story list (the all-stories feeds, the front page, `GET
   * /api/stories`), kept while the list's fingerprint (each story's id and version) holds: the list
   * is re-read at most once per `headTtlMs`, or at the next read after any story changed.
   */
  async listing(key: string, render: (stories: StorySummary[], views: GenerationViews) => Promise<Representation>): Promise<Representation> {
    const ttl = this.options.headTtlMs ?? 1_000;
    const now = Date.now();
    const cached = this.allStories;
    if (cached && !cached.stale && now - cached.checkedAt <= ttl) {
      const rep = cached.reps.get(key);
      if (rep) return rep;
    }
    const views = await this.views();
    const listed = this.once('stories', () => views.listStories());
    const stale = cached?.reps.get(key);
    const stories = await (stale ? staleIfUnavailable(listed, stale) : listed);
    if (!Array.isArray(stories)) return stories;
    const fingerprint = stories.map((s) => `${s.storyId}:${s.version}`).join(',');
    if (!this.allStories || this.allStories.fingerprint !== fingerprint) {
      this.allStories = { fingerprint, checkedAt: now, stale: false, reps: new Map() };
    }
    this.allStories.checkedAt = now;
    this.allStories.stale = false;
    const state = this.allStories;
    const hit = state.reps.get(key);
    if (hit) return hit;
    const rep = await render(stories, views);
    state.reps.set(key, rep);
    return rep;
  }

  /**
   * What changed after version `since` (see StoryChanges), for a live page: one Query of at most
   * MAX_CHANGE_EVENTS events and one BatchGetItem of the entries they name. Nothing is read when
   * the page is at the head already.
   */
  async changesSince(head: StoryHead, since: number): Promise<StoryChanges> {
    const none = {
      head,
      since,
      upTo: Math.max(since, head.version),
      complete: true,
      entries: [],
      changedAt: [],
      headlineChanged: false,
      keyEventsChanged: false,
      pinChanged: false,
    };
    if (since >= head.version) return none;
    let events: StoryEvent[] = [];
    for await (const page of this.events.stream(head.storyId, { after: since, upTo: head.version, pageSize: MAX_CHANGE_EVENTS })) {
      events = page;
      break;
    }
    if (events.length === 0) return none;
    const latest = new Map<string, number>();
    for (const event of events) {
      // Marks too: the page shows a key event's badge in the timeline (feeds do not, see revisedEntryOf).
      const id = createdEntryOf(event) ?? targetOf(event);
      if (id !== undefined) {
        latest.delete(id);
        latest.set(id, event.metadata.version);
      }
    }
    const found = new Map((await (await this.views()).entries(head.storyId, [...latest.keys()])).map((entry) => [entry.updateId, entry]));
    const upTo = events.at(-1)!.metadata.version;
    const entries = [...latest.keys()].flatMap((id) => found.get(id) ?? []);
    return {
      head,
      since,
      upTo,
      complete: upTo >= head.version,
      entries,
      changedAt: entries.map((entry) => latest.get(entry.updateId)!),
      headlineChanged: events.some((event) => event.type === 'HeadlineChanged'),
      keyEventsChanged:
        events.some((event) => event.type === 'KeyEventMarked' || event.type === 'KeyEventUnmarked') || entries.some((entry) => entry.keyEvent),
      pinChanged: events.some((event) => event.type === 'UpdatePinned' || event.type === 'UpdateUnpinned' || event.type === 'UpdateRetracted'),
    };
  }

  /**
   * The representation `key` as rendered at story version `version`: from memory when it was
   * rendered at that version, else rendered now and kept (a render that finds nothing is not).
   * Re-inserting keeps the Map in least-recently-used order; pages and archive pages of long
   * stories must not grow this cache without bound.
   */
  async rendering<R extends Representation | undefined>(key: string, version: number, render: () => Promise<R>): Promise<R> {
    const cached = this.rendered.get(key);
    this.rendered.delete(key);
    const rendering = () => this.once(`${key}${NUL}${version}`, render);
    const rep =
      cached && cached.version === version ? (cached.rep as R) : await (cached ? staleIfUnavailable(rendering(), cached.rep as R) : rendering());
    if (rep === undefined) return rep;
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

/** What `read` gives, or `stale` when the store is unavailable (any other failure stands). */
async function staleIfUnavailable<T, S>(read: Promise<T>, stale: S | undefined): Promise<T | S> {
  try {
    return await read;
  } catch (error) {
    if (stale !== undefined && error instanceof StoreUnavailableError) return stale;
    throw error;
  }
}

/** Timeline entries of an in-memory view in timeline order. */
export function orderedEntries(view: StoryView): TimelineEntry[] {
  return [...view.entries.values()].sort((a, b) => timelineKey(a).localeCompare(timelineKey(b)));
}
