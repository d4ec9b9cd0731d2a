/**
 * The read side: views, feeds, pages and the raw log, for the public routes.
 *
 * Feeds and pages are served from rendered bytes kept in memory, keyed by the story's head version. A
 * request costs no DynamoDB read while the cached head is fresh: locally the stream poller
 * invalidates a story the moment the projector moves it; on Lambda the head is re-checked at most
 * once per `headTtlMs`. While the store is unavailable, what was rendered last is served (the head
 * and the generation as last read, the bytes of the last version rendered): readers keep the
 * story through an outage; only what was never rendered answers 503. Rendering reads the head
 * plus the latest N changed entries (found through the events table, see feed-entries.ts): O(N),
 * not O(story); archive pages read the N entries created by N versions. The story list's pages
 * and the all-stories feed read the activity index (the newest stories, the newest changes across
 * stories): O(page), not O(stories).
 */
import { isComplete, newestCompleteArchive, nextArchive, parseArchiveRange, previousArchive } from '../domain/feeds/archive';
import { allStoriesFeed, clippedEntry, keyEventsFeed, storyFeed, type FeedDocument } from '../domain/feeds/model';
import { FEED_MEDIA_TYPES, renderFeed } from '../domain/feeds/render';
import type { FeedContext, FeedFormat } from '../domain/feeds/urls';
import {
  compareTimelineKeys,
  createdEntryOf,
  targetOf,
  timelineKey,
  type StoryHead,
  type StoryView,
  type TimelineEntry,
} from '../domain/projection/story-view';
import { maskWithdrawn, retractionsIn, withdrawableUpdateOf, type PublicEvent } from '../domain/projection/public-log';
import type { StoryEvent } from '../domain/story/events';
import type { StorySummary } from '../domain/projection/story-summary';
import { entriesCreated, latestChanges } from './feed-entries';
import type { ActiveViews, ActivityKey, EventReader, GenerationViews } from './ports';
import { StoreUnavailableError } from './errors';
import { represent, type Representation } from './representation';
import { viewAtVersion, versionAsOf, type PastView } from './time-travel';

const NUL = '\u0000';

/** The key a story's feed (or key-events feed) is rendered under, for `rendering` and `cachedFeed` alike. */
const feedKey = (storyId: string, format: FeedFormat, keyEvents = false) =>
  keyEvents ? `${storyId}${NUL}key-events${NUL}${format}` : `${storyId}${NUL}${format}`;

/** Rendered feeds and pages kept in memory (least recently used dropped first). */
const MAX_RENDERED = 1_000;

/** Story-list pages and all-stories feeds kept in memory (least recently used dropped first). */
const MAX_LISTINGS = 200;

/** A page of the story list: its stories, newest activity first, and the cursor of the next (older) page. */
export interface StoryListPage {
  stories: StorySummary[];
  next?: string;
}

interface ListingState {
  fingerprint: string;
  rep: Representation;
  checkedAt: number;
  stale: boolean;
}

/** An activity key as a fingerprint's part: what it names and when that changed. */
const keyText = (key: ActivityKey) => `${key.storyId}/${key.updateId ?? ''}@${key.at}`;

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
  /** Each story's latest changed entries at the version last read (latestChangesAt). */
  private readonly latest = new Map<string, { version: number; generation: string; items: Promise<TimelineEntry[]> }>();
  /** Reads and renders under way, by what they read: concurrent misses wait for one (once()). */
  private readonly inflight = new Map<string, Promise<unknown>>();
  /** Counts invalidations: a read that began before one is not kept. */
  private epoch = 0;
  /** Representations made from the activity index (listing()), each valid while its fingerprint holds. */
  private readonly listings = new Map<string, ListingState>();

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
    // Any story's change may reach the all-stories feed and the story list: re-check them on the next read.
    for (const listing of this.listings.values()) listing.stale = true;
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
        this.listings.clear();
      }
      this.generation = { checkedAt: now, store };
    }
    return this.generation.store;
  }

  /**
   * The story feed or key-events feed `feed`/`keyEventsFeed` would answer now, when it is at hand
   * without a read or a wait: the head checked within its TTL and the feed rendered at that
   * version. Undefined otherwise (then ask `feed`). A cached feed GET answers synchronously, which
   * spares it three promises and @hono/node-server's asynchronous path.
   */
  cachedFeed(storyId: string, format: FeedFormat, keyEvents = false): Representation | undefined {
    const cached = this.heads.get(storyId);
    if (!cached?.head || Date.now() - cached.checkedAt > (this.options.headTtlMs ?? 1_000)) return undefined;
    const key = feedKey(storyId, format, keyEvents);
    const rendered = this.rendered.get(key);
    if (!rendered || rendered.version !== cached.head.version) return undefined;
    // Most recently used, as rendering() keeps it.
    this.rendered.delete(key);
    this.rendered.set(key, rendered);
    return rendered.rep;
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
    return this.rendering(feedKey(storyId, format), head.version, async () => {
      const items = [...(await this.latestChangesAt(await this.views(), storyId, head.version))];
      // By the last version readers saw: an embargoed append completes no archive page (feeds' bytes stay).
      const prevArchive = newestCompleteArchive(head.publicVersion ?? head.version, this.feedSize);
      const body = renderWithin((clip) => storyFeed(head, clip(items), this.options.feed, format, prevArchive ? { prevArchive } : {}), format);
      return represent(body, FEED_MEDIA_TYPES[format], head.lastEventAt);
    });
  }

  /**
   * The latest `feedSize` changed entries of a story at `version`, read once for the story's three
   * feed formats (each rendered on its own request at that version): kept per story, for the
   * latest version read, in the generation it was read from.
   */
  private latestChangesAt(views: GenerationViews, storyId: string, version: number): Promise<TimelineEntry[]> {
    const kept = this.latest.get(storyId);
    this.latest.delete(storyId);
    if (kept && kept.version === version && kept.generation === views.generation) {
      this.latest.set(storyId, kept);
      return kept.items;
    }
    const read = { version, generation: views.generation, items: latestChanges(views, this.events, storyId, version, this.feedSize) };
    this.latest.set(storyId, read);
    if (this.latest.size > MAX_RENDERED) this.latest.delete(this.latest.keys().next().value!);
    // A failed read is not kept: the next request reads again.
    read.items.catch(() => {
      if (this.latest.get(storyId) === read) this.latest.delete(storyId);
    });
    return read.items;
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
    return this.rendering(feedKey(storyId, format, true), head.version, async () => {
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
   * The all-stories feed: the latest `feedSize` changes across stories, newest first. The activity
   * index orders every entry by its latest change across stories (views/layout.ts), so a check
   * is two sets of keys-only Queries (the newest story, the newest `feedSize` changes; one a
   * shard) and a render two BatchGetItems (those entries, their stories' heads): bounded by the
   * feed size, not by the number of stories or their lengths. The same entries, in the same order,
   * as merging every story's latest changes (ties by updateId, as the model sorts them).
   */
  async allStoriesFeed(format: FeedFormat): Promise<Representation> {
    const size = this.feedSize;
    return this.listing(
      `feed.${format}`,
      async (views) => {
        const [newest, changes] = await Promise.all([views.activity('stories', 1), views.activity('changes', size)]);
        return { fingerprint: [...newest.keys, ...changes.keys].map(keyText).join(','), data: { newest: newest.keys[0], changes: changes.keys } };
      },
      async ({ newest, changes }, views) => {
        const storyIds = [...new Set([...(newest ? [newest.storyId] : []), ...changes.map((k) => k.storyId)])];
        const [entries, heads] = await Promise.all([views.entriesOf(changes), views.heads(storyIds)]);
        const id = (storyId: string, updateId: string) => `${storyId}${NUL}${updateId}`;
        const byId = new Map(entries.map((entry) => [id(entry.storyId, entry.updateId), entry]));
        const found = (k: ActivityKey) => byId.get(id(k.storyId, k.updateId!));
        // The index is eventually consistent with the items (on AWS): a render that read an entry
        // older than the index named is served but not kept, so the next request renders again.
        const complete = changes.every((k) => found(k)?.updatedAt === k.at) && heads.length === storyIds.length;
        const headOf = new Map(heads.map((head) => [head.storyId, head]));
        const picked = storyIds.flatMap((storyId) => {
          const head = headOf.get(storyId);
          return head ? [{ head, entries: changes.flatMap((k) => (k.storyId === storyId ? (found(k) ?? []) : [])) }] : [];
        });
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
        return { rep: represent(body, FEED_MEDIA_TYPES[format], newest?.at), complete };
      },
    );
  }

  /**
   * A page of the story list, newest activity first (the front page, `GET /api/stories`): `limit`
   * stories older than `cursor` (a page's `next`), read through the activity index (keys-only
   * Queries, one a shard) and one BatchGetItem of their lines: bounded by the page, not by the
   * number of stories. Rendered by `render` and kept like the feeds (see listing()).
   */
  async storyList(key: string, page: { limit: number; cursor?: string }, render: (list: StoryListPage) => Representation): Promise<Representation> {
    return this.listing(
      `${key}${NUL}${page.limit}${NUL}${page.cursor ?? ''}`,
      async (views) => {
        const found = await views.activity('stories', page.limit, page.cursor);
        return { fingerprint: `${found.keys.map(keyText).join(',')}>${found.next ?? ''}`, data: found };
      },
      async (found, views) => {
        const lines = new Map((await views.summaries(found.keys.map((k) => k.storyId))).map((s) => [s.storyId, s]));
        const stories = found.keys.flatMap((k) => lines.get(k.storyId) ?? []);
        // As for the feed: a line older than the index said is served, not kept.
        const complete = found.keys.every((k) => lines.get(k.storyId)?.lastEventAt === k.at);
        return { rep: render({ stories, ...(found.next ? { next: found.next } : {}) }), complete };
      },
    );
  }

  /**
   * A representation made from the activity index (the story list's pages, the all-stories
   * feeds), kept while what `read` found (its fingerprint: keys and times) holds: read again at
   * most once per `headTtlMs`, or at the next request after any story changed (invalidate()).
   * While the store is unavailable, the last representation made is served.
   */
  private async listing<T>(
    key: string,
    read: (views: GenerationViews) => Promise<{ fingerprint: string; data: T }>,
    render: (data: T, views: GenerationViews) => Promise<{ rep: Representation; complete: boolean }>,
  ): Promise<Representation> {
    const ttl = this.options.headTtlMs ?? 1_000;
    const now = Date.now();
    const cached = this.listings.get(key);
    this.listings.delete(key);
    const keep = (entry: ListingState) => {
      this.listings.set(key, entry);
      if (this.listings.size > MAX_LISTINGS) this.listings.delete(this.listings.keys().next().value!);
    };
    if (cached && !cached.stale && now - cached.checkedAt <= ttl) {
      keep(cached);
      return cached.rep;
    }
    const epoch = this.epoch;
    const made = this.once(`listing${NUL}${key}`, async () => {
      const views = await this.views();
      const found = await read(views);
      if (cached && cached.fingerprint === found.fingerprint) return { fingerprint: found.fingerprint, rep: cached.rep, complete: true };
      return { fingerprint: found.fingerprint, ...(await render(found.data, views)) };
    });
    let result: Awaited<typeof made>;
    try {
      result = await made;
    } catch (error) {
      if (!cached || !(error instanceof StoreUnavailableError)) throw error;
      // The store is unavailable: what was made last, left unchecked so that the next request asks again.
      keep(cached);
      return cached.rep;
    }
    // Kept only when whole, and when no change was announced while it was read.
    if (result.complete) keep({ fingerprint: result.fingerprint, rep: result.rep, checkedAt: now, stale: this.epoch !== epoch });
    return result.rep;
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
  return [...view.entries.values()].sort((a, b) => compareTimelineKeys(timelineKey(a), timelineKey(b)));
}
