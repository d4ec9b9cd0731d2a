/**
 * Lambda: the edge refresher, on the projector's queue of changes (shared/adapters/edge-refresh.ts):
 * invalidates the changed paths on the distribution, waits for CloudFront, then pings the WebSub
 * hub within one budget. A batch whose invalidation could not be created is delivered again.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { cloudFrontEdge, parseEdgeNotice, refreshEdge, type StoryChange } from '../../shared/adapters/edge-refresh';
import { WebSubPublisher } from '../../shared/adapters/websub';
import { feedContext, logger } from '../context';

const ctx = feedContext();
const log = (message: string, extra: Record<string, unknown>) => logger.warn(message, extra);
const edge = process.env.DISTRIBUTION_ID
  ? cloudFrontEdge(process.env.DISTRIBUTION_ID, { waitSeconds: Number(process.env.EDGE_WAIT_SECONDS ?? 120) })
  : undefined;
// Every ping of a batch within one budget (WEBSUB_DEADLINE_MS): a hung hub costs this, once.
const publisher = ctx.hubUrl
  ? new WebSubPublisher({ hubUrl: ctx.hubUrl, log, deadlineMs: Number(process.env.WEBSUB_DEADLINE_MS ?? 10_000) })
  : undefined;

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const changes: StoryChange[] = [];
  const ids: string[] = [];
  for (const record of event.Records) {
    try {
      changes.push(...parseEdgeNotice(record.body).stories);
      ids.push(record.messageId);
    } catch (error) {
      // Never better on a retry: dropped, with the reason.
      logger.error('not an edge notice', { messageId: record.messageId, error: String(error) });
    }
  }
  if (changes.length === 0) return { batchItemFailures: [] };
  try {
    const outcome = await refreshEdge(changes, ids.join(','), {
      ctx,
      log,
      invalidateFeeds: process.env.EDGE_INVALIDATE_FEEDS === '1',
      ...(edge ? { edge } : {}),
      ...(publisher ? { publisher } : {}),
    });
    logger.info('edge refreshed', {
      stories: new Set(changes.map((c) => c.storyId)).size,
      paths: outcome.paths.length,
      invalidation: outcome.invalidation,
      pinged: outcome.pinged.length,
    });
    return { batchItemFailures: [] };
  } catch (error) {
    logger.error('edge invalidation failed: the batch is delivered again', { error: String(error) });
    return { batchItemFailures: ids.map((itemIdentifier) => ({ itemIdentifier })) };
  }
};
