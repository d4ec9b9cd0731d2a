/**
 * The cursor codec: a page's LastEvaluatedKey as the opaque `next` string clients pass back, and
 * back again. Every cursor the views hand out or take goes through these two functions (reads.ts).
 *
 * Cursors leave out the partition key (it names the generation), so a cursor handed out before a
 * replay switched generations still pages the same story afterwards.
 *
 * A cursor comes back from anyone, so it is checked strictly rather than signed (a signature would
 * need a secret shared by every Lambda container and rotated with care): the one paged query that
 * takes a cursor is the timeline's (index byTimeline), whose LastEvaluatedKey is the table key and
 * the index key, so a cursor must be exactly `{sk, timelineKey}` as layout.ts writes them, in the
 * canonical encoding encodeCursor gives. Anything else throws InvalidCursorError and never reaches
 * DynamoDB as an ExclusiveStartKey. A well-formed cursor that no page ended at only starts a page
 * at that point of this story's timeline, which any reader can do.
 */
import { InvalidCursorError } from '../../../application/errors';
import { MAX_CURSOR_LENGTH } from '../../../application/ports';
import type { Item } from './layout';

/** A calendar date, or a date-time with a zone, as the API accepts them (at most 40 characters). */
const ISO_DATE_OR_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** `u#<updateId>`: an entry's sort key (a ULID). */
const ENTRY_SK = /^u#[0-9A-HJKMNP-TV-Z]{26}$/;

/** `<occurredAt or recordedAt>#<version, 12 digits>` (timelineKey in story-view.ts). */
function isTimelineKey(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const at = value.lastIndexOf('#');
  const when = value.slice(0, at);
  // The date part is an accepted ISO date or date-time (updates.ts); a regex here, not the zod
  // schema, keeps zod out of the bundles that only read (the projector's among them).
  return at > 0 && /^\d{12}$/.test(value.slice(at + 1)) && ISO_DATE_OR_TIME.test(when) && !Number.isNaN(Date.parse(when));
}

export function encodeCursor(key: Item | undefined): string | undefined {
  if (!key) return undefined;
  const { pk: _, ...rest } = key;
  // Keys in a fixed order: one key, one cursor, whatever order DynamoDB sent the attributes in.
  const sorted = Object.fromEntries(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return Buffer.from(JSON.stringify(sorted)).toString('base64url');
}

/** The timeline key to start after, within the partition `pk`; undefined for no cursor. Throws InvalidCursorError for one the views did not hand out. */
export function decodeCursor(cursor: string | undefined, pk: string): Item | undefined {
  if (cursor === undefined) return undefined;
  // Longer than any real cursor (about 130 characters): refused before it is decoded.
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new InvalidCursorError('malformed cursor');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('malformed cursor');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new InvalidCursorError('malformed cursor');
  const key = parsed as Item;
  const names = Object.keys(key);
  const wellFormed =
    names.length === 2 && typeof key.sk === 'string' && ENTRY_SK.test(key.sk) && isTimelineKey(key.timelineKey) && encodeCursor(key) === cursor;
  if (!wellFormed) throw new InvalidCursorError('not a timeline cursor');
  return { sk: key.sk as string, timelineKey: key.timelineKey as string, pk };
}

/** `<lastEventAt>#<storyId>`: a story-list line's activity key (layout.ts). */
const STORY_ACTIVITY_KEY = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)#([a-z0-9]+(?:-[a-z0-9]+)*)$/;

/**
 * A story-list page's cursor: the activity key of the last story it showed, base64url. The next
 * page is the stories whose last event is older (by that key). Checked strictly, like the timeline's.
 */
export function encodeListCursor(activityKey: string): string {
  return Buffer.from(activityKey).toString('base64url');
}

/** The activity key to page on from; throws InvalidCursorError for one encodeListCursor did not give. */
export function decodeListCursor(cursor: string): string {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new InvalidCursorError('malformed cursor');
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!STORY_ACTIVITY_KEY.test(key) || encodeListCursor(key) !== cursor) throw new InvalidCursorError('not a story-list cursor');
  return key;
}
