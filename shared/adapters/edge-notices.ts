/**
 * The projector's side of the edge refresher (edge-refresh.ts): one SQS message per projected
 * batch that has something for the edge to do (a retraction always; any change when a WebSub hub
 * is configured). Sending is bounded and never fails the projection: a lost notice leaves the edge
 * to its TTL (at most max-age + stale-while-revalidate) and the hub unpinged, and is counted.
 */
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { StoryChange } from './edge-refresh';

export interface EdgeNotices {
  /** 'sent', 'none' (nothing for the edge to do), or 'lost' (logged). */
  send(changes: StoryChange[]): Promise<'sent' | 'none' | 'lost'>;
}

/** The changes the edge refresher acts on: with a hub every change (its feeds are pinged), else the retractions only. */
export const forTheEdge = (changes: StoryChange[], hub: boolean) => (hub ? changes : changes.filter((c) => c.retracted));

export function sqsEdgeNotices(
  queueUrl: string,
  options: { hub: boolean; log: (message: string, extra: Record<string, unknown>) => void; client?: SQSClient },
): EdgeNotices {
  // Two attempts of at most 2 s each: the worst a slow SQS costs a batch.
  const client = options.client ?? new SQSClient({ maxAttempts: 2, requestHandler: { requestTimeout: 2_000, connectionTimeout: 1_000 } });
  return {
    async send(changes) {
      const stories = forTheEdge(changes, options.hub);
      if (stories.length === 0) return 'none';
      try {
        await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ stories }) }));
        return 'sent';
      } catch (error) {
        options.log('edge notice lost: the edge keeps these stories until their TTL, the hub is not pinged', {
          stories: stories.map((s) => s.storyId),
          error: String(error),
        });
        return 'lost';
      }
    },
  };
}
