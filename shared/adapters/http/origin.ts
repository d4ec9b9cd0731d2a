/**
 * Requests that reach the read function around CloudFront. On AWS the API's own execute-api URL
 * is public: a GET sent there directly skips every cache (and the edge's query allow-list), so each
 * one is an origin request. CloudFront adds a secret header to every request it sends the origin
 * (infra/constructs/cdn.ts); the read function refuses any request without it, except an
 * editor's: a valid editor token reads through the API URL (the full event log, `newsroom export`),
 * since CloudFront forwards no Authorization. The local server has no CloudFront in front and
 * configures no secret, so it requires nothing.
 */
import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { authenticate, type TokenTable } from './auth';
import { framed, type Env } from './base';
import { problemResponse, problems } from './problem';

/** The header CloudFront sends the origin (lower case, as Hono reads it). */
export const ORIGIN_VERIFY_HEADER = 'x-newsroom-origin-verify';

function same(a: string, b: Buffer): boolean {
  const given = Buffer.from(a);
  return given.length === b.length && timingSafeEqual(given, b);
}

/** 403 problem+json for a request that carries neither the secret nor an editor's token. */
export function fromCdnOnly(secret: string, tokens?: () => Promise<TokenTable> | TokenTable): MiddlewareHandler<Env> {
  const expected = Buffer.from(secret);
  return async (c, next) => {
    const given = c.req.header(ORIGIN_VERIFY_HEADER);
    if (given === undefined || !same(given, expected)) {
      const authorization = c.req.header('authorization');
      const editor = authorization !== undefined && tokens !== undefined && authenticate(authorization, await tokens()).ok;
      if (!editor) return framed(c, problemResponse(c, problems.notThroughCdn()));
    }
    await next();
  };
}
