/**
 * The write API's input contract. These zod schemas are the single source of truth: the API
 * validates with them, the command types are inferred from them, and the OpenAPI document is
 * generated from them. What is stored is declared apart, in events.ts.
 */
import { UPDATE_ID_PATTERN } from './update-id';
import * as z from 'zod';
import { LIMITS } from './limits';
import { storyIdSchema } from './story-id';
import { findXmlForbiddenChar, isBlank } from './text';
import { publishableUrl } from './uri';

// Descriptions (`.meta`) travel into the OpenAPI document generated from these schemas.
const PLAIN_TEXT =
  'Plain text, never HTML. Only characters XML 1.0 allows: no C0 controls other than tab and newlines, no lone surrogates, no U+FFFE/U+FFFF.';

/** Plain text that a feed can carry: XML 1.0 characters only, bounded length. */
export const plainText = (max: number) =>
  z
    .string()
    .max(max)
    .superRefine((value, ctx) => {
      const bad = findXmlForbiddenChar(value);
      if (bad) ctx.addIssue({ code: 'custom', message: `contains a character XML 1.0 forbids (${bad})` });
    })
    .meta({ description: PLAIN_TEXT });

const requiredText = (max: number) =>
  plainText(max)
    .refine((value) => !isBlank(value), { message: 'must not be blank (white space, zero-width and format characters alone count as blank)' })
    .meta({ description: `${PLAIN_TEXT} Must not be blank: white space, zero-width and format characters alone do not count.` });

/**
 * An absolute http(s) URL, stored as publishableUrl (uri.ts) gives it: the WHATWG serialization,
 * percent-encoded into an RFC 3986 URI. Within the limit before and after encoding.
 */
export const httpUrl = z
  .string()
  .max(LIMITS.url)
  .transform((value, ctx) => {
    const bad = findXmlForbiddenChar(value);
    const checked = bad ? { ok: false as const, reason: `contains a character XML 1.0 forbids (${bad})` } : publishableUrl(value);
    if (checked.ok && checked.url.length <= LIMITS.url) return checked.url;
    ctx.addIssue({
      code: 'custom',
      message: checked.ok ? `must be at most ${LIMITS.url} characters once percent-encoded` : checked.reason,
      input: value,
    });
    return z.NEVER;
  })
  .meta({
    format: 'uri',
    description:
      'An absolute http(s) URL. Stored and published as an RFC 3986 URI: its WHATWG serialization, with what RFC 3986 does not allow percent-encoded.',
  });

/** ISO 8601 date-time with a zone (`2010-04-13T10:00:00Z`, `…+06:00`) or a calendar date (`2010-04-13`). */
export const isoDateTime = z
  .union([z.iso.datetime({ offset: true }).max(LIMITS.dateTime), z.iso.date()], {
    error: 'must be an ISO 8601 date-time with a time zone, or a date (YYYY-MM-DD)',
  })
  .meta({ description: 'ISO 8601: a date-time with a time zone (2010-04-07T14:00:00+06:00) or a calendar date (2010-04-07).' });

export const languageTag = z
  .string()
  .max(35)
  .regex(/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/, 'must be a BCP 47 language tag such as "en" or "ru-KG"');

export const openStorySchema = z.strictObject({
  id: storyIdSchema,
  headline: requiredText(LIMITS.headline),
  summary: requiredText(LIMITS.summary),
  language: languageTag.default('en'),
  topics: z.array(requiredText(LIMITS.topic)).max(LIMITS.topics).default([]),
});

/** Whether a statement's words are the speaker's own, or the reporter's account of them. */
export const speechSchema = z.enum(['direct', 'reported']).meta({
  description:
    '"direct": `quote` holds the speaker\'s own words, published as a quotation. "reported": `quote` is reported speech (the reporter\'s paraphrase), published without quotation marks.',
});

/** Posted as a key event (marked or unmarked later with a `key-event` update). */
const keyEventFlag = z.boolean().meta({
  description:
    "A key event: listed in the view's `keyEvents` and in the story's key-events feeds. Mark or unmark it later with a `key-event` update.",
});

/** The longest embargo: a release at most this far ahead of the request. */
export const MAX_EMBARGO_DAYS = 30;

/** An embargo: the update is recorded now and public from this time on (checked against the clock by the decider). */
export const releaseAtSchema = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time with a time zone' })
  .max(LIMITS.dateTime)
  .meta({
    description: `Embargo: the update is recorded now, stays off every public surface, and is released (published) at this time. An ISO 8601 date-time with a time zone, in the future and at most ${MAX_EMBARGO_DAYS} days ahead.`,
  });

const titleReconstructed = z.boolean().meta({
  description: "The title is the newsroom's, not the outlet's own (e.g. the source as kept carries none): readers are told so.",
});

export const articleSchema = z.strictObject({
  type: z.literal('article'),
  title: requiredText(LIMITS.title),
  url: httpUrl,
  outlet: requiredText(LIMITS.outlet),
  publishedAt: isoDateTime,
  summary: plainText(LIMITS.articleSummary).optional(),
  author: plainText(LIMITS.name).optional(),
  /** The date was derived (e.g. from a weekday) rather than stated. */
  dateApproximate: z.boolean().optional(),
  titleReconstructed: titleReconstructed.optional(),
  keyEvent: keyEventFlag.optional(),
  releaseAt: releaseAtSchema.optional(),
});

export const speakerSchema = z.strictObject({
  name: requiredText(LIMITS.name),
  role: plainText(LIMITS.role).optional(),
});

export const statementSchema = z.strictObject({
  type: z.literal('statement'),
  speaker: speakerSchema,
  quote: requiredText(LIMITS.quote),
  // Defaulted, not required: clients written before the field keep working, and their statements
  // mean what they always meant (published as quotations); every new event stores the value.
  speech: speechSchema.default('direct'),
  saidAt: isoDateTime.optional(),
  medium: plainText(LIMITS.medium).optional(),
  outlet: plainText(LIMITS.outlet).optional(),
  url: httpUrl.optional(),
  context: plainText(LIMITS.context).optional(),
  dateApproximate: z.boolean().optional(),
  keyEvent: keyEventFlag.optional(),
  releaseAt: releaseAtSchema.optional(),
});

/** Fields a correction may change: those of an article or a statement, minus `type`. */
export const correctionChangesSchema = z
  .strictObject({
    title: requiredText(LIMITS.title).optional(),
    url: httpUrl.optional(),
    outlet: plainText(LIMITS.outlet).optional(),
    publishedAt: isoDateTime.optional(),
    summary: plainText(LIMITS.articleSummary).optional(),
    author: plainText(LIMITS.name).optional(),
    speaker: speakerSchema.optional(),
    quote: requiredText(LIMITS.quote).optional(),
    speech: speechSchema.optional(),
    saidAt: isoDateTime.optional(),
    medium: plainText(LIMITS.medium).optional(),
    context: plainText(LIMITS.context).optional(),
    dateApproximate: z.boolean().optional(),
    titleReconstructed: titleReconstructed.optional(),
  })
  .refine((changes) => Object.keys(changes).length > 0, { message: 'must change at least one field' })
  .meta({ description: 'The fields to change, at least one; only fields of the target kind (article or statement).', minProperties: 1 });

export const updateIdSchema = z
  .string()
  .max(26)
  .regex(UPDATE_ID_PATTERN, 'must be an update id (a 26-character ULID)')
  .meta({ description: 'The updateId of an article or statement of the same story (a ULID).' });

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
  summary: plainText(LIMITS.summary).optional(),
});

export const statusSchema = z.strictObject({
  type: z.literal('status'),
  status: z.enum(['developing', 'concluded']),
});

/** Marks an article or statement as a key event, or unmarks it. */
export const keyEventSchema = z.strictObject({
  type: z.literal('key-event'),
  target: updateIdSchema,
  keyEvent: z.boolean().meta({ description: 'true marks the target as a key event, false unmarks it.' }),
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
