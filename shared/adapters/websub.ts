/**
 * WebSub publishing: after a feed changes, tell the hub (`hub.mode=publish&hub.url=<topic>`, a
 * form-encoded POST, the de-facto publish ping of the hubs in use) so it fetches the feed and
 * pushes it to subscribers. Best effort by design: a slow or failing hub costs a bounded time and
 * a log line, and never fails the projection that triggered it (readers still poll).
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

  /** Pings the hub once per topic, concurrently. Never rejects. */
  async publish(topics: Iterable<string>): Promise<PublishOutcome[]> {
    return Promise.all([...new Set(topics)].map((topic) => this.publishOne(topic)));
  }

  private async publishOne(topic: string): Promise<PublishOutcome> {
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
          signal: AbortSignal.timeout(timeoutMs),
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
      if (attempt > retries) break;
      await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt)));
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
