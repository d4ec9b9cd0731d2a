/**
 * The OpenAPI 3.1 document of the API, generated from the route table (./routes.ts) and the zod
 * schemas it names: the request bodies that validate writes (shared/domain/story/updates.ts), the
 * queries and headers (./requests.ts) and the response bodies (./responses.ts). zod 4's own
 * `z.toJSONSchema` converts them: OpenAPI 3.1 schemas ARE JSON Schema 2020-12, so no converter
 * library or second copy of the contract is needed. Only the write function imports this file.
 */
import * as z from 'zod/mini';
import type * as core from 'zod/v4/core';
import { UPDATE_ID_PATTERN } from '../../domain/story/update-id';
import type { FeedFormat } from '../../domain/feeds/urls';
import {
  articleSchema,
  correctionChangesSchema,
  correctionSchema,
  headlineSchema,
  keyEventSchema,
  openStorySchema,
  pinSchema,
  retractionSchema,
  speakerSchema,
  statementSchema,
  statusSchema,
  unpinSchema,
  updateSchema,
} from '../../domain/story/updates';
import { LIMITS } from '../../domain/story/limits';
import { storyIdSchema } from '../../domain/story/story-id';
import { bodies } from './bodies';
import { MAX_BODY_BYTES } from './limits';
import { responseBodies } from './responses';
import { routes, type Answer, type Route } from './routes';

/** Schemas that are components of the document, by name. */
const NAMED: [core.$ZodType, string][] = [
  [storyIdSchema, 'StoryId'],
  [openStorySchema, 'OpenStory'],
  [updateSchema, 'Update'],
  [articleSchema, 'Article'],
  [statementSchema, 'Statement'],
  [correctionSchema, 'Correction'],
  [retractionSchema, 'Retraction'],
  [headlineSchema, 'Headline'],
  [statusSchema, 'Status'],
  [keyEventSchema, 'KeyEvent'],
  [pinSchema, 'Pin'],
  [unpinSchema, 'Unpin'],
  [speakerSchema, 'Speaker'],
  [correctionChangesSchema, 'CorrectionChanges'],
  ...Object.entries(responseBodies).map(([name, schema]): [core.$ZodType, string] => [schema, name]),
];
const NAMES = new Map(NAMED);

/** Path parameters by name (the routes check them themselves, each as its 404 has always said). */
const PATH_PARAMS: Record<string, core.$ZodType> = {
  id: storyIdSchema,
  range: z.string().check(z.maxLength(41), z.regex(/^[0-9]+-[0-9]+$/), z.meta({ description: 'First and last version of the page, e.g. `1-50`.' })),
  updateId: z
    .string()
    .check(z.maxLength(26), z.regex(UPDATE_ID_PATTERN), z.meta({ description: 'The updateId of an article or statement (a ULID).' })),
  asset: z.string().check(z.maxLength(100), z.meta({ description: 'A content-hashed file name, as a page links it.' })),
};

/** The feed formats by name and media type: `<name>.{format}` in a table path is one path per format. */
const FEEDS = {
  atom: { name: 'Atom 1.0', mediaType: 'application/atom+xml' },
  rss: { name: 'RSS 2.0', mediaType: 'application/rss+xml' },
  json: { name: 'JSON Feed 1.1', mediaType: 'application/feed+json' },
} satisfies Record<FeedFormat, { name: string; mediaType: string }>;

function components() {
  const registry = z.registry<{ id: string }>();
  for (const [schema, id] of NAMED) registry.add(schema, { id });
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
      mapping: Object.fromEntries(updateSchema.def.options.map((kind) => [kind.shape.type.def.values[0], ref(kind).$ref])),
    },
  };
  return schemas;
}

/** A query schema's parameters (an object schema, or one with checks of the whole object). */
function queryShape(query: Route['query']): Record<string, core.$ZodType> {
  const def = query?._zod.def as { shape?: Record<string, core.$ZodType> } | undefined;
  return def?.shape ?? {};
}

/** A named schema by reference, any other inline. */
function schemaOf(schema: core.$ZodType): Record<string, unknown> {
  if (NAMES.has(schema)) return ref(schema);
  const json = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

const ref = (schema: core.$ZodType) => ({ $ref: `#/components/schemas/${NAMES.get(schema)}` });

function parameter(name: string, where: 'path' | 'query' | 'header', schema: core.$ZodType) {
  const { description, ...rest } = schemaOf(schema);
  // A query parameter is required unless its schema is optional (`since` of the changes is).
  const required = where === 'path' || (where === 'query' && schema._zod.optin !== 'optional');
  return { name, in: where, required, ...(description ? { description } : {}), schema: rest };
}

function answer(a: Answer, format: FeedFormat | undefined) {
  const text = { schema: { type: 'string' } };
  const content =
    a.body === undefined
      ? undefined
      : a.body === 'problem'
        ? { 'application/problem+json': { schema: ref(responseBodies.Problem) } }
        : a.body === 'html'
          ? { 'text/html': text }
          : a.body === 'feed'
            ? { [FEEDS[format!].mediaType]: text }
            : a.body === 'asset'
              ? { 'text/css': text, 'text/javascript': text }
              : { 'application/json': { schema: ref(responseBodies[a.body.json]) } };
  return { description: a.description, ...(a.headers ? { headers: a.headers } : {}), ...(content ? { content } : {}) };
}

function operation(id: string, route: Route, format?: FeedFormat) {
  const name = format && FEEDS[format].name;
  const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).filter((p) => p !== 'format');
  const parameters = [
    ...pathParams.map((p) => parameter(p, 'path', PATH_PARAMS[p]!)),
    ...Object.entries(queryShape(route.query)).map(([q, schema]) => parameter(q, 'query', schema)),
    ...Object.entries(route.headers ?? {}).map(([h, schema]) => parameter(h, 'header', schema)),
  ];
  return {
    tags: [route.editor ? 'write' : 'read'],
    operationId: format ? id.replace(/Feed$/, `${format[0]!.toUpperCase()}${format.slice(1)}Feed`) : id,
    summary: name ? route.summary.replace('{format}', name) : route.summary,
    ...(route.description ? { description: route.description } : {}),
    ...(route.editor || route.editorRead ? { security: [{ editorToken: [] }] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(bodies[route.body]) } } } } : {}),
    responses: Object.fromEntries(Object.entries({ ...storeAnswers(id), ...route.responses }).map(([status, a]) => [status, answer(a, format)])),
  };
}

/** Every route that reads or writes the store may answer 503 when it is unavailable (problem.ts); the document and the assets come from memory. */
function storeAnswers(id: string): Record<number, Answer> {
  if (id === 'openApi' || id === 'asset') return {};
  return {
    503: {
      description:
        'The store is unavailable, throttled or timed out: nothing is known to be stored; retry after `Retry-After` seconds (a write with its Idempotency-Key).',
      headers: { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } } },
      body: 'problem',
    },
  };
}

/** The document's paths: each route of the table, a feed route once per format. */
function paths() {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [id, route] of Object.entries(routes) as [string, Route][]) {
    const formats = route.path.includes('.{format}') ? (Object.keys(FEEDS) as FeedFormat[]) : [undefined];
    for (const format of formats) {
      (out[format ? route.path.replace('{format}', format) : route.path] ??= {})[route.method] = operation(id, route, format);
    }
  }
  return out;
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
        'naming the field at fault. Every field states its limit: text fields are plain text of at most `maxLength` UTF-16 code units ' +
        `(a quote, an article's summary or a statement's context up to ${LIMITS.quote}), and a request body holds at most ${MAX_BODY_BYTES} bytes ` +
        '(413 beyond), which long text of several bytes a character meets first. URLs are stored and published as RFC 3986 URIs. ' +
        'See docs/api.md for a worked session.',
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'write', description: 'Editors (bearer token)' },
      { name: 'read', description: 'Public' },
    ],
    paths: paths(),
    components: {
      schemas,
      securitySchemes: {
        editorToken: { type: 'http', scheme: 'bearer', description: 'An editor token (kept server-side only as a SHA-256 hash).' },
      },
    },
  };
  return cached;
}
