/** HTML pages: the front page and a story's live page. */
import { frontPage, storyPage } from '../../domain/pages/render';
import type { StoryReader } from '../../application/story-reader';
import { represent } from '../../application/representation';
import { respond } from './conditional';
import { problemResponse, problems } from './problem';
import type { Handlers } from './serve';

const HTML = 'text/html; charset=utf-8';

export function pageHandlers(reader: StoryReader): Pick<Handlers<'read'>, 'frontPage' | 'storyPage'> {
  return {
    frontPage: async (c) => {
      const stories = await (await reader.views()).listStories();
      return respond(
        c.req.raw,
        represent(
          frontPage(stories),
          HTML,
          stories
            .map((s) => s.lastEventAt)
            .sort()
            .at(-1),
        ),
      );
    },

    storyPage: async (c) => {
      const storyId = c.req.param('id')!;
      const views = await reader.views();
      const head = await views.head(storyId);
      if (!head) return problemResponse(c, problems.storyNotFound(storyId));
      // A cursor the views did not hand out is a 400 naming /query/cursor (views/cursor.ts, problem.ts).
      const [page, keyPoints, people, sources] = await Promise.all([
        views.timeline(storyId, 100, c.req.query('cursor')),
        views.keyPoints(storyId, 20),
        views.people(storyId),
        views.sources(storyId),
      ]);
      const html = storyPage(head, { timeline: page.items, keyPoints, people, sources, ...(page.next ? { next: page.next } : {}) });
      return respond(c.req.raw, represent(html, HTML, head.lastEventAt));
    },
  };
}
