/**
 * What a story id may be, apart from the rest of the request schemas (updates.ts), so that the
 * routes that only check an id carry no more of the contract than this.
 */
import * as z from 'zod';
import { LIMITS } from './limits';

export const storyIdSchema = z
  .string()
  .max(LIMITS.storyId)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be a lowercase slug: letters, digits and single hyphens')
  .meta({ description: 'A lowercase slug: letters, digits and single hyphens.', examples: ['kyrgyzstan-bakiyev-ouster-2010'] });
