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
const app = handle(readApp({ reader, log: logger, health: () => storeIsReachable(rt), tokens: editorTokensFromEnv(logger), pages: pageOptions() }));

/** Adds the Lambda request id and function details to every log line of the invocation. */
export const handler = async (event: Parameters<typeof app>[0], context: Context) => {
  logger.addContext(context);
  return app(event, context);
};
