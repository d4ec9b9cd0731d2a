/** Lambda: the editors' write API (API Gateway HTTP API → Hono). */
import type { Context } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import { writeApp } from '../../shared/http/write-app';
import { createRuntime, createWriter, logger } from '../runtime';
import { loadEditorTokens } from './tokens';

const rt = createRuntime();
const app = handle(writeApp({ writer: createWriter(rt), tokens: loadEditorTokens, log: logger }));

/** Adds the Lambda request id and function details to every log line of the invocation. */
export const handler = async (event: Parameters<typeof app>[0], context: Context) => {
  logger.addContext(context);
  return app(event, context);
};
