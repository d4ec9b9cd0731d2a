/**
 * Story-update events: what happened, in the past tense, as `{type, data, metadata}`.
 * Events are immutable once stored. A change of shape bumps `schemaVersion`; older events are
 * upcast on read (see upcast.ts) and never rewritten.
 */
import type {
  ArticleInput,
  CorrectionChanges,
  HeadlineInput,
  StatementInput,
  StoryStatus,
} from './updates';

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

export type StoryOpened = Event<
  'StoryOpened',
  { headline: string; summary: string; language: string; topics: string[] }
>;
export type ArticlePublished = Event<'ArticlePublished', Omit<ArticleInput, 'type'>>;
export type StatementRecorded = Event<'StatementRecorded', Omit<StatementInput, 'type'>>;
export type UpdateCorrected = Event<
  'UpdateCorrected',
  { target: string; changes: CorrectionChanges; note: string }
>;
export type UpdateRetracted = Event<'UpdateRetracted', { target: string; reason: string }>;
export type HeadlineChanged = Event<'HeadlineChanged', Omit<HeadlineInput, 'type'>>;
export type StatusChanged = Event<'StatusChanged', { status: StoryStatus }>;

export type StoryEvent =
  | StoryOpened
  | ArticlePublished
  | StatementRecorded
  | UpdateCorrected
  | UpdateRetracted
  | HeadlineChanged
  | StatusChanged;

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
