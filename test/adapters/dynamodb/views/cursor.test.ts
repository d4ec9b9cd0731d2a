/** The cursor codec: what the views hand out comes back as the same key; nothing else reaches DynamoDB. */
import { describe, expect, it } from 'vitest';
import { InvalidCursorError } from '../../../../shared/application/errors';
import { decodeCursor, decodeListCursor, encodeCursor, encodeListCursor } from '../../../../shared/adapters/dynamodb/views/cursor';
import { ViewLayout } from '../../../../shared/adapters/dynamodb/views/layout';
import { timelineKey } from '../../../../shared/domain/projection/story-view';

const layout = new ViewLayout('g1');
const pk = layout.storyPk('kyrgyzstan-bakiyev-ouster-2010');
const ID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

describe('timeline cursors', () => {
  it.each([
    ['a date', '2010-04-08'],
    ['a date-time with an offset', '2010-04-07T14:00:00+06:00'],
    ['a recordedAt', '2026-12-02T02:45:42.123Z'],
    // The API takes any number of fractional digits within the 40-character limit.
    ['a date-time with nineteen fractional digits', '2010-04-07T14:00:00.1234567890123456789+06:00'],
  ])('a LastEvaluatedKey of the timeline index (%s) comes back as itself, in either attribute order', (_, occurredAt) => {
    const key = { pk, sk: `u#${ID}`, timelineKey: timelineKey({ occurredAt, recordedAt: '2026-01-01T00:00:00.000Z', version: 12 }) };
    const cursor = encodeCursor(key)!;
    expect(decodeCursor(cursor, pk)).toEqual(key);
    expect(encodeCursor({ timelineKey: key.timelineKey, sk: key.sk, pk })).toBe(cursor);
    // A cursor handed out before a replay pages the same story in the next generation.
    const next = new ViewLayout('g2').storyPk('kyrgyzstan-bakiyev-ouster-2010');
    expect(decodeCursor(cursor, next)).toEqual({ ...key, pk: next });
  });

  it('no cursor is no start key', () => {
    expect(decodeCursor(undefined, pk)).toBeUndefined();
  });

  const good = { sk: `u#${ID}`, timelineKey: '2010-04-08#000000000012' };
  it.each([
    ['the empty string', ''],
    ['not base64url', 'x y'],
    ['base64 with padding', `${b64(good)}=`],
    ['not JSON', b64('{sk:')],
    ['a JSON string', b64('"u#x"')],
    ['an array', b64([good])],
    ['null', b64('null')],
    ['a partition key of its own', b64({ pk: 'g1#story#other', ...good })],
    ['an extra attribute', b64({ ...good, entry: 'x' })],
    ['no timelineKey', b64({ sk: good.sk })],
    ['a sort key of another item kind', b64({ ...good, sk: 'head' })],
    ['a revision sort key', b64({ ...good, sk: `r#${ID}#000000000003` })],
    ['a sort key that is no ULID', b64({ ...good, sk: 'u#01arz3ndektsv4rrffq69g5fav' })],
    ['a number for a sort key', b64({ ...good, sk: 7 })],
    ['a timelineKey without a version', b64({ ...good, timelineKey: '2010-04-08' })],
    ['a timelineKey with a short version', b64({ ...good, timelineKey: '2010-04-08#12' })],
    ['a timelineKey with no date', b64({ ...good, timelineKey: 'yesterday#000000000012' })],
    ['a 2,000-character timelineKey', b64({ ...good, timelineKey: `2010-04-07T14:00:00.${'1'.repeat(2000)}Z#000000000012` })],
    ['keys in another order (not as handed out)', b64({ timelineKey: good.timelineKey, sk: good.sk })],
    ['white space in the JSON', b64(JSON.stringify(good, null, 1))],
    ['a cursor of 3,000 characters', 'A'.repeat(3000)],
  ])('%s is refused with InvalidCursorError', (_, cursor) => {
    expect(() => decodeCursor(cursor, pk)).toThrow(InvalidCursorError);
  });

  it('the well-formed cursor of those refusals is accepted', () => {
    expect(decodeCursor(b64(good), pk)).toEqual({ ...good, pk });
  });
});

describe('story-list cursors (the activity index)', () => {
  const key = '2026-03-01T00:00:01.237Z#listed-001';

  it('come back as the activity key they were made from', () => {
    expect(decodeListCursor(encodeListCursor(key))).toBe(key);
  });

  it.each([
    ['an empty cursor', ''],
    ['not base64url', '$$'],
    ['padding', `${encodeListCursor(key)}=`],
    ['no story id', b64('2026-03-01T00:00:01.237Z#')],
    ['a story id that is no slug', b64('2026-03-01T00:00:01.237Z#Listed 001')],
    ['a time that is no ISO instant', b64('yesterday#listed-001')],
    ['a timeline cursor', encodeCursor({ sk: `u#${ID}`, timelineKey: '2010-04-08#000000000012' })!],
    ['a cursor of 3,000 characters', 'A'.repeat(3000)],
  ])('%s is refused with InvalidCursorError', (_, cursor) => {
    expect(() => decodeListCursor(cursor)).toThrow(InvalidCursorError);
  });
});
