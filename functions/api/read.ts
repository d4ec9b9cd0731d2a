/** Lambda: public reads (views, feeds, pages, the raw log). */
import { handle } from 'hono/aws-lambda';
import { readApp } from '../../shared/http/read-app';
import { createReader, createRuntime, feedContext, logger, storeIsReachable } from '../runtime';

const rt = createRuntime();
const reader = createReader(rt, feedContext());

export const handler = handle(readApp({ reader, log: logger, health: () => storeIsReachable(rt) }));
