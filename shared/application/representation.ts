/**
 * What the read use cases hand to the HTTP edge: a resource's bytes with their media type, a
 * strong ETag from the bytes, the time of the latest change and how long it may be cached. The
 * readers cache representations (rendered feeds); shared/adapters/http/conditional.ts answers GET, HEAD and 304s
 * from them.
 */
import { createHash } from 'node:crypto';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/**
 * Every public read (feeds, archive pages, pages, views, time travel, the event log) may show
 * material a later retraction withdraws, so none is cached longer than a live feed: caches
 * revalidate after half a minute and serve a stale copy for at most a minute more while they do
 * (the strong ETag makes that revalidation a cheap 304). CloudFront's cache policy caps its TTL at
 * the same max-age (infra/constructs/cdn.ts); docs/api.md#caching-and-retractions.
 */
export const LIVE_MAX_AGE_SECONDS = 30;
/**
 * While the origin fails (a 5xx), caches may go on serving their copy for five minutes
 * (RFC 5861 stale-if-error; CloudFront honours it): readers keep the story through a store
 * outage, and a retraction made meanwhile waits for the store anyway.
 */
export const STALE_IF_ERROR_SECONDS = 300;
export const LIVE_CACHE_CONTROL = `public, max-age=${LIVE_MAX_AGE_SECONDS}, stale-while-revalidate=60, stale-if-error=${STALE_IF_ERROR_SECONDS}`;
/** What an editor's token reads (the full log): no cache keeps it, and shared caches key on the token. */
export const PRIVATE_CACHE_CONTROL = 'private, no-store';

export interface Representation {
  body: string | Uint8Array;
  contentType: string;
  etag: string;
  /** ISO time of the latest change. */
  lastModified?: string;
  cacheControl?: string;
}

export function strongEtag(body: string | Uint8Array): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}

export function represent(body: string, contentType: string, lastModified?: string, cacheControl = LIVE_CACHE_CONTROL): Representation {
  const bytes = Buffer.from(body, 'utf8');
  return { body: bytes, contentType, etag: strongEtag(bytes), cacheControl, ...(lastModified ? { lastModified } : {}) };
}

/** The content codings served (RFC 9110 §8.4.1), best first. */
export const CONTENT_CODINGS = ['br', 'gzip'] as const;
export type ContentCoding = (typeof CONTENT_CODINGS)[number];
/** Smaller bodies gain little from compression (CloudFront does not compress under 1,000 bytes either). */
export const MIN_COMPRESSED_BYTES = 1024;

/**
 * Compressed bytes kept beside the representation for as long as it lives: the readers keep a
 * feed's representation per head version, so a feed is compressed once per version and coding,
 * not once per request.
 */
const encoded = new WeakMap<Representation, Partial<Record<ContentCoding, Uint8Array>>>();

export function encodedBody(rep: Representation, coding: ContentCoding): Uint8Array {
  const cached = encoded.get(rep) ?? {};
  const hit = cached[coding];
  if (hit) return hit;
  const body = typeof rep.body === 'string' ? Buffer.from(rep.body, 'utf8') : rep.body;
  // Brotli quality 5 compresses about as fast as gzip's default and smaller; 11 would cost a
  // render's time again on every new version of a large feed.
  const bytes =
    coding === 'br'
      ? brotliCompressSync(body, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: 5,
            [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
            [constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength,
          },
        })
      : gzipSync(body);
  cached[coding] = bytes;
  encoded.set(rep, cached);
  return bytes;
}

/**
 * The strong ETag of a compressed variant: each coding's bytes are another representation and so
 * another tag (RFC 9110 §8.8.3.3), derived from the identity tag so that a revalidation is
 * answered without compressing. Compression here is deterministic (fixed library and settings),
 * so one tag always stands for the same bytes.
 */
export const variantEtag = (etag: string, coding: ContentCoding) => `${etag.slice(0, -1)}-${coding}"`;
