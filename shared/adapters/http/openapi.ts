/**
 * The OpenAPI 3.1 document of the API, generated from the zod schemas that validate requests
 * (shared/domain/story/updates.ts, ./read-queries.ts) with zod 4's own `z.toJSONSchema`. OpenAPI 3.1
 * schemas ARE JSON Schema 2020-12, which is what zod emits, so no converter library or second
 * copy of the contract is needed, and the read Lambda bundle carries nothing beyond zod.
 *
 * The response bodies are the schemas of ./responses.ts, which type what the handlers build.
 */
import * as z from 'zod';
import {
  articleSchema,
  correctionChangesSchema,
  correctionSchema,
  headlineSchema,
  LIMITS,
  openStorySchema,
  retractionSchema,
  speakerSchema,
  statementSchema,
  statusSchema,
  storyIdSchema,
  updateSchema,
} from '../../domain/story/updates';
import { eventsQuery, viewQueryFields } from './read-queries';
import { eventsPage, fieldIssue, health, problemBody, storyEvent, storyList, storySummary, storyView, timelineEntry, writeResult } from './responses';
import { MAX_BODY_BYTES, MAX_IDEMPOTENCY_KEY } from './limits';

function components() {
  const registry = z.registry<{ id: string }>();
  const named: [z.ZodType, string][] = [
    [storyIdSchema, 'StoryId'],
    [openStorySchema, 'OpenStory'],
    [updateSchema, 'Update'],
    [articleSchema, 'Article'],
    [statementSchema, 'Statement'],
    [correctionSchema, 'Correction'],
    [retractionSchema, 'Retraction'],
    [headlineSchema, 'Headline'],
    [statusSchema, 'Status'],
    [speakerSchema, 'Speaker'],
    [correctionChangesSchema, 'CorrectionChanges'],
    [writeResult, 'WriteResult'],
    [problemBody, 'Problem'],
    [fieldIssue, 'FieldIssue'],
    [storyEvent, 'StoryEvent'],
    [eventsPage, 'EventsPage'],
    [storyView, 'StoryView'],
    [timelineEntry, 'TimelineEntry'],
    [storySummary, 'StorySummary'],
    [storyList, 'StoryList'],
    [health, 'Health'],
  ];
  for (const [schema, id] of named) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}`, io: 'input' }) as {
    schemas: Record<string, Record<string, unknown>>;
  };
  for (const schema of Object.values(schemas)) {
    // The document's jsonSchemaDialect says 2020-12 once; component ids would be relative URIs.
    delete schema.$schema;
    delete schema.$id;
  }
  schemas.Update = {
    ...schemas.Update,
    discriminator: {
      propertyName: 'type',
      mapping: Object.fromEntries(
        ['article', 'statement', 'correction', 'retraction', 'headline', 'status'].map((t) => [t, `#/components/schemas/${t[0]!.toUpperCase()}${t.slice(1)}`]),
      ),
    },
  };
  return schemas;
}

/** Query parameters from a zod object, one per field. */
function queryParameters(shape: Record<string, z.ZodType>) {
  return Object.entries(shape).map(([name, schema]) => {
    const json = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
    delete json.$schema;
    const { description, ...rest } = json;
    return { name, in: 'query', required: false, ...(description ? { description } : {}), schema: rest };
  });
}

const problemRef = { $ref: '#/components/schemas/Problem' };
const problemResponse = (description: string, headers?: Record<string, unknown>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/problem+json': { schema: problemRef } },
});
const json = (ref: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } });

const storyIdParameter = { name: 'id', in: 'path', required: true, schema: { $ref: '#/components/schemas/StoryId' } };

const conditionalGet = {
  ETag: { description: 'Strong validator of the bytes.', schema: { type: 'string' } },
  'Last-Modified': { description: 'When the story last changed.', schema: { type: 'string' } },
  'Cache-Control': { schema: { type: 'string' } },
};

const writeResponses = (extra: Record<string, unknown>) => ({
  '201': {
    description: 'Recorded. A retry with the same Idempotency-Key and body returns this same response (with `Idempotent-Replayed: true`).',
    headers: {
      Location: { schema: { type: 'string' } },
      ETag: { description: 'The new story version, quoted: use it as the next If-Match.', schema: { type: 'string' } },
      'Idempotent-Replayed': { description: 'Present (true) when this is the stored first response.', schema: { type: 'string' } },
    },
    content: json('WriteResult'),
  },
  '400': problemResponse('Malformed JSON, a field that breaks the schema, an unknown field, a bad header. `errors` names each field.'),
  '401': problemResponse('Missing, malformed or wrong bearer token.', {
    'WWW-Authenticate': { schema: { type: 'string' }, description: 'Bearer realm="newsroom"' },
  }),
  '409': problemResponse('Conflicts with the story (it exists already; the target is retracted) or the Idempotency-Key is still in flight.'),
  '413': problemResponse(`The body is over ${MAX_BODY_BYTES} bytes.`),
  '415': problemResponse('Content-Type is not application/json.'),
  '422': problemResponse('The Idempotency-Key was used before with a different request.'),
  '429': problemResponse('This editor is over its write rate.', { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait.' } }),
  ...extra,
});

const idempotencyKeyHeader = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes the request safe to retry: the same key and body return the first response and record nothing new; ' +
    'another body gets 422; a retry while the first is in flight gets 409. Kept 24 hours, per editor and story.',
  schema: { type: 'string', pattern: `^[\\x21-\\x7e]{1,${MAX_IDEMPOTENCY_KEY}}$` },
};

const FEEDS = [
  ['atom', 'Atom 1.0', 'application/atom+xml'],
  ['rss', 'RSS 2.0', 'application/rss+xml'],
  ['json', 'JSON Feed 1.1', 'application/feed+json'],
] as const;

/** Per-story and all-stories feeds in each format (DESIGN.md §3). */
function feedPaths() {
  const feed = (format: string, name: string, mediaType: string, perStory: boolean) => ({
    get: {
      tags: ['read'],
      operationId: `${perStory ? 'story' : 'all'}${format[0]!.toUpperCase()}${format.slice(1)}Feed`,
      summary: perStory ? `The story's ${name} feed` : `${name} feed of all stories`,
      ...(perStory ? { parameters: [storyIdParameter] } : {}),
      responses: {
        '200': { description: 'The feed; its bytes change only when its content does.', headers: conditionalGet, content: { [mediaType]: { schema: { type: 'string' } } } },
        '304': { description: 'Not modified.' },
        ...(perStory ? { '404': problemResponse('No such story.') } : {}),
      },
    },
  });
  const archive = (format: string, name: string, mediaType: string) => ({
    get: {
      tags: ['read'],
      operationId: `storyArchive${format[0]!.toUpperCase()}${format.slice(1)}Feed`,
      summary: `An RFC 5005 archive page of the story's ${name} feed`,
      description:
        'Entries created by one fixed range of versions (`{first}-{last}`, NEWSROOM_FEED_SIZE versions per page), linked from the ' +
        'subscription feed through `prev-archive` (JSON Feed: `next_url`). Its set of entries never changes; a correction of one of ' +
        'them changes its bytes and ETag.',
      parameters: [
        storyIdParameter,
        { name: 'range', in: 'path', required: true, description: 'First and last version of the page, e.g. `1-50`.', schema: { type: 'string', pattern: '^[0-9]+-[0-9]+$' } },
      ],
      responses: {
        '200': { description: 'The archive page.', headers: conditionalGet, content: { [mediaType]: { schema: { type: 'string' } } } },
        '304': { description: 'Not modified.' },
        '404': problemResponse('No such story or archive page.'),
      },
    },
  });
  return Object.fromEntries(
    FEEDS.flatMap(([format, name, mediaType]) => [
      [`/stories/{id}/feed.${format}`, feed(format, name, mediaType, true)],
      [`/stories/{id}/archive/{range}/feed.${format}`, archive(format, name, mediaType)],
      [`/feed.${format}`, feed(format, name, mediaType, false)],
    ]),
  );
}

let cached: Record<string, unknown> | undefined;

export function openApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const schemas = components();
  cached = {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Newsroom feed API',
      version: '1.0.0',
      description:
        'Editors record updates to developing stories; readers get views, the raw event log and feeds. ' +
        'Writes need `Authorization: Bearer <token>`; reads are public. Every error is RFC 9457 problem+json ' +
        `naming the field at fault. Text fields are plain text with documented maximum lengths (e.g. a quote holds at most ${LIMITS.quote} characters). ` +
        'See docs/api.md for a worked session.',
    },
    servers: [{ url: '/' }],
    tags: [{ name: 'write', description: 'Editors (bearer token)' }, { name: 'read', description: 'Public' }],
    paths: {
      '/api/stories': {
        get: {
          tags: ['read'],
          operationId: 'listStories',
          summary: 'The story list',
          responses: { '200': { description: 'Every story, newest activity first.', headers: conditionalGet, content: json('StoryList') } },
        },
        post: {
          tags: ['write'],
          operationId: 'openStory',
          summary: 'Open a story',
          security: [{ editorToken: [] }],
          parameters: [idempotencyKeyHeader],
          requestBody: { required: true, content: json('OpenStory') },
          responses: writeResponses({}),
        },
      },
      '/api/stories/{id}': {
        get: {
          tags: ['read'],
          operationId: 'getStory',
          summary: 'The developing-story view, now or as it stood at a version or a time',
          parameters: [storyIdParameter, ...queryParameters(viewQueryFields.shape)],
          responses: {
            '200': { description: 'The view.', headers: conditionalGet, content: json('StoryView') },
            '304': { description: 'Not modified (If-None-Match / If-Modified-Since).' },
            '400': problemResponse('A bad query parameter (e.g. both version and asOf).'),
            '404': problemResponse('No such story, or it did not exist yet at that version or time.'),
          },
        },
      },
      '/api/stories/{id}/updates': {
        post: {
          tags: ['write'],
          operationId: 'recordUpdate',
          summary: 'Record one update: an article, a statement, a correction, a retraction, a headline or a status',
          security: [{ editorToken: [] }],
          parameters: [
            storyIdParameter,
            {
              name: 'If-Match',
              in: 'header',
              required: false,
              description: 'Expected story version, quoted ("12"): a stale version gets 412 and nothing is written.',
              schema: { type: 'string', pattern: '^(?:W/)?"\\d{1,15}"$|^\\*$' },
            },
            idempotencyKeyHeader,
          ],
          requestBody: { required: true, content: json('Update') },
          responses: writeResponses({
            '404': problemResponse('No such story, or the correction/retraction target is not an update of this story.'),
            '412': problemResponse('If-Match named a version the story is no longer (or never was) at.'),
          }),
        },
      },
      '/api/stories/{id}/events': {
        get: {
          tags: ['read'],
          operationId: 'listEvents',
          summary: 'The raw event log, oldest first, paginated',
          parameters: [storyIdParameter, ...queryParameters(eventsQuery.shape)],
          responses: {
            '200': { description: 'One page of events; follow `next` until it is absent.', headers: conditionalGet, content: json('EventsPage') },
            '304': { description: 'Not modified.' },
            '400': problemResponse('A bad query parameter.'),
            '404': problemResponse('No such story.'),
          },
        },
      },
      ...feedPaths(),
      '/': {
        get: {
          tags: ['read'],
          operationId: 'frontPage',
          summary: 'HTML front page: stories, newest activity first',
          responses: { '200': { description: 'The page.', headers: conditionalGet, content: { 'text/html': { schema: { type: 'string' } } } } },
        },
      },
      '/stories/{id}': {
        get: {
          tags: ['read'],
          operationId: 'storyPage',
          summary: 'HTML live page of one story, with feed autodiscovery links',
          parameters: [storyIdParameter],
          responses: {
            '200': { description: 'The page.', headers: conditionalGet, content: { 'text/html': { schema: { type: 'string' } } } },
            '304': { description: 'Not modified.' },
            '404': problemResponse('No such story.'),
          },
        },
      },
      '/api/openapi.json': {
        get: {
          tags: ['read'],
          operationId: 'openApi',
          summary: 'This document',
          responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } } },
        },
      },
      '/health': {
        get: {
          tags: ['read'],
          operationId: 'health',
          summary: 'Liveness of the store',
          responses: {
            '200': { description: 'The store answers.', content: json('Health') },
            '503': problemResponse('The store is not reachable.'),
          },
        },
      },
    },
    components: {
      schemas,
      securitySchemes: {
        editorToken: { type: 'http', scheme: 'bearer', description: 'An editor token (kept server-side only as a SHA-256 hash).' },
      },
    },
  };
  return cached;
}
