/**
 * The JSON bodies the API answers with, as zod schemas. The OpenAPI document is generated from
 * them (openapi.ts), and the handlers build their bodies as the types inferred from them, so the
 * compiler holds what is sent to what is documented. They are not parsed on the way out, and only
 * the write function (which serves the document) bundles them.
 */
import * as z from 'zod/mini';
import type { StoryEventType } from '../../domain/story/events';
import { storyIdSchema } from '../../domain/story/story-id';

const int = () => z.number().check(z.int());
// Documented by format, not by zod's long validating pattern: responses are not parsed.
const time = () => z.string().check(z.meta({ format: 'date-time', description: 'ISO 8601 date-time, UTC.' }));
/** A date-time with a zone or a calendar date, as the editor gave it. */
const when = () => z.string().check(z.meta({ description: 'ISO 8601: a date-time with a time zone or a calendar date.' }));

const fieldIssue = z.object({
  pointer: z.string().check(
    z.meta({
      description:
        'RFC 6901 pointer to the field at fault in the body ("" is the whole body); header faults are "/headers/<name>", query faults "/query/<name>".',
    }),
  ),
  detail: z.string(),
});

const problemBody = z
  .looseObject({
    type: z.string().check(z.meta({ format: 'uri' })),
    title: z.string(),
    status: int(),
    detail: z.optional(z.string()),
    instance: z.optional(z.string()),
    errors: z.optional(z.array(fieldIssue)),
  })
  .check(z.meta({ description: 'RFC 9457 problem details. Never carries a stack trace or an internal message.' }));

const writeResult = z.object({
  storyId: storyIdSchema,
  updateId: z.string().check(z.meta({ description: 'The id of the update (a ULID): the target of a later correction or retraction.' })),
  version: int().check(z.minimum(1), z.meta({ description: 'The story version this event holds; send it back as If-Match: "<version>".' })),
  recordedAt: time(),
  releaseAt: z
    .optional(time())
    .check(z.meta({ description: 'Posted under embargo: when it is released (UTC). Nothing of it is public until then.' })),
});

/** Every event type of the domain: the `satisfies` fails the build when a type is added there and not here, or the reverse. */
const EVENT_TYPES = Object.keys({
  StoryOpened: true,
  ArticlePublished: true,
  StatementRecorded: true,
  UpdateCorrected: true,
  UpdateRetracted: true,
  HeadlineChanged: true,
  StatusChanged: true,
  KeyEventMarked: true,
  KeyEventUnmarked: true,
  UpdatePinned: true,
  UpdateUnpinned: true,
  ScheduledUpdateRevised: true,
  UpdateRescheduled: true,
  ReleaseCancelled: true,
  UpdateReleased: true,
} satisfies Record<StoryEventType, true>) as [StoryEventType, ...StoryEventType[]];

const eventMetadata = z.object({
  storyId: z.string(),
  version: int(),
  updateId: z.string(),
  schemaVersion: int(),
  recordedAt: time(),
  recordedBy: z.string().check(z.meta({ description: 'The editor who recorded it.' })),
  occurredAt: z.optional(z.string()),
  correlationId: z.optional(z.string()),
  idempotencyKey: z.optional(z.string()),
});

const withheld = z
  .union([
    z.object({
      reason: z.literal('retracted'),
      retraction: z.object({ updateId: z.string(), version: int(), recordedAt: time(), reason: z.string() }),
    }),
    z.object({ reason: z.literal('embargoed') }),
  ])
  .check(
    z.meta({
      description:
        'Present on a public read when a retraction withdrew this article or statement (or the update a correction corrects): ' +
        '`data` is then empty (a correction keeps its `target`). Also on every event about an embargoed update (its creation, ' +
        'revisions, reschedules, cancellation), before and after its release: a content-free placeholder (`data` empty) that keeps ' +
        'the log gap-free; the release itself (`UpdateReleased`) is public. An editor token reads the full record.',
    }),
  );

const storyEvent = z
  .object({ type: z.enum(EVENT_TYPES), data: z.record(z.string(), z.unknown()), metadata: eventMetadata, withheld: z.optional(withheld) })
  .check(z.meta({ description: 'One immutable event of the story log (upcast to the current schema version).' }));

const eventsPage = z.object({
  storyId: z.string(),
  events: z.array(storyEvent),
  next: z.optional(z.string()).check(z.meta({ description: 'The next page, present while the page came back full.' })),
});

const status = z.enum(['developing', 'concluded']);

const storySummary = z.object({
  storyId: z.string(),
  headline: z.string(),
  summary: z.string(),
  status,
  language: z.string(),
  version: int(),
  openedAt: time(),
  lastEventAt: time(),
  updateCount: int().check(z.meta({ description: 'Articles and statements.' })),
  correctionCount: z.optional(int()),
  retractionCount: z.optional(int()),
  lastUpdateAt: z.optional(time()).check(z.meta({ description: 'When the latest article or statement was recorded.' })),
});

const storyList = z.object({
  stories: z.array(storySummary).check(z.meta({ description: 'Newest activity first.' })),
  next: z.optional(z.string()).check(z.meta({ description: 'The `cursor` of the next page (older activity); absent on the last page.' })),
});

const speaker = z.object({ name: z.string(), role: z.optional(z.string()) });

const content = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('article'),
    title: z.string(),
    url: z.string(),
    outlet: z.string(),
    publishedAt: when(),
    summary: z.optional(z.string()),
    author: z.optional(z.string()),
    titleReconstructed: z.optional(z.boolean()).check(z.meta({ description: 'True when the title is the newsroom’s, not the outlet’s own.' })),
  }),
  z.object({
    kind: z.literal('statement'),
    speaker,
    quote: z.string(),
    speech: z
      .enum(['direct', 'reported'])
      .check(
        z.meta({ description: '`direct`: the speaker’s own words; `reported`: the reporter’s account of them, never shown in quotation marks.' }),
      ),
    saidAt: z.optional(when()),
    medium: z.optional(z.string()),
    outlet: z.optional(z.string()),
    url: z.optional(z.string()),
    context: z.optional(z.string()),
  }),
]);

const correctionNote = z.object({
  version: int(),
  updateId: z.string(),
  note: z.string(),
  recordedAt: time(),
  recordedBy: z.string(),
  fields: z.array(z.string()),
});
const retractionNotice = z.object({ version: int(), updateId: z.string(), reason: z.string(), recordedAt: time(), recordedBy: z.string() });
/** Corrections and retractions are listed with the update they target. */
const targeting = { target: z.string().check(z.meta({ description: 'The updateId of the corrected or retracted update.' })) };

const timelineEntry = z.object({
  storyId: z.string(),
  updateId: z.string(),
  kind: z.enum(['article', 'statement']),
  version: int().check(z.meta({ description: 'The version of the event that recorded the update.' })),
  changeVersion: int().check(z.meta({ description: 'The version of the latest event that changed it.' })),
  occurredAt: z.optional(when()),
  dateApproximate: z.boolean(),
  recordedAt: time(),
  recordedBy: z.string(),
  updatedAt: time(),
  content: z.optional(content).check(z.meta({ description: 'The current (corrected) content; absent once the update is retracted.' })),
  corrections: z.array(correctionNote).check(z.meta({ description: 'The latest correction notes, oldest first.' })),
  correctionCount: int(),
  retraction: z.optional(retractionNotice),
  retracted: z.optional(z.literal(true)),
  keyEvent: z.boolean().check(
    z.meta({
      description:
        'Posted or marked as a key event, and not unmarked. A retracted one is a key event no more (not counted in `counts.keyEvents`) but keeps its place among `keyEvents` and in the key-events feeds, with its notice only.',
    }),
  ),
});

const feedLinks = z.object({ atom: z.string(), rss: z.string(), json: z.string() });

const storyView = z
  .object({
    storyId: z.string(),
    headline: z.string(),
    summary: z.string(),
    status,
    language: z.string(),
    topics: z.array(z.string()),
    version: int(),
    openedAt: time(),
    firstUpdateAt: z.nullable(time()),
    lastUpdateAt: z.nullable(time()),
    lastEventAt: time(),
    counts: z.object({
      updates: int(),
      corrections: int(),
      retractions: int(),
      keyEvents: int().check(z.meta({ description: 'Key events now (retracted ones are not).' })),
    }),
    keyPoints: z.array(z.object({ version: int(), at: time(), headline: z.string(), summary: z.optional(z.string()) })),
    people: z.array(z.object({ name: z.string(), roles: z.array(z.string()), statementCount: int() })),
    sources: z.array(z.object({ outlet: z.string(), updateCount: int(), lastUrl: z.optional(z.string()) })),
    corrections: z.array(z.extend(correctionNote, targeting)),
    retractions: z.array(z.extend(retractionNotice, targeting)),
    timeline: z.array(timelineEntry),
    timelineNext: z.optional(z.string()).check(z.meta({ description: 'The `cursor` of the next page of the timeline.' })),
    keyEvents: z.array(timelineEntry).check(
      z.meta({
        description:
          'The latest key events (at most 20), newest first by when they happened (occurredAt, then version); all of them are in the key-events feeds. ' +
          'As it stood at `version`/`asOf` in a past view (a retraction since shows its notice only).',
      }),
    ),
    pinned: z.nullable(timelineEntry).check(
      z.meta({
        description:
          'The pinned update, shown first; null when none is. A retraction unpins; a past view shows a pinned update retracted since by its notice only.',
      }),
    ),
    links: z.object({
      self: z.string(),
      page: z.string(),
      events: z.string(),
      feeds: feedLinks,
      keyEventFeeds: feedLinks.check(z.meta({ description: "The story's key-events feeds." })),
    }),
  })
  .check(z.meta({ description: 'The developing-story view: headline, key points, timeline, people, sources, corrections.' }));

const health = z.object({
  status: z
    .enum(['ok', 'degraded'])
    .check(z.meta({ description: 'degraded: serving, but some stream records are set aside and the views lag the log.' })),
  projection: z.optional(z.object({ quarantined: int() })),
});

const storyChanges = z.object({
  storyId: z.string(),
  since: int(),
  version: int().check(z.meta({ description: 'The last version this answer covers: send it as the next `since`.' })),
  complete: z.boolean().check(z.meta({ description: 'False when more changes follow (ask again at once with since = version).' })),
  title: z.string().check(z.meta({ description: "The page's title now." })),
  regions: z
    .record(z.string(), z.string())
    .check(z.meta({ description: 'Page regions to replace, by element id (`story-head`, `headline-history`): HTML escaped by the server.' })),
  updates: z.array(
    z.object({
      updateId: z.string(),
      version: int().check(z.meta({ description: 'The version that recorded the update: above `since` for a new one.' })),
      changedVersion: int().check(z.meta({ description: 'The version of its latest change within this answer.' })),
      key: z.string().check(z.meta({ description: 'Its place in the timeline (occurredAt, then version): the page orders by it.' })),
      html: z.string().check(z.meta({ description: 'The timeline item (`<li id="update-…">`), escaped by the server.' })),
    }),
  ),
});

const editor = z.object({ editor: z.string().check(z.meta({ description: 'The editor’s name, as events record it (`recordedBy`).' })) });

const scheduledRelease = z.object({
  updateId: z.string(),
  releaseAt: time().check(z.meta({ description: 'When it is due (UTC).' })),
  kind: z.enum(['article', 'statement']),
  content: content.check(z.meta({ description: 'Its full content, as corrected so far.' })),
  keyEvent: z.boolean().check(z.meta({ description: 'Released as a key event.' })),
  version: int().check(z.meta({ description: 'The version of the event that recorded it.' })),
  recordedAt: time(),
  recordedBy: z.string(),
});

const scheduledList = z
  .object({ storyId: z.string(), scheduled: z.array(scheduledRelease).check(z.meta({ description: 'Soonest first.' })) })
  .check(z.meta({ description: "The story's pending releases (editors only)." }));

const openApiDocumentBody = z.looseObject({ openapi: z.literal('3.1.0') }).check(z.meta({ description: 'This document.' }));

/**
 * The bodies by the component names the document gives them. The route table names its bodies by
 * these keys (a type-only import), so the read bundle carries none of these schemas.
 */
export const responseBodies = {
  WriteResult: writeResult,
  Problem: problemBody,
  FieldIssue: fieldIssue,
  StoryEvent: storyEvent,
  EventsPage: eventsPage,
  StoryView: storyView,
  TimelineEntry: timelineEntry,
  ScheduledList: scheduledList,
  StorySummary: storySummary,
  StoryList: storyList,
  StoryChanges: storyChanges,
  Health: health,
  Editor: editor,
  OpenApiDocument: openApiDocumentBody,
};

export type ResponseBody = keyof typeof responseBodies;

/** The type of a body by its name: what a handler builds to answer with it. */
export type Body<Name extends ResponseBody> = z.infer<(typeof responseBodies)[Name]>;
