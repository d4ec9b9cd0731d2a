/**
 * What a story id may be, apart from the rest of the request schemas (updates.ts), so that the
 * routes that only check an id carry no more of the contract than this.
 */
import * as z from 'zod/mini';
import '../validation-messages';
import { LIMITS } from './limits';

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** The same rule as the schema, without building a parse result: every request with an {id} asks it (serve.ts). */
export const isStoryId = (id: string): boolean => id.length <= LIMITS.storyId && SLUG.test(id);

// zod's mini API: the request bodies (updates.ts) and the OpenAPI document take the rule from here.
export const storyIdSchema = z
  .string()
  .check(
    z.maxLength(LIMITS.storyId),
    z.regex(SLUG, 'must be a lowercase slug: letters, digits and single hyphens'),
    z.meta({ description: 'A lowercase slug: letters, digits and single hyphens.', examples: ['kyrgyzstan-bakiyev-ouster-2010'] }),
  );
