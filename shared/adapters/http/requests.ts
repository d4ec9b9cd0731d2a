/**
 * What requests carry besides their JSON bodies (those are shared/domain/story/updates.ts): the
 * query strings of the public reads and the headers of the writes. The routes validate with these
 * schemas and the OpenAPI document is generated from them (see routes.ts).
 */
import * as z from 'zod/mini';
import '../../domain/validation-messages';
import { MAX_CURSOR_LENGTH, MAX_STORY_PAGE_SIZE, STORY_PAGE_SIZE } from '../../application/ports';
import { LIMITS } from '../../domain/story/limits';
import { MAX_IDEMPOTENCY_KEY } from './limits';

// zod's mini API, as for every schema of the contract: the classic API would add some 70 KB to the
// read function's bundle. Its English messages come from validation-messages.ts: without them the
// read function alone answered a bad query with a bare "Invalid input" where the local server said
// why, e.g. "expected number, received NaN" (the parity suite, test/parity/lambda-parity.test.ts, found it).

/** A whole number in a query string, from `min` to `max`. */
const whole = (min: number, max: number, description: string) =>
  z.coerce.number().check(z.int(), z.minimum(min), z.maximum(max), z.meta({ description }));

const cursorOf = (description: string) => z.optional(z.string().check(z.maxLength(MAX_CURSOR_LENGTH), z.meta({ description })));

/** `version` and `asOf` each name a past; both at once would be ambiguous. */
export const viewQuery = z
  .strictObject({
    version: z.optional(whole(1, Number.MAX_SAFE_INTEGER, 'The view as it stood at this version (a fold of events 1..N).')),
    asOf: z.optional(
      z.iso
        .datetime({ offset: true })
        .check(
          z.maxLength(LIMITS.dateTime),
          z.meta({ description: 'The view as it stood at this time: the events recorded at or before it (ISO 8601 date-time with a zone).' }),
        ),
    ),
    limit: z.optional(whole(1, 500, 'Timeline entries per page of the live view (default 100).')),
    cursor: cursorOf('The `timelineNext` of the previous page, as it was given: any other value gets 400.'),
  })
  .check(
    z.refine((q) => q.version === undefined || q.asOf === undefined, {
      message: 'give either version or asOf, not both',
      path: ['asOf'],
    }),
  );

/**
 * A story page's query. Not strict: links shared on the web arrive with tracking parameters
 * (routes.ts TRACKING_PARAMETER), which a page ignores; serve.ts refuses any other unknown one.
 */
export const pageQuery = z
  .object({
    order: z.optional(z.enum(['newest', 'oldest']).check(z.meta({ description: 'The timeline newest first (default) or oldest first.' }))),
    cursor: cursorOf('The link of the previous page gave it: any other value gets 400.'),
    version: z.optional(whole(1, Number.MAX_SAFE_INTEGER, 'The story as it stood at this version (not live).')),
    filter: z.optional(z.enum(['key-events']).check(z.meta({ description: 'key-events: the timeline shows the key events only (the latest 100).' }))),
  })
  .check(
    z.refine((q) => q.version === undefined || (q.cursor === undefined && q.order === undefined && q.filter === undefined), {
      message: 'a past version is one page: give version alone',
      path: ['version'],
    }),
  );

/** The editor's desk pages a story's timeline as the story page does, newest first. */
export const deskQuery = z.strictObject({
  cursor: cursorOf('The link of the previous page gave it: any other value gets 400.'),
});

/** A page of the story list (`GET /api/stories`). */
export const storyListQuery = z.strictObject({
  limit: z.optional(whole(1, MAX_STORY_PAGE_SIZE, `Stories per page (default ${STORY_PAGE_SIZE}).`)),
  cursor: cursorOf('The `next` of the previous page, as it was given: any other value gets 400.'),
});

/** The front page's query: like a story page's, unknown parameters are ignored. */
export const frontPageQuery = z.object({
  cursor: cursorOf('The link to older stories gave it: any other value gets 400.'),
});

export const changesQuery = z.strictObject({
  since: whole(0, Number.MAX_SAFE_INTEGER, 'The story version the page shows: the answer holds what changed after it.'),
});

export const eventsQuery = z.strictObject({
  after: z.optional(whole(0, Number.MAX_SAFE_INTEGER, 'Events with a version greater than this (default 0: from the start).')),
  limit: z.optional(whole(1, 1000, 'Events per page (default 100, at most 1000).')),
});

/** `"12"`, `W/"12"`, or `*` (which any existing story matches), after trimming. */
export const ifMatchHeader = z
  .string()
  .check(
    z.maxLength(19),
    z.regex(/^(?:W\/)?"\d{1,15}"$|^\*$/),
    z.meta({ description: 'Expected story version, quoted ("12"): a stale version gets 412 and nothing is written.' }),
  );

export const idempotencyKeyHeader = z.string().check(
  z.maxLength(MAX_IDEMPOTENCY_KEY),
  z.regex(new RegExp(`^[\\x21-\\x7e]{1,${MAX_IDEMPOTENCY_KEY}}$`)),
  z.meta({
    description:
      'Makes the request safe to retry: the same key and body return the first response and record nothing new; ' +
      'another body gets 422; a retry while the first is in flight gets 409. Kept 24 hours, per editor and story.',
  }),
);
