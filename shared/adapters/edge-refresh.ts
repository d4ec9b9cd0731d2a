/**
 * Fresh at the edge before the WebSub ping, and a retraction at the edge at once.
 *
 * CloudFront keeps a feed for its max-age plus stale-while-revalidate (up to 90 s): a hub pinged
 * right after a projection would fetch the previous bytes through it. So on AWS the projector
 * only hands each batch's changes to a queue (never waiting for CloudFront or a hub), and the edge
 * refresher function, per batch of that queue: invalidates the changed paths on the distribution,
 * waits until CloudFront has done so, then pings the hub within one budget. A retraction is
 * invalidated at once, hub or not. The other changes (with a hub) either reach the refresher after
 * the edge's longest staleness has passed, and need no invalidation (`invalidateFeeds` false, the
 * default: free), or at once, and have their feeds invalidated (`invalidateFeeds`: pushes within
 * seconds, $0.005 a path); edge-notices.ts, docs/scale.md §7. The queue's batching window
 * coalesces the paths of many projector batches into one invalidation.
 */
import { createHash } from 'node:crypto';
import { CloudFrontClient, CreateInvalidationCommand, waitUntilInvalidationCompleted } from '@aws-sdk/client-cloudfront';
import { FEED_FORMATS, type FeedContext } from '../domain/feeds/urls';
import { changedFeedTopics, type WebSubPublisher } from './websub';

/** A story a projector batch moved, and whether what it applied retracted an update. */
export interface StoryChange {
  storyId: string;
  retracted: boolean;
}

/** What the projector queues for the edge refresher: one message per projected batch. */
export interface EdgeNotice {
  stories: StoryChange[];
}

export function parseEdgeNotice(body: string): EdgeNotice {
  const value = JSON.parse(body) as Partial<EdgeNotice> | null;
  if (
    typeof value !== 'object' ||
    value === null ||
    !Array.isArray(value.stories) ||
    !value.stories.every((s) => typeof s?.storyId === 'string' && typeof s.retracted === 'boolean')
  ) {
    throw new Error('not an edge notice: {"stories":[{"storyId","retracted"}]}');
  }
  return { stories: value.stories.map(({ storyId, retracted }) => ({ storyId, retracted })) };
}

/**
 * The distribution's paths to invalidate for these changes. A retraction: every path that may show
 * the withdrawn update, with every query variant (`*`): the story's pages, feeds, key-events
 * feeds, archives and permalinks, its JSON (view, event log, changes), the front page, the story
 * list and the all-stories feeds. With a hub to ping (`feeds`): the feeds the ping names, exact
 * paths (CloudFront allows 3,000 exact paths in flight, but 15 wildcards).
 */
export function edgePaths(changes: Iterable<StoryChange>, options: { feeds: boolean }): string[] {
  const paths = new Set<string>();
  const allStoriesFeeds = () => FEED_FORMATS.forEach((f) => paths.add(`/feed.${f}`));
  for (const { storyId, retracted } of changes) {
    const id = encodeURIComponent(storyId);
    if (retracted) {
      paths.add(`/stories/${id}*`);
      paths.add(`/api/stories/${id}*`);
      paths.add('/');
      paths.add('/api/stories');
      allStoriesFeeds();
    } else if (options.feeds) {
      FEED_FORMATS.forEach((f) => paths.add(`/stories/${id}/feed.${f}`));
      allStoriesFeeds();
    }
  }
  return [...paths].sort();
}

/** The edge's cache, as the refresher uses it. */
export interface EdgeCache {
  /**
   * Invalidates the paths and waits until they are invalidated everywhere: 'completed', or
   * 'pending' when the wait's budget ran out first. `reference` makes a retry of the same request
   * the same invalidation. Rejects when the invalidation could not be created (throttled, over the
   * in-flight limit): the queue then delivers the notices again.
   */
  invalidate(paths: string[], reference: string): Promise<'completed' | 'pending'>;
}

export function cloudFrontEdge(distributionId: string, options: { waitSeconds?: number; client?: CloudFrontClient } = {}): EdgeCache {
  const client = options.client ?? new CloudFrontClient({});
  const waitSeconds = options.waitSeconds ?? 120;
  return {
    async invalidate(paths, reference) {
      const created = await client.send(
        new CreateInvalidationCommand({
          DistributionId: distributionId,
          InvalidationBatch: { CallerReference: reference, Paths: { Quantity: paths.length, Items: paths } },
        }),
      );
      if (created.Invalidation?.Status === 'Completed') return 'completed';
      try {
        await waitUntilInvalidationCompleted(
          { client, maxWaitTime: waitSeconds, minDelay: 2, maxDelay: 10 },
          { DistributionId: distributionId, Id: created.Invalidation!.Id! },
        );
        return 'completed';
      } catch {
        return 'pending';
      }
    },
  };
}

export interface RefreshDeps {
  ctx: FeedContext;
  /** The distribution; none locally. */
  edge?: EdgeCache;
  /** The WebSub hub's publisher (its deadline is the pings' one budget); none without a hub. */
  publisher?: WebSubPublisher;
  /** Invalidate the changed feeds before the ping (else the notices arrive once the edge's copies are past their TTL). */
  invalidateFeeds?: boolean;
  log: (message: string, extra: Record<string, unknown>) => void;
}

export interface RefreshOutcome {
  paths: string[];
  invalidation?: 'completed' | 'pending';
  pinged: string[];
}

/**
 * Refreshes the edge for a batch of changes, then pings the hub about the changed feeds. Rejects
 * only when the invalidation could not be created, before any ping: a hub is never told about a
 * feed the edge may still hold stale. `batchId` names the batch (its queue message ids): delivered
 * again, it makes the same invalidation request, which CloudFront does not repeat.
 */
export async function refreshEdge(changes: StoryChange[], batchId: string, deps: RefreshDeps): Promise<RefreshOutcome> {
  const paths = edgePaths(changes, { feeds: deps.publisher !== undefined && deps.invalidateFeeds === true });
  let invalidation: RefreshOutcome['invalidation'];
  if (deps.edge && paths.length > 0) {
    const reference = createHash('sha256').update(batchId).update('\u0000').update(paths.join('\u0000')).digest('base64url').slice(0, 40);
    invalidation = await deps.edge.invalidate(paths, reference);
    if (invalidation === 'pending') deps.log('edge invalidation still in progress at the end of the wait: pinging anyway', { paths: paths.length });
  }
  const topics = deps.publisher ? changedFeedTopics(deps.ctx, new Set(changes.map((c) => c.storyId))) : [];
  if (deps.publisher && topics.length > 0) await deps.publisher.publish(topics);
  return { paths, ...(invalidation ? { invalidation } : {}), pinged: topics };
}
