/**
 * The reader's coalescing of concurrent misses: requests waiting for the same head share one read,
 * a read that began before an invalidation is not kept, and a later read started after the
 * invalidation is shared in turn, even when the older read settles while it is on its way.
 */
import { describe, expect, it } from 'vitest';
import { StoryReader } from '../../shared/application/story-reader';
import type { EventReader, GenerationViews } from '../../shared/application/ports';
import type { StoryHead } from '../../shared/domain/projection/story-view';

/** Views whose head reads wait until the test settles them, counted. */
function controlledViews() {
  const pending: ((head: StoryHead) => void)[] = [];
  const views = { generation: 'g1', head: () => new Promise<StoryHead>((resolve) => pending.push(resolve)) } as unknown as GenerationViews;
  return { views, pending };
}

const head = (version: number) => ({ storyId: 's', version }) as StoryHead;
const reader = (views: GenerationViews) =>
  new StoryReader(async () => views, {} as EventReader, { feed: { baseUrl: 'https://n.example', tagPrefix: 'tag:n.example,2026:' } });

describe('StoryReader coalescing', () => {
  it('shares one read among waiting requests, and a read begun after an invalidation among those after it', async () => {
    const { views, pending } = controlledViews();
    const r = reader(views);
    const first = [r.head('s'), r.head('s'), r.head('s')];
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(pending).toHaveLength(1);

    r.invalidate('s');
    const second = [r.head('s'), r.head('s')];
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(pending).toHaveLength(2);

    // The older read settles while the newer is on its way: the newer stays shared.
    pending[0]!(head(1));
    expect((await Promise.all(first)).map((h) => h?.version)).toEqual([1, 1, 1]);
    const third = r.head('s');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(pending).toHaveLength(2);

    pending[1]!(head(2));
    expect((await Promise.all([...second, third])).map((h) => h?.version)).toEqual([2, 2, 2]);
    // Kept: the next request is answered from memory.
    expect((await r.head('s'))?.version).toBe(2);
    expect(pending).toHaveLength(2);
  });
});
