/**
 * What a story id may be, apart from the rest of the request schemas (updates.ts), so that the
 * routes that only check an id carry no more of the contract than this.
 */
import * as z from 'zod/mini';
import '../validation-messages';
import { LIMITS } from './limits';

// zod's mini API: every route with an {id} checks it, and the read function needs no more of zod than this.
export const storyIdSchema = z
  .string()
  .check(
    z.maxLength(LIMITS.storyId),
    z.regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be a lowercase slug: letters, digits and single hyphens'),
    z.meta({ description: 'A lowercase slug: letters, digits and single hyphens.', examples: ['kyrgyzstan-bakiyev-ouster-2010'] }),
  );
