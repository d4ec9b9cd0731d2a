/** Lambda: the events table's stream → the views table. */
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { activeViews } from '../../shared/adapters/dynamodb/views/writes';
import { feedChangeNotifier } from '../../shared/adapters/websub';
import { createRuntime, feedContext, logger } from '../runtime';
import { processStreamBatch } from './process';

const rt = createRuntime();
// Off the request path, so the X-Ray SDK's weight costs readers nothing: DynamoDB calls of each
// batch show as subsegments. Loaded on Lambda only: the X-Ray SDK turns on, as it loads, an async
// hook that follows the destruction of every promise of the process, tracing enabled or not; the
// local server runs this projector beside the readers and writers, which would all pay for it.
if (process.env.AWS_LAMBDA_FUNCTION_NAME) {
  const { Tracer } = await import('@aws-lambda-powertools/tracer');
  const tracer = new Tracer();
  tracer.captureAWSv3Client(rt.db);
  if (rt.viewsDb !== rt.db) tracer.captureAWSv3Client(rt.viewsDb);
}
const metrics = new Metrics();
// WebSub pings on Lambda; locally the stream poller sends them once it has refreshed the read cache.
const feedHub = process.env.AWS_LAMBDA_FUNCTION_NAME ? feedChangeNotifier(feedContext(), { log: (m, extra) => logger.warn(m, extra) }) : undefined;

export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const { batchItemFailures, results } = await processStreamBatch(event.Records, {
    views: activeViews(rt.viewsDb, rt.tables.views),
    events: rt.events,
    log: logger,
  });
  await feedHub?.storiesChanged(results.filter((r) => r.applied > 0).map((r) => r.storyId));
  logger.info('batch projected', { records: event.Records.length, stories: results.length, failures: batchItemFailures.length });
  metrics.addMetric('RecordsReceived', MetricUnit.Count, event.Records.length);
  metrics.addMetric(
    'EventsApplied',
    MetricUnit.Count,
    results.reduce((n, r) => n + r.applied, 0),
  );
  metrics.addMetric('FailedStories', MetricUnit.Count, batchItemFailures.length);
  metrics.publishStoredMetrics();
  return { batchItemFailures };
};
