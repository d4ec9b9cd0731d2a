/**
 * Query strings of the public JSON reads, shared by the read routes (validation) and the OpenAPI
 * document (generated from these very schemas).
 */
import * as z from 'zod';

export const viewQueryFields = z.strictObject({
  version: z.coerce.number().int().min(1).optional().meta({ description: 'The view as it stood at this version (a fold of events 1..N).' }),
  asOf: z.iso
    .datetime({ offset: true })
    .optional()
    .meta({ description: 'The view as it stood at this time: the events recorded at or before it (ISO 8601 date-time with a zone).' }),
  limit: z.coerce.number().int().min(1).max(500).optional().meta({ description: 'Timeline entries per page of the live view (default 100).' }),
  cursor: z.string().max(2000).optional().meta({ description: 'The `timelineNext` of the previous page.' }),
});

/** `version` and `asOf` each name a past; both at once would be ambiguous. */
export const viewQuery = viewQueryFields.refine((q) => q.version === undefined || q.asOf === undefined, {
  message: 'give either version or asOf, not both',
  path: ['asOf'],
});

export const eventsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).optional().meta({ description: 'Events with a version greater than this (default 0: from the start).' }),
  limit: z.coerce.number().int().min(1).max(1000).optional().meta({ description: 'Events per page (default 100, at most 1000).' }),
});
