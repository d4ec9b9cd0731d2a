/** The all-stories feed as it was built before the activity index: the reference its bytes are checked against (and measured against). */
import { latestChanges } from '../../shared/application/feed-entries';
import type { EventReader, GenerationViews } from '../../shared/application/ports';
import { allStoriesFeed } from '../../shared/domain/feeds/model';
import { renderFeed } from '../../shared/domain/feeds/render';
import type { FeedContext, FeedFormat } from '../../shared/domain/feeds/urls';
import type { StoryHead, TimelineEntry } from '../../shared/domain/projection/story-view';

/** Every story listed, then the latest changes of the most recently active merged, until no further story can have a newer change. */
export async function mergedFromEveryStory(
  views: GenerationViews,
  events: EventReader,
  ctx: FeedContext,
  format: FeedFormat,
  size = 50,
): Promise<string> {
  const stories = await views.listStories();
  const picked: { head: StoryHead; entries: TimelineEntry[] }[] = [];
  const changeTimes: string[] = [];
  for (const summary of stories.slice(0, size)) {
    const nth = changeTimes.length >= size ? changeTimes.sort().reverse()[size - 1]! : undefined;
    if (nth !== undefined && summary.lastEventAt < nth) break;
    const head = await views.head(summary.storyId);
    if (!head) continue;
    const entries = await latestChanges(views, events, summary.storyId, head.version, size);
    picked.push({ head, entries });
    changeTimes.push(...entries.map((e) => e.updatedAt));
  }
  return renderFeed(allStoriesFeed(picked, ctx, format, size), format);
}
