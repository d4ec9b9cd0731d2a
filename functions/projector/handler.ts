/** Lambda: the events table's stream → the views table. */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { activeGeneration, ViewStore } from '../../shared/store/view-store';
import { feedChangeNotifier } from '../../shared/feeds/websub';
import { createRuntime, feedContext, logger } from '../runtime';
import { processStreamBatch } from './process';

const rt = createRuntime();
// WebSub pings on Lambda; locally the stream poller sends them once it has refreshed the read cache.
const feedHub = process.env.AWS_LAMBDA_FUNCTION_NAME ? feedChangeNotifier(feedContext(), { log: (m, extra) => logger.warn(m, extra) }) : undefined;

export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const { batchItemFailures, results } = await processStreamBatch(event.Records, {
    views: async () => new ViewStore(rt.db, rt.tables.views, await activeGeneration(rt.db, rt.tables.views)),
    events: rt.events,
    log: logger,
  });
  await feedHub?.storiesChanged(results.filter((r) => r.applied > 0).map((r) => r.storyId));
  logger.info('batch projected', { records: event.Records.length, stories: results.length, failures: batchItemFailures.length });
  return { batchItemFailures };
};
