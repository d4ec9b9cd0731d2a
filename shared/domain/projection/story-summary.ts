/** A story's line in the story list (the front page, `GET /api/stories`): its head, with its counts. */
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
  /** Absent from summaries written before they were added: read as none until the story's next event or a replay writes them. */
  correctionCount?: number;
  retractionCount?: number;
  /** recordedAt of the latest article or statement. */
  lastUpdateAt?: string;
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
    correctionCount: head.correctionCount,
    retractionCount: head.retractionCount,
    ...(head.lastUpdateAt ? { lastUpdateAt: head.lastUpdateAt } : {}),
  };
}
