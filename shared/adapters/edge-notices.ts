/**
 * The projector's side of the edge refresher (edge-refresh.ts): the SQS messages of one projected
 * batch that has something for the edge to do. A retraction goes at once (the refresher
 * invalidates the story's paths). The other changes matter only with a WebSub hub, and go either
 * at once (`invalidate`: the refresher invalidates the feeds, then pings) or delayed by the edge's
 * longest staleness (`wait`: when the refresher pings, no edge can still serve bytes older than the
 * change, so nothing needs invalidating; docs/scale.md §7 prices both). Sending is bounded and
 * never fails the projection: a lost notice leaves the edge to its TTL and the hub unpinged, and is
 * counted.
 */
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { StoryChange } from './edge-refresh';

export interface EdgeNotices {
  /** 'sent', 'none' (nothing for the edge to do), or 'lost' (logged). */
  send(changes: StoryChange[]): Promise<'sent' | 'none' | 'lost'>;
}

export interface NoticeOptions {
  /** A WebSub hub is configured: every change is pinged, not only retractions. */
  hub: boolean;
  /** How long the changes without a retraction wait before the refresher sees them (0: at once). */
  delaySeconds: number;
}

/** The messages for a batch's changes: retractions at once; the rest, with a hub only, after `delaySeconds`. */
export function noticesFor(changes: StoryChange[], options: NoticeOptions): { stories: StoryChange[]; delaySeconds: number }[] {
  const retracted = changes.filter((c) => c.retracted);
  const others = options.hub ? changes.filter((c) => !c.retracted) : [];
  if (options.delaySeconds === 0) {
    const stories = [...retracted, ...others];
    return stories.length > 0 ? [{ stories, delaySeconds: 0 }] : [];
  }
  return [
    ...(retracted.length > 0 ? [{ stories: retracted, delaySeconds: 0 }] : []),
    ...(others.length > 0 ? [{ stories: others, delaySeconds: options.delaySeconds }] : []),
  ];
}

export function sqsEdgeNotices(
  queueUrl: string,
  options: NoticeOptions & { log: (message: string, extra: Record<string, unknown>) => void; client?: SQSClient },
): EdgeNotices {
  // Two attempts of at most 2 s each: the worst a slow SQS costs a batch.
  const client = options.client ?? new SQSClient({ maxAttempts: 2, requestHandler: { requestTimeout: 2_000, connectionTimeout: 1_000 } });
  return {
    async send(changes) {
      const notices = noticesFor(changes, options);
      if (notices.length === 0) return 'none';
      try {
        await Promise.all(
          notices.map(({ stories, delaySeconds }) =>
            client.send(
              new SendMessageCommand({
                QueueUrl: queueUrl,
                MessageBody: JSON.stringify({ stories }),
                ...(delaySeconds > 0 ? { DelaySeconds: delaySeconds } : {}),
              }),
            ),
          ),
        );
        return 'sent';
      } catch (error) {
        options.log('edge notice lost: the edge keeps these stories until their TTL, the hub is not pinged', {
          stories: notices.flatMap((n) => n.stories.map((s) => s.storyId)),
          error: String(error),
        });
        return 'lost';
      }
    },
  };
}
