/** Lambda: the events table's stream → the views table. */
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { activeViews } from '../../shared/adapters/dynamodb/views/writes';
import { sqsEdgeNotices } from '../../shared/adapters/edge-notices';
import { createRuntime, logger } from '../runtime';
import type { ProjectionResult } from '../../shared/application/project-story';
import { syncSchedules } from '../../shared/application/releases';
import { EventBridgeReleaseSchedules } from '../../shared/adapters/scheduler';
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
// On AWS, each batch's changes go to the edge refresher's queue (EDGE_QUEUE_URL): it makes the
// changed paths fresh at the edge (EDGE_PING_DELAY_SECONDS: by waiting out their TTL, or 0: by an
// invalidation), then pings the WebSub hub. Neither CloudFront nor a hub is ever waited for here,
// so neither can delay the next batch of the shard. Locally there is no queue: the stream poller
// pings the hub itself once a batch is projected (functions/local/server.ts).
const edgeNotices = process.env.EDGE_QUEUE_URL
  ? sqsEdgeNotices(process.env.EDGE_QUEUE_URL, {
      hub: Boolean(process.env.WEBSUB_HUB_URL),
      delaySeconds: Number(process.env.EDGE_PING_DELAY_SECONDS ?? 0),
      log: (m, extra) => logger.warn(m, extra),
    })
  : undefined;

/**
 * What else follows a batch: on Lambda, the release schedules of its embargo events (set below, see
 * ./schedules.ts); locally, the server's release scheduler and WebSub pings (functions/local/server.ts).
 */
export const projectorHooks: { afterBatch?: (results: ProjectionResult[]) => Promise<void> | void } = {};
if (process.env.AWS_LAMBDA_FUNCTION_NAME && process.env.RELEASE_SCHEDULE_GROUP) {
  const schedules = new EventBridgeReleaseSchedules({
    group: process.env.RELEASE_SCHEDULE_GROUP,
    functionArn: process.env.RELEASE_FUNCTION_ARN ?? '',
    roleArn: process.env.RELEASE_SCHEDULER_ROLE_ARN ?? '',
  });
  projectorHooks.afterBatch = async (results) => {
    const failed = await syncSchedules(
      results.flatMap((r) => r.embargoEvents),
      schedules,
      logger,
    );
    if (failed > 0) metrics.addMetric('ReleaseSchedulesNotSynced', MetricUnit.Count, failed);
  };
}

export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const { batchItemFailures, results, changes } = await processStreamBatch(event.Records, {
    views: activeViews(rt.viewsDb, rt.tables.views),
    events: rt.events,
    log: logger,
  });
  // After the batch is durable in the views; bounded (a few seconds at worst), never throws.
  const queued = edgeNotices ? await edgeNotices.send(changes) : undefined;
  await projectorHooks.afterBatch?.(results);
  logger.info('batch projected', { records: event.Records.length, stories: results.length, failures: batchItemFailures.length });
  metrics.addMetric('RecordsReceived', MetricUnit.Count, event.Records.length);
  metrics.addMetric(
    'EventsApplied',
    MetricUnit.Count,
    results.reduce((n, r) => n + r.applied, 0),
  );
  metrics.addMetric('FailedStories', MetricUnit.Count, batchItemFailures.length);
  if (queued === 'lost') metrics.addMetric('EdgeNoticesLost', MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
  return { batchItemFailures };
};
