/** Lambda: the events table's stream → the views table. */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { activeGeneration, ViewStore } from '../../shared/store/view-store';
import { createRuntime, logger } from '../runtime';
import { processStreamBatch } from './process';

const rt = createRuntime();

export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const { batchItemFailures, results } = await processStreamBatch(event.Records, {
    views: async () => new ViewStore(rt.db, rt.tables.views, await activeGeneration(rt.db, rt.tables.views)),
    events: rt.events,
    log: logger,
  });
  logger.info('batch projected', { records: event.Records.length, stories: results.length, failures: batchItemFailures.length });
  return { batchItemFailures };
};
