/**
 * Story-update events: what happened, in the past tense, as `{type, data, metadata}`.
 * Events are immutable once stored. A change of shape bumps `schemaVersion`; older events are
 * upcast on read (see upcast.ts) and never rewritten.
 *
 * The data shapes are declared here, not inferred from the API's request schemas (updates.ts), so
 * that a change to a request cannot silently change what is stored: the decider copies the
 * declared fields only.
 */

export const CURRENT_SCHEMA_VERSION = 2;

export interface EventMetadata {
  storyId: string;
  /** Position in the story's stream: 1, 2, 3 … with no gaps. */
  version: number;
  /** Stable, time-sortable id of the update this event records (a ULID). */
  updateId: string;
  schemaVersion: number;
  /** When the newsroom recorded it (ISO 8601, UTC). */
  recordedAt: string;
  /** The editor who recorded it. */
  recordedBy: string;
  /** When it was said or published, if known (ISO 8601). */
  occurredAt?: string;
  correlationId?: string;
  idempotencyKey?: string;
}

type Event<Type extends string, Data> = { type: Type; data: Data; metadata: EventMetadata };

export type StoryStatus = 'developing' | 'concluded';

// Type aliases, not interfaces: plain records of data, assignable wherever JSON records are expected.
export type Speaker = {
  name: string;
  role?: string;
};

export type ArticleData = {
  title: string;
  url: string;
  outlet: string;
  publishedAt: string;
  summary?: string;
  author?: string;
  /** The date was derived (e.g. from a weekday) rather than stated. */
  dateApproximate?: boolean;
  /** The title is the newsroom's, not the outlet's (absent: the outlet's own). */
  titleReconstructed?: boolean;
};

/** `direct`: the speaker's own words; `reported`: the reporter's account of them (no quotation marks). */
export type Speech = 'direct' | 'reported';

export type StatementData = {
  speaker: Speaker;
  quote: string;
  /**
   * Stored on every statement recorded since the field exists; older events, which lack it, are
   * upcast as `direct` (what they were published as).
   */
  speech: Speech;
  saidAt?: string;
  medium?: string;
  outlet?: string;
  url?: string;
  context?: string;
  dateApproximate?: boolean;
};

/**
 * An article or statement posted as a key event stores `keyEvent: true`; absent means it was not
 * (events recorded before the field existed, and every other one). Not a field a correction
 * changes: marking and unmarking are events of their own.
 */
export type KeyEventFlag = { keyEvent?: true };

/**
 * An article or statement posted under embargo stores `releaseAt` (ISO 8601, UTC): nothing of it is
 * public until the system records its release (`UpdateReleased`). Absent: public at once.
 */
export type ReleaseFlag = { releaseAt?: string };

/** The fields a correction changes: some of its target's, an article's or a statement's. */
export type CorrectionChanges = Partial<ArticleData & StatementData>;

export type StoryOpened = Event<'StoryOpened', { headline: string; summary: string; language: string; topics: string[] }>;
export type ArticlePublished = Event<'ArticlePublished', ArticleData & KeyEventFlag & ReleaseFlag>;
export type StatementRecorded = Event<'StatementRecorded', StatementData & KeyEventFlag & ReleaseFlag>;
export type UpdateCorrected = Event<'UpdateCorrected', { target: string; changes: CorrectionChanges; note: string }>;
export type UpdateRetracted = Event<'UpdateRetracted', { target: string; reason: string }>;
export type HeadlineChanged = Event<'HeadlineChanged', { headline: string; summary?: string }>;
export type StatusChanged = Event<'StatusChanged', { status: StoryStatus }>;
/** An article or statement became a key event. */
export type KeyEventMarked = Event<'KeyEventMarked', { target: string }>;
/** A key event is one no longer (a retraction also takes it out of the key events, without this event). */
export type KeyEventUnmarked = Event<'KeyEventUnmarked', { target: string }>;
/** An article or statement was pinned; `replaced` names the update pinned until then, if any (one pin at a time). */
export type UpdatePinned = Event<'UpdatePinned', { target: string; replaced?: string }>;
/** The pinned update (`target`) was unpinned (a retraction of it also unpins it, without this event). */
export type UpdateUnpinned = Event<'UpdateUnpinned', { target: string }>;
/** A correction of an update not released yet: folded into it silently (nothing of it was public, so no note). */
export type ScheduledUpdateRevised = Event<'ScheduledUpdateRevised', { target: string; changes: CorrectionChanges; note: string }>;
/** A pending release moved to `releaseAt` (from `previous`). */
export type UpdateRescheduled = Event<'UpdateRescheduled', { target: string; releaseAt: string; previous: string }>;
/** A pending update retracted before its release: cancelled, never public (no notice either). */
export type ReleaseCancelled = Event<'ReleaseCancelled', { target: string; reason: string }>;
/** The system released a pending update (recorded by `system`): it is public from now on, `published` at `releaseAt`. */
export type UpdateReleased = Event<'UpdateReleased', { target: string; releaseAt: string }>;

export type StoryEvent =
  | StoryOpened
  | ArticlePublished
  | StatementRecorded
  | UpdateCorrected
  | UpdateRetracted
  | HeadlineChanged
  | StatusChanged
  | KeyEventMarked
  | KeyEventUnmarked
  | UpdatePinned
  | UpdateUnpinned
  | ScheduledUpdateRevised
  | UpdateRescheduled
  | ReleaseCancelled
  | UpdateReleased;

/** The editor name the system records its own events (releases) under. */
export const SYSTEM_EDITOR = 'system';

/**
 * Events about an update that is not public (yet): its embargoed creation, and its revisions,
 * reschedules and cancellation. They change no public surface: the views keep the pending update
 * apart, feeds and pages never show it, and the public log gives a content-free placeholder.
 */
export function isEmbargoed(event: StoryEvent): boolean {
  switch (event.type) {
    case 'ArticlePublished':
    case 'StatementRecorded':
      return event.data.releaseAt !== undefined;
    case 'ScheduledUpdateRevised':
    case 'UpdateRescheduled':
    case 'ReleaseCancelled':
      return true;
    default:
      return false;
  }
}

export type StoryEventType = StoryEvent['type'];

/** An event as decided, before the store gives it a version. */
export type PendingEvent = StoryEvent extends infer E
  ? E extends StoryEvent
    ? { type: E['type']; data: E['data']; metadata: Omit<EventMetadata, 'version'> }
    : never
  : never;

export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
