/**
 * The ports of the application layer: what the use cases need from storage and from logging,
 * declared here beside their users and implemented by the adapters (the DynamoDB stores, the
 * Powertools logger). The errors adapters throw through them are in ./errors.ts.
 */
import type { PendingEvent, StoryEvent } from '../domain/story/events';
import type { TimeTravelSnapshot } from '../domain/projection/rebuild';
import type { StorySummary } from '../domain/projection/story-summary';
import type { KeyPoint, Person, PersonCount, RetractionNotice, Source, StoryHead, TimelineEntry, ViewStep } from '../domain/projection/story-view';

/** Structured logging (Powertools Logger on Lambda and locally): a message plus attributes. */
export interface Log {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

// ── The event log: one stream of events per story, the source of truth ──────────────────────

export interface ReadOptions {
  /** Read events with version > after. */
  after?: number;
  /** Read events with version ≤ upTo. */
  upTo?: number;
  limit?: number;
}

export interface EventPage {
  events: StoryEvent[];
  /** Pass as `after` to read the next page; undefined when the stream is exhausted. */
  nextAfter?: number;
}

/** Reading the log: the read side, time travel, feeds, the projector and replay. */
export interface EventReader {
  /** The story's latest version, 0 when it has no events. Strongly consistent. */
  headVersion(storyId: string): Promise<number>;
  /** One page of a story's events, oldest first. */
  read(storyId: string, options?: ReadOptions): Promise<EventPage>;
  /** Every event of a story after `after` (and up to `upTo`), page by page. */
  stream(storyId: string, options?: Omit<ReadOptions, 'limit'> & { pageSize?: number }): AsyncIterable<StoryEvent[]>;
  /** A story's events newest first, from `upTo` down, page by page; strongly consistent unless `consistent` is false. */
  streamNewestFirst(storyId: string, options: { upTo: number; pageSize?: number; consistent?: boolean }): AsyncIterable<StoryEvent[]>;
  /** Ids of every story. */
  listStoryIds(): Promise<string[]>;
}

/**
 * The log as the writer uses it. A `Companion` is a write of the storage's own (an idempotency
 * record's completion, made by IdempotencyRecords) that must commit atomically with the events:
 * the writer passes it from one port to the other without looking inside.
 */
export interface EventLog<Companion> extends EventReader {
  /**
   * Appends events after `expectedVersion`. Throws ConcurrencyError when the story is no longer
   * there, CompanionConditionError when the companion's own condition failed.
   */
  append(storyId: string, expectedVersion: number, pending: PendingEvent[], companion?: Companion): Promise<StoryEvent[]>;
  /**
   * Group commit: several appends to one story (each its events and its companion) written after
   * `expectedVersion` in one atomic write, one after another in the order given. Takes as many of
   * the leading appends as one write holds (at least one) and returns the events of those, one
   * array per append; the caller appends the rest afterwards. Throws as `append` does when nothing
   * was written: ConcurrencyError, CompanionConditionError (whichever companion it was),
   * TransactionConflictError.
   */
  appendAll(storyId: string, expectedVersion: number, appends: readonly Append<Companion>[]): Promise<StoryEvent[][]>;
}

/** One append of a group commit (EventLog.appendAll). */
export interface Append<Companion> {
  pending: PendingEvent[];
  companion?: Companion;
}

// ── The views: the projection of the log that readers are served from ──────────────────────

export interface Page<T> {
  items: T[];
  /** Opaque cursor for the next page. */
  next?: string;
}

/** The longest cursor a store takes back (real ones are far shorter); a longer one is invalid. */
export const MAX_CURSOR_LENGTH = 512;

/** Stories a page of the story list shows unless asked for fewer (the front page, `GET /api/stories`). */
export const STORY_PAGE_SIZE = 50;
/** The most a page of the story list shows (one BatchGetItem). */
export const MAX_STORY_PAGE_SIZE = 100;

/** What the write side reads of the views (to decide corrections and retractions). */
export interface ViewReader {
  head(storyId: string, consistent?: boolean): Promise<StoryHead | undefined>;
  entry(storyId: string, updateId: string, consistent?: boolean): Promise<TimelineEntry | undefined>;
  /** A pending (embargoed, not released) update, as corrected so far; never a public read. */
  pendingEntry(storyId: string, updateId: string, consistent?: boolean): Promise<TimelineEntry | undefined>;
}

/** What readers, feeds and time travel read of one generation of the views. */
export interface StoryViews extends ViewReader {
  /** The current state of these entries, in no particular order (ids with no entry are left out). */
  entries(storyId: string, updateIds: readonly string[]): Promise<TimelineEntry[]>;
  /** Entries by when they happened (occurredAt, then version). Throws InvalidCursorError for a cursor it did not hand out. */
  timeline(storyId: string, limit: number, cursor?: string, newestFirst?: boolean): Promise<Page<TimelineEntry>>;
  /** The cursor of a timeline page that ends at `entry` (for a page cut short of what the store gave). */
  timelineCursorAfter(entry: TimelineEntry): string;
  keyPoints(storyId: string, limit: number): Promise<KeyPoint[]>;
  /**
   * The latest `limit` key events now (retracted ones are none), newest first by when they happened
   * (occurredAt, then version): one Query of the key-events index and one BatchGetItem of the
   * entries, O(limit) whatever the story's length.
   */
  keyEvents(storyId: string, limit: number): Promise<TimelineEntry[]>;
  people(storyId: string, limit?: number): Promise<Person[]>;
  sources(storyId: string, limit?: number): Promise<Source[]>;
  /** Every story, the most recently changed first (replay's cleanup; readers page with activity()). */
  listStories(): Promise<StorySummary[]>;
  /**
   * The latest activity across stories, newest first, from the activity index (keys only): story
   * lines by their last event, or timeline entries by their latest change; at most `limit`, and
   * only older than `before` (a story-list cursor) when given. Bounded Queries, whatever the
   * number of stories. Throws InvalidCursorError for a cursor it did not hand out.
   */
  activity(kind: 'stories' | 'changes', limit: number, before?: string): Promise<ActivityPage>;
  /** The story-list lines of these stories, in no particular order (ids with none left out): BatchGetItem. */
  summaries(storyIds: readonly string[]): Promise<StorySummary[]>;
  /** The heads of these stories, in no particular order: BatchGetItem. */
  heads(storyIds: readonly string[]): Promise<StoryHead[]>;
  /** These entries of any stories as they stand, in no particular order: BatchGetItem. */
  entriesOf(keys: readonly ActivityKey[]): Promise<TimelineEntry[]>;
  /** The latest time-travel snapshot at or below `version`. */
  snapshotAt(storyId: string, version: number): Promise<TimeTravelSnapshot | undefined>;
  /** An entry as it stood at `version`, if a correction or retraction at or below it changed it. */
  revisionAt(storyId: string, updateId: string, version: number): Promise<TimelineEntry | undefined>;
  /** Retractions recorded after `version`, oldest first (time travel honours them). */
  retractionsAfter(storyId: string, version: number): Promise<RetractionIndexEntry[]>;
  /** The latest key points at or below `version`, oldest first. */
  keyPointsAt(storyId: string, version: number, limit: number): Promise<KeyPoint[]>;
  /** The story's pending releases (editors only), soonest first. */
  scheduled(storyId: string): Promise<TimelineEntry[]>;
}

/**
 * Releases due across stories (the release index): what the schedulers release. An item may be
 * stale (released, cancelled or moved since): releasing it is a no-op, and it is then forgotten.
 */
export interface ReleaseIndex {
  /** Releases due at or before `at`, soonest first, at most `limit`. */
  due(at: string, limit: number): Promise<DueRelease[]>;
  /** The soonest release, due or not (a scheduler's next timer). */
  next(): Promise<DueRelease | undefined>;
  /** Forgets one release (done, or stale). */
  forget(release: DueRelease): Promise<void>;
}

export interface DueRelease {
  storyId: string;
  updateId: string;
  releaseAt: string;
}

/**
 * One-time schedules that invoke the release function at a pending update's time (on AWS,
 * EventBridge Scheduler). Both calls are idempotent: a schedule is named after its story and
 * update, so scheduling again moves it and cancelling what is gone is done.
 */
export interface ReleaseSchedules {
  /** Creates the update's schedule, or moves it to `releaseAt`. */
  schedule(release: DueRelease): Promise<void>;
  /** Deletes the update's schedule, if any. */
  cancel(storyId: string, updateId: string): Promise<void>;
}

/** One line of the activity index: a story (`updateId` absent) or an entry, and when it last changed. */
export interface ActivityKey {
  storyId: string;
  updateId?: string;
  /** lastEventAt of a story, updatedAt of an entry. */
  at: string;
}

export interface ActivityPage {
  keys: ActivityKey[];
  /** The cursor of the next (older) page of the story list, when there is more. */
  next?: string;
}

/** A retraction as the views index it: the update it withdrew (and the version that created it), and its notice. */
export interface RetractionIndexEntry {
  target: string;
  targetVersion: number;
  retraction: RetractionNotice;
}

/** One generation of the views, by name (replay builds a new one beside the live one, then switches readers to it). */
export interface GenerationViews extends StoryViews {
  readonly generation: string;
}

/** The generation readers are served from now: the generation pointer, read at each call. */
export type ActiveViews = () => Promise<GenerationViews>;

/** What the projector needs of the views. */
export interface ViewWriter extends ViewReader {
  /**
   * Writes what a contiguous run of events changed, on top of the head at `prevVersion`, so that
   * a run cannot apply twice. Throws StaleHeadError if the head moved.
   */
  applySteps(storyId: string, prevVersion: number, steps: ViewStep[]): Promise<void>;
  /** Records head, people and sources as they stand now, at `head.version`, for time travel. */
  writeTimeTravelSnapshot(head: StoryHead): Promise<void>;
}

// ── Idempotency-Key records, shared by every process ─────────────────────────────────────────

export type IdempotencyStatus = 'IN_PROGRESS' | 'COMPLETED' | 'RELEASED';

export interface StoredResponse {
  status: number;
  body: unknown;
}

export interface IdempotencyRecord {
  id: string;
  status: IdempotencyStatus;
  requestHash: string;
  /** Which request holds the lease (a random id per request). */
  leaseOwner: string;
  /** Epoch milliseconds after which another request may take the lease over. */
  leaseExpiresAt: number;
  /** Epoch seconds: when the record may be forgotten. */
  expiresAt: number;
  response?: StoredResponse;
}

export type ClaimResult = { claimed: true } | { claimed: false; record: IdempotencyRecord };

export interface IdempotencyRecords<Companion> {
  get(id: string): Promise<IdempotencyRecord | undefined>;
  /** Takes the key for this request (IN_PROGRESS, with a lease), or says who has it. */
  claim(id: string, requestHash: string, owner: string, nowMs: number): Promise<ClaimResult>;
  /** The record's COMPLETED state, to append with the event (EventLog.append's companion). */
  completion(id: string, owner: string, response: StoredResponse): Companion;
  /** Lets the key go after a refused request; a no-op if the lease is no longer ours. */
  release(id: string, owner: string): Promise<void>;
}

/** What a whole story's view is stored as: every item, written once by replay. */
export interface StoredView {
  head: StoryHead;
  entries: Iterable<TimelineEntry>;
  keyPoints: KeyPoint[];
  people: Map<string, PersonCount>;
  sources: Map<string, Source>;
  revisions?: TimelineEntry[];
  snapshots?: TimeTravelSnapshot[];
  /** Pending (embargoed) updates. */
  pending?: Map<string, TimelineEntry>;
}
