/** A story's line in the story list (the front page, `GET /api/stories`): its head, without the counts only the story page shows. */
import type { StoryHead } from './story-view';

export interface StorySummary {
  storyId: string;
  headline: string;
  summary: string;
  status: StoryHead['status'];
  language: string;
  version: number;
  openedAt: string;
  lastEventAt: string;
  updateCount: number;
}

export function summaryOf(head: StoryHead): StorySummary {
  return {
    storyId: head.storyId,
    headline: head.headline,
    summary: head.summary,
    status: head.status,
    language: head.language,
    version: head.version,
    openedAt: head.openedAt,
    lastEventAt: head.lastEventAt,
    updateCount: head.updateCount,
  };
}
