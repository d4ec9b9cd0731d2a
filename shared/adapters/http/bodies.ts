/**
 * The JSON bodies the write API validates, by the name the route table gives them. Apart from the
 * table (routes.ts names them by type only) so that the read function's bundle, which registers
 * its routes from the same table, does not carry the write contract's schemas.
 */
import { openStorySchema, updateSchema } from '../../domain/story/updates';

export const bodies = { openStory: openStorySchema, update: updateSchema } as const;

export type Bodies = typeof bodies;
