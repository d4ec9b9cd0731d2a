/**
 * The permalink of one update (`/stories/{id}/updates/{updateId}`): feed entries link here, and
 * it always shows the update as it stands, with its correction notes, or only its retraction
 * notice. One entry read, whatever the story's length.
 */
import { escapeHtml as e } from '../html';
import type { StoryHead, TimelineEntry } from '../projection/story-view';
import { entryHtml, entryLabel } from './entry';
import { bdi, layout, storyPath, updatePath } from './parts';
import type { PageContext } from './story-page';

export function updatePage(ctx: Omit<PageContext, 'pollSeconds'>, head: StoryHead, entry: TimelineEntry): string {
  const label = entryLabel(entry);
  const body = `<article class="update-page">
<p class="small"><a href="${storyPath(head.storyId)}">← ${bdi(head.headline)}</a> · <span class="status ${e(head.status)}">${e(head.status)}</span></p>
<h1 dir="auto">${e(label)}</h1>
<ol class="timeline">${entryHtml(entry)}</ol>
<p class="small"><a href="${storyPath(head.storyId)}">Follow the live story</a></p>
</article>`;
  return layout(ctx.assets, {
    title: `${label} – ${head.headline}`,
    lang: head.language,
    head: `<link rel="canonical" href="${e(ctx.baseUrl + updatePath(head.storyId, entry.updateId))}">`,
    body,
  });
}
