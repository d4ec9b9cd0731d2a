import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../../shared/domain/story/limits';
import { isStoryId, storyIdSchema } from '../../../shared/domain/story/story-id';

const ids = [
  'kyrgyzstan-bakiyev-ouster-2010',
  'a',
  '2010',
  'a'.repeat(LIMITS.storyId),
  'a'.repeat(LIMITS.storyId + 1),
  '',
  '-a',
  'a-',
  'a--b',
  'A',
  'a_b',
  'a b',
  'a/b',
  'é',
  'a\nb',
  '..',
];

describe('isStoryId', () => {
  it.each(ids)('agrees with the schema on %j', (id) => {
    expect(isStoryId(id)).toBe(storyIdSchema.safeParse(id).success);
  });

  it('agrees with the schema on any string of slug and other characters, up to past the limit', () => {
    const unit = fc.constantFrom('a', 'z', '0', '9', '-', '-', 'A', '_', ' ', '/', 'é', '\n');
    fc.assert(fc.property(fc.string({ unit, maxLength: LIMITS.storyId + 5 }), (id) => isStoryId(id) === storyIdSchema.safeParse(id).success));
  });

  it('takes a slug up to the limit and nothing else', () => {
    expect(ids.filter(isStoryId)).toEqual(['kyrgyzstan-bakiyev-ouster-2010', 'a', '2010', 'a'.repeat(LIMITS.storyId)]);
  });
});
