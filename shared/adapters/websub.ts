/**
 * WebSub publishing: after a feed changes, tell the hub (`hub.mode=publish&hub.url=<topic>`, a
 * form-encoded POST, the de-facto publish ping of the hubs in use) so it fetches the feed and
 * pushes it to subscribers. Best effort by design: a slow or failing hub costs a bounded time and
 * a log line, and never fails the projection that triggered it (readers still poll). Nothing here
 * runs on the projection's path: on AWS the edge refresher function pings (after the changed feeds
 * are fresh at the edge, edge-refresh.ts); locally the stream poller pings once a batch is
 * projected, without waiting for the hub.
 */
import { allStoriesFeedUrl, FEED_FORMATS, storyFeedUrl, type FeedContext } from '../domain/feeds/urls';

export interface WebSubOptions {
  hubUrl: string;
  /** Per attempt. */
  timeoutMs?: number;
  /** Retries after the first attempt, on network errors, timeouts, 429 and 5xx. */
  retries?: number;
  /** Backoff before retry n (1-based). */
  backoffMs?: (attempt: number) => number;
  /**
   * One budget for all the pings of one publish (a batch's), attempts and backoffs included: past
   * it every ping still in flight is abandoned, so a hung hub costs at most this, once per batch.
   */
  deadlineMs?: number;
  log?: (message: string, extra: Record<string, unknown>) => void;
  fetch?: typeof fetch;
}

export interface PublishOutcome {
  topic: string;
  ok: boolean;
  status?: number;
  attempts: number;
}

export class WebSubPublisher {
  constructor(private readonly options: WebSubOptions) {}

  /** Pings the hub once per topic, concurrently, within the one deadline. Never rejects. */
  async publish(topics: Iterable<string>): Promise<PublishOutcome[]> {
    const deadline = AbortSignal.timeout(this.options.deadlineMs ?? 10_000);
    return Promise.all([...new Set(topics)].map((topic) => this.publishOne(topic, deadline)));
  }

  private async publishOne(topic: string, deadline: AbortSignal): Promise<PublishOutcome> {
    const { hubUrl, timeoutMs = 2_000, retries = 2, backoffMs = (n) => 100 * 2 ** (n - 1) } = this.options;
    const doFetch = this.options.fetch ?? fetch;
    let status: number | undefined;
    let error: string | undefined;
    let attempt = 0;
    for (;;) {
      attempt++;
      try {
        const res = await doFetch(hubUrl, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ 'hub.mode': 'publish', 'hub.url': topic }).toString(),
          signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), deadline]),
        });
        status = res.status;
        await res.body?.cancel().catch(() => undefined);
        error = undefined;
        if (res.ok) return { topic, ok: true, status, attempts: attempt };
        // A 4xx other than 429 will not get better by asking again.
        if (status < 500 && status !== 429) break;
      } catch (e) {
        error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      }
      if (attempt > retries || deadline.aborted) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, backoffMs(attempt));
        function done() {
          clearTimeout(timer);
          deadline.removeEventListener('abort', done);
          resolve();
        }
        deadline.addEventListener('abort', done, { once: true });
      });
      if (deadline.aborted) {
        error = 'the batch’s deadline passed';
        break;
      }
    }
    this.options.log?.('websub publish failed', { hub: hubUrl, topic, status, error });
    return { topic, ok: false, ...(status === undefined ? {} : { status }), attempts: attempt };
  }
}

/** The feeds a change to these stories touches: each story's three feeds and the all-stories ones. */
export function changedFeedTopics(ctx: FeedContext, storyIds: Iterable<string>): string[] {
  const ids = [...storyIds];
  if (ids.length === 0) return [];
  return [...ids.flatMap((id) => FEED_FORMATS.map((f) => storyFeedUrl(ctx, id, f))), ...FEED_FORMATS.map((f) => allStoriesFeedUrl(ctx, f))];
}

/** Tells the hub (WEBSUB_HUB_URL) about the feeds of stories the projector just changed; a no-op without a hub. */
export interface FeedChangeNotifier {
  storiesChanged(storyIds: Iterable<string>): Promise<void>;
}

export function feedChangeNotifier(ctx: FeedContext, options: Omit<WebSubOptions, 'hubUrl'> = {}): FeedChangeNotifier {
  const publisher = ctx.hubUrl ? new WebSubPublisher({ ...options, hubUrl: ctx.hubUrl }) : undefined;
  return {
    async storiesChanged(storyIds) {
      if (publisher) await publisher.publish(changedFeedTopics(ctx, storyIds));
    },
  };
}
