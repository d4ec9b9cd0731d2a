/** Lambda: the editors' write API (API Gateway HTTP API → Hono). */
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import { writeApp } from '../../shared/adapters/http/write-app';
import { createRuntime, logger } from '../runtime';
import { createWriter } from '../writer';
import { EDITOR_TOKENS_STALE_METRIC, editorTokensFromEnv } from './tokens';

const rt = createRuntime();
const metrics = new Metrics();
// SSM failed to refresh the editors' tokens and the last good table stays in use: counted at once, apart from the request's metrics.
const tokens = editorTokensFromEnv(logger, () => metrics.singleMetric().addMetric(EDITOR_TOKENS_STALE_METRIC, MetricUnit.Count, 1));
const app = handle(writeApp({ writer: createWriter(rt), tokens, log: logger }));

/** Adds the Lambda request id and function details to every log line of the invocation. */
export const handler = async (event: Parameters<typeof app>[0], context: Context) => {
  logger.addContext(context);
  const response = await app(event, context);
  // One EMF line per invocation: writes by outcome, for the 4xx/5xx dashboards next to the API alarms.
  metrics.addDimension('status', String(Math.floor(response.statusCode / 100)) + 'xx');
  metrics.addMetric('WriteRequests', MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
  return response;
};
