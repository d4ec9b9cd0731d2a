/**
 * Loads story fixtures from events/ through the same validation and append path as the API.
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { openStorySchema, updateSchema } from '../../shared/domain/story/updates';
import type { StoryWriter } from '../../shared/application/story-writer';
import { progress } from './progress';

export const fixtureSchema = z.strictObject({
  story: openStorySchema,
  updates: z.array(z.strictObject({ recordedBy: z.string().min(1), update: updateSchema })),
});

export type StoryFixture = z.infer<typeof fixtureSchema>;

export const BAKIYEV_FIXTURE = new URL('../../events/bakiyev/story.json', import.meta.url);

export function readFixture(file: URL | string): StoryFixture {
  return fixtureSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

export async function loadFixture(writer: StoryWriter, fixture: StoryFixture, options: { quiet?: boolean } = {}): Promise<number> {
  const bar = progress(`Loading ${fixture.story.id}`, fixture.updates.length + 1, options.quiet);
  await writer.openStory(fixture.story, { editor: 'seed', idempotencyKey: `seed-${fixture.story.id}-open` });
  bar.tick();
  for (const [i, { recordedBy, update }] of fixture.updates.entries()) {
    // Idempotency keys make a seed that was interrupted safe to run again.
    await writer.recordUpdate(fixture.story.id, update, { editor: recordedBy, idempotencyKey: `seed-${fixture.story.id}-${i}` });
    bar.tick();
  }
  bar.done();
  return fixture.updates.length + 1;
}
