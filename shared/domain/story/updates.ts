/**
 * The write API's input contract. These zod schemas are the single source of truth: the API
 * validates with them, the command types are inferred from them, and the OpenAPI document is
 * generated from them. What is stored is declared apart, in events.ts.
 */
import { UPDATE_ID_PATTERN } from './update-id';
import * as z from 'zod/mini';
import '../validation-messages';
import { LIMITS } from './limits';
import { storyIdSchema } from './story-id';
import { findXmlForbiddenChar, isBlank } from './text';
import { publishableUrl } from './uri';

// zod's mini API (see ../validation-messages.ts). Descriptions (`z.meta`) travel into the OpenAPI document generated from these schemas.
const PLAIN_TEXT =
  'Plain text, never HTML. Only characters XML 1.0 allows: no C0 controls other than tab and newlines, no lone surrogates, no U+FFFE/U+FFFF.';

/** Plain text that a feed can carry: XML 1.0 characters only, bounded length. */
export const plainText = (max: number) =>
  z.string().check(
    z.maxLength(max),
    z.superRefine((value, ctx) => {
      const bad = findXmlForbiddenChar(value);
      if (bad) ctx.addIssue({ code: 'custom', message: `contains a character XML 1.0 forbids (${bad})` });
    }),
    z.meta({ description: PLAIN_TEXT }),
  );

const requiredText = (max: number) =>
  plainText(max).check(
    z.refine((value) => !isBlank(value), { message: 'must not be blank (white space, zero-width and format characters alone count as blank)' }),
    z.meta({ description: `${PLAIN_TEXT} Must not be blank: white space, zero-width and format characters alone do not count.` }),
  );

/**
 * An absolute http(s) URL, stored as publishableUrl (uri.ts) gives it: the WHATWG serialization,
 * percent-encoded into an RFC 3986 URI. Within the limit before and after encoding.
 */
export const httpUrl = z
  .pipe(
    z.string().check(z.maxLength(LIMITS.url)),
    z.transform((value: string, ctx) => {
      const bad = findXmlForbiddenChar(value);
      const checked = bad ? { ok: false as const, reason: `contains a character XML 1.0 forbids (${bad})` } : publishableUrl(value);
      if (checked.ok && checked.url.length <= LIMITS.url) return checked.url;
      // The mini API's transform has no addIssue: the issue goes on the payload as it is.
      ctx.issues.push({
        code: 'custom',
        message: checked.ok ? `must be at most ${LIMITS.url} characters once percent-encoded` : checked.reason,
        input: value,
      });
      return z.NEVER;
    }),
  )
  .check(
    z.meta({
      format: 'uri',
      description:
        'An absolute http(s) URL. Stored and published as an RFC 3986 URI: its WHATWG serialization, with what RFC 3986 does not allow percent-encoded.',
    }),
  );

/** ISO 8601 date-time with a zone (`2010-04-13T10:00:00Z`, `…+06:00`) or a calendar date (`2010-04-13`). */
export const isoDateTime = z
  .union([z.iso.datetime({ offset: true }).check(z.maxLength(LIMITS.dateTime)), z.iso.date()], {
    error: 'must be an ISO 8601 date-time with a time zone, or a date (YYYY-MM-DD)',
  })
  .check(z.meta({ description: 'ISO 8601: a date-time with a time zone (2010-04-07T14:00:00+06:00) or a calendar date (2010-04-07).' }));

export const languageTag = z
  .string()
  .check(z.maxLength(35), z.regex(/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/, 'must be a BCP 47 language tag such as "en" or "ru-KG"'));

export const openStorySchema = z.strictObject({
  id: storyIdSchema,
  headline: requiredText(LIMITS.headline),
  summary: requiredText(LIMITS.summary),
  language: z._default(languageTag, 'en'),
  topics: z._default(z.array(requiredText(LIMITS.topic)).check(z.maxLength(LIMITS.topics)), []),
});

/** Whether a statement's words are the speaker's own, or the reporter's account of them. */
export const speechSchema = z.enum(['direct', 'reported']).check(
  z.meta({
    description:
      '"direct": `quote` holds the speaker\'s own words, published as a quotation. "reported": `quote` is reported speech (the reporter\'s paraphrase), published without quotation marks.',
  }),
);

/** Posted as a key event (marked or unmarked later with a `key-event` update). */
const keyEventFlag = z.boolean().check(
  z.meta({
    description:
      "A key event: listed in the view's `keyEvents` and in the story's key-events feeds. Mark or unmark it later with a `key-event` update.",
  }),
);

/** The longest embargo: a release at most this far ahead of the request. */
export const MAX_EMBARGO_DAYS = 30;

/** An embargo: the update is recorded now and public from this time on (checked against the clock by the decider). */
export const releaseAtSchema = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with a time zone' }).check(
  z.maxLength(LIMITS.dateTime),
  z.meta({
    description: `Embargo: the update is recorded now, stays off every public surface, and is released (published) at this time. An ISO 8601 date-time with a time zone, in the future and at most ${MAX_EMBARGO_DAYS} days ahead.`,
  }),
);

const titleReconstructed = z.boolean().check(
  z.meta({
    description: "The title is the newsroom's, not the outlet's own (e.g. the source as kept carries none): readers are told so.",
  }),
);

export const articleSchema = z.strictObject({
  type: z.literal('article'),
  title: requiredText(LIMITS.title),
  url: httpUrl,
  outlet: requiredText(LIMITS.outlet),
  publishedAt: isoDateTime,
  summary: z.optional(plainText(LIMITS.articleSummary)),
  author: z.optional(plainText(LIMITS.name)),
  /** The date was derived (e.g. from a weekday) rather than stated. */
  dateApproximate: z.optional(z.boolean()),
  titleReconstructed: z.optional(titleReconstructed),
  keyEvent: z.optional(keyEventFlag),
  releaseAt: z.optional(releaseAtSchema),
});

export const speakerSchema = z.strictObject({
  name: requiredText(LIMITS.name),
  role: z.optional(plainText(LIMITS.role)),
});

export const statementSchema = z.strictObject({
  type: z.literal('statement'),
  speaker: speakerSchema,
  quote: requiredText(LIMITS.quote),
  // Defaulted, not required: clients written before the field keep working, and their statements
  // mean what they always meant (published as quotations); every new event stores the value.
  speech: z._default(speechSchema, 'direct'),
  saidAt: z.optional(isoDateTime),
  medium: z.optional(plainText(LIMITS.medium)),
  outlet: z.optional(plainText(LIMITS.outlet)),
  url: z.optional(httpUrl),
  context: z.optional(plainText(LIMITS.context)),
  dateApproximate: z.optional(z.boolean()),
  keyEvent: z.optional(keyEventFlag),
  releaseAt: z.optional(releaseAtSchema),
});

/** Fields a correction may change: those of an article or a statement, minus `type`. */
export const correctionChangesSchema = z
  .strictObject({
    title: z.optional(requiredText(LIMITS.title)),
    url: z.optional(httpUrl),
    outlet: z.optional(plainText(LIMITS.outlet)),
    publishedAt: z.optional(isoDateTime),
    summary: z.optional(plainText(LIMITS.articleSummary)),
    author: z.optional(plainText(LIMITS.name)),
    speaker: z.optional(speakerSchema),
    quote: z.optional(requiredText(LIMITS.quote)),
    speech: z.optional(speechSchema),
    saidAt: z.optional(isoDateTime),
    medium: z.optional(plainText(LIMITS.medium)),
    context: z.optional(plainText(LIMITS.context)),
    dateApproximate: z.optional(z.boolean()),
    titleReconstructed: z.optional(titleReconstructed),
  })
  .check(
    z.refine((changes) => Object.keys(changes).length > 0, { message: 'must change at least one field' }),
    z.meta({ description: 'The fields to change, at least one; only fields of the target kind (article or statement).', minProperties: 1 }),
  );

export const updateIdSchema = z
  .string()
  .check(
    z.maxLength(26),
    z.regex(UPDATE_ID_PATTERN, 'must be an update id (a 26-character ULID)'),
    z.meta({ description: 'The updateId of an article or statement of the same story (a ULID).' }),
  );

export const correctionSchema = z.strictObject({
  type: z.literal('correction'),
  target: updateIdSchema,
  changes: correctionChangesSchema,
  note: requiredText(LIMITS.note),
});

export const retractionSchema = z.strictObject({
  type: z.literal('retraction'),
  target: updateIdSchema,
  reason: requiredText(LIMITS.reason),
});

export const headlineSchema = z.strictObject({
  type: z.literal('headline'),
  headline: requiredText(LIMITS.headline),
  summary: z.optional(plainText(LIMITS.summary)),
});

export const statusSchema = z.strictObject({
  type: z.literal('status'),
  status: z.enum(['developing', 'concluded']),
});

/** Marks an article or statement as a key event, or unmarks it. */
export const keyEventSchema = z.strictObject({
  type: z.literal('key-event'),
  target: updateIdSchema,
  keyEvent: z.boolean().check(z.meta({ description: 'true marks the target as a key event, false unmarks it.' })),
});

/** Pins an article or statement: first in the view and on the page. At most one is pinned; pinning another replaces it. */
export const pinSchema = z.strictObject({
  type: z.literal('pin'),
  target: updateIdSchema,
});

/** Unpins the pinned update. */
export const unpinSchema = z.strictObject({
  type: z.literal('unpin'),
});

/** Moves a pending (embargoed) update's release. */
export const rescheduleSchema = z.strictObject({
  type: z.literal('reschedule'),
  target: updateIdSchema,
  releaseAt: releaseAtSchema,
});

export const updateSchema = z.discriminatedUnion('type', [
  articleSchema,
  statementSchema,
  correctionSchema,
  retractionSchema,
  headlineSchema,
  statusSchema,
  keyEventSchema,
  pinSchema,
  unpinSchema,
  rescheduleSchema,
]);

export type OpenStoryInput = z.infer<typeof openStorySchema>;
export type StatementInput = z.infer<typeof statementSchema>;
export type UpdateInput = z.infer<typeof updateSchema>;
