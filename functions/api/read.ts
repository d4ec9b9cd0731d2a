/** Lambda: public reads (views, feeds, pages, the raw log; the write function serves the OpenAPI document). */
import type { Context } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import { readApp } from '../../shared/adapters/http/read-app';
import { createReader, pageOptions } from '../reader';
import { createReadRuntime, feedContext, logger, storeIsReachable } from '../runtime';
import { editorTokensFromEnv } from './tokens';

const rt = createReadRuntime();
const reader = createReader(rt, feedContext());
// Editors' tokens, as the write function gets them: a valid one reads the full event log.
// (A failed refresh is logged here; the write function, which editors depend on, also counts it as a metric.)
// ORIGIN_VERIFY_SECRET: what CloudFront sends as its origin header (infra/constructs/cdn.ts); a
// request to the API's own URL without it is refused. Unset, nothing is required.
const app = handle(
  readApp({
    reader,
    log: logger,
    health: () => storeIsReachable(rt),
    tokens: editorTokensFromEnv(logger),
    pages: pageOptions(),
    ...(process.env.ORIGIN_VERIFY_SECRET ? { originSecret: process.env.ORIGIN_VERIFY_SECRET } : {}),
  }),
);

/** Adds the Lambda request id and function details to every log line of the invocation. */
export const handler = async (event: Parameters<typeof app>[0], context: Context) => {
  logger.addContext(context);
  return app(event, context);
};
