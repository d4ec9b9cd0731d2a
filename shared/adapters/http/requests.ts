/**
 * What requests carry besides their JSON bodies (those are shared/domain/story/updates.ts): the
 * query strings of the public reads and the headers of the writes. The routes validate with these
 * schemas and the OpenAPI document is generated from them (see routes.ts).
 */
import * as z from 'zod';
import { MAX_CURSOR_LENGTH } from '../../application/ports';
import { LIMITS } from '../../domain/story/limits';
import { MAX_IDEMPOTENCY_KEY } from './limits';

/** `version` and `asOf` each name a past; both at once would be ambiguous. */
export const viewQuery = z
  .strictObject({
    version: z.coerce.number().int().min(1).optional().meta({ description: 'The view as it stood at this version (a fold of events 1..N).' }),
    asOf: z.iso
      .datetime({ offset: true })
      .max(LIMITS.dateTime)
      .optional()
      .meta({ description: 'The view as it stood at this time: the events recorded at or before it (ISO 8601 date-time with a zone).' }),
    limit: z.coerce.number().int().min(1).max(500).optional().meta({ description: 'Timeline entries per page of the live view (default 100).' }),
    cursor: z
      .string()
      .max(MAX_CURSOR_LENGTH)
      .optional()
      .meta({ description: 'The `timelineNext` of the previous page, as it was given: any other value gets 400.' }),
  })
  .refine((q) => q.version === undefined || q.asOf === undefined, {
    message: 'give either version or asOf, not both',
    path: ['asOf'],
  });

const cursor = z.string().max(MAX_CURSOR_LENGTH).optional().meta({ description: 'The link of the previous page gave it: any other value gets 400.' });

/**
 * A story page's query. Unknown parameters are ignored rather than refused: links shared on the
 * web arrive with tracking parameters, and a reader should not meet an error for them.
 */
export const pageQuery = z
  .object({
    order: z.enum(['newest', 'oldest']).optional().meta({ description: 'The timeline newest first (default) or oldest first.' }),
    cursor,
    version: z.coerce.number().int().min(1).optional().meta({ description: 'The story as it stood at this version (not live).' }),
  })
  .refine((q) => q.version === undefined || (q.cursor === undefined && q.order === undefined), {
    message: 'a past version is one page: give version alone',
    path: ['version'],
  });

export const changesQuery = z.strictObject({
  since: z.coerce
    .number()
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER)
    .meta({ description: 'The story version the page shows: the answer holds what changed after it.' }),
});

export const eventsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).optional().meta({ description: 'Events with a version greater than this (default 0: from the start).' }),
  limit: z.coerce.number().int().min(1).max(1000).optional().meta({ description: 'Events per page (default 100, at most 1000).' }),
});

/** `"12"`, `W/"12"`, or `*` (which any existing story matches), after trimming. */
export const ifMatchHeader = z
  .string()
  .max(19)
  .regex(/^(?:W\/)?"\d{1,15}"$|^\*$/)
  .meta({ description: 'Expected story version, quoted ("12"): a stale version gets 412 and nothing is written.' });

export const idempotencyKeyHeader = z
  .string()
  .max(MAX_IDEMPOTENCY_KEY)
  .regex(new RegExp(`^[\\x21-\\x7e]{1,${MAX_IDEMPOTENCY_KEY}}$`))
  .meta({
    description:
      'Makes the request safe to retry: the same key and body return the first response and record nothing new; ' +
      'another body gets 422; a retry while the first is in flight gets 409. Kept 24 hours, per editor and story.',
  });
