/**
 * The cursor codec: a page's LastEvaluatedKey as the opaque `next` string clients pass back, and
 * back again. Every cursor the views hand out or take goes through these two functions (reads.ts),
 * so this is the one place to change what a cursor holds (e.g. to sign it).
 *
 * Cursors leave out the partition key (it names the generation), so a cursor handed out before a
 * replay switched generations still pages the same story afterwards.
 */
import type { Item } from './layout';

export function encodeCursor(key: Item | undefined): string | undefined {
  if (!key) return undefined;
  const { pk: _, ...rest } = key;
  return Buffer.from(JSON.stringify(rest)).toString('base64url');
}

/** The key to start after, within the partition `pk`; undefined for no cursor or one that does not decode. */
export function decodeCursor(cursor: string | undefined, pk: string): Item | undefined {
  if (!cursor) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? { ...(parsed as Item), pk } : undefined;
  } catch {
    return undefined;
  }
}
