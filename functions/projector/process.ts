/**
 * Stream batch processing for the projector: group records by story, project each story's run in
 * order, and report the first failed record of each failing story so Lambda retries from there.
 *
 * Powertools' BatchProcessor handles records one at a time; projecting a story's run together
 * lets the projector fold it in memory and write it in one conditional transaction, and a failure
 * must stop the rest of that story's records anyway (they would only hit the same gap).
 */
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { projectStory, type ProjectionResult } from '../../shared/application/project-story';
import type { StoryEvent } from '../../shared/domain/story/events';
import { eventFromRecord } from '../../shared/adapters/dynamodb/stream-records';
import type { EventReader, Log, ViewWriter } from '../../shared/application/ports';
import type { StoryChange } from '../../shared/adapters/edge-refresh';

export interface ProcessDeps {
  views: () => Promise<ViewWriter>;
  events: Pick<EventReader, 'stream'>;
  log: Pick<Log, 'error'>;
}

export interface ProcessOutcome extends DynamoDBBatchResponse {
  results: ProjectionResult[];
  /**
   * The stories the batch changed for readers (an embargoed append or its revision changes nothing
   * public: no edge notice, no ping; its release does), and whether what it applied retracted an update.
   */
  changes: StoryChange[];
}

export async function processStreamBatch(records: DynamoDBRecord[], deps: ProcessDeps): Promise<ProcessOutcome> {
  const byStory = new Map<string, { event: StoryEvent; record: DynamoDBRecord }[]>();
  const failures: string[] = [];
  for (const record of records) {
    let event: StoryEvent | undefined;
    try {
      event = eventFromRecord(record);
    } catch (error) {
      // Undecodable: report it (after retries it lands in the on-failure destination).
      deps.log.error('undecodable stream record', { sequenceNumber: record.dynamodb?.SequenceNumber, error: String(error) });
      failures.push(record.dynamodb?.SequenceNumber ?? '');
      continue;
    }
    if (!event) continue;
    const run = byStory.get(event.metadata.storyId) ?? [];
    run.push({ event, record });
    byStory.set(event.metadata.storyId, run);
  }

  const views = await deps.views();
  const results: ProjectionResult[] = [];
  const changes: StoryChange[] = [];
  await Promise.all(
    [...byStory].map(async ([storyId, run]) => {
      try {
        const result = await projectStory(
          storyId,
          run.map((r) => r.event),
          views,
          deps.events,
        );
        results.push(result);
        // What was applied is the run's tail up to the new head (a redelivered head of the run was skipped).
        const firstApplied = result.version - result.applied;
        if (result.publicChanges > 0) {
          const retracted = run.some(
            ({ event }) => event.type === 'UpdateRetracted' && event.metadata.version > firstApplied && event.metadata.version <= result.version,
          );
          changes.push({ storyId, retracted });
        }
      } catch (error) {
        deps.log.error('projection failed', { storyId, version: run[0]!.event.metadata.version, error: String(error) });
        failures.push(run[0]!.record.dynamodb?.SequenceNumber ?? '');
      }
    }),
  );
  return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })), results, changes };
}
