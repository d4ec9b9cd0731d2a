/** Lambda: the events table's stream → the views table. */
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { activeViews } from '../../shared/adapters/dynamodb/views/writes';
import { feedChangeNotifier } from '../../shared/adapters/websub';
import { createRuntime, feedContext, logger } from '../runtime';
import type { ProjectionResult } from '../../shared/application/project-story';
import { syncSchedules } from '../../shared/application/releases';
import { EventBridgeReleaseSchedules } from '../../shared/adapters/scheduler';
import { processStreamBatch } from './process';

const rt = createRuntime();
// Off the request path, so the X-Ray SDK's weight costs readers nothing: DynamoDB calls of each
// batch show as subsegments. (Outside Lambda the tracer and metrics are disabled by the local runtime.)
const tracer = new Tracer();
tracer.captureAWSv3Client(rt.db);
if (rt.viewsDb !== rt.db) tracer.captureAWSv3Client(rt.viewsDb);
const metrics = new Metrics();
// WebSub pings on Lambda; locally the stream poller sends them once it has refreshed the read cache.
const feedHub = process.env.AWS_LAMBDA_FUNCTION_NAME ? feedChangeNotifier(feedContext(), { log: (m, extra) => logger.warn(m, extra) }) : undefined;

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
  const { batchItemFailures, results } = await processStreamBatch(event.Records, {
    views: activeViews(rt.viewsDb, rt.tables.views),
    events: rt.events,
    log: logger,
  });
  // No ping for a batch of embargo events alone: no feed changed (the release pings).
  await feedHub?.storiesChanged(results.filter((r) => r.publicChanges > 0).map((r) => r.storyId));
  await projectorHooks.afterBatch?.(results);
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
