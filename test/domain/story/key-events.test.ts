/** Decider specs (given/when/then) for key events and the pin: every command, and every refusal. */
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../../shared/domain/errors';
import type { CommandMetadata, StoryCommand } from '../../../shared/domain/story/decider';
import { CURRENT_SCHEMA_VERSION } from '../../../shared/domain/story/events';
import { updateSchema, type UpdateInput } from '../../../shared/domain/story/updates';
import { given } from '../../support/decider-spec';
import { article, opened, statement, stored } from '../../support/events';

const meta: CommandMetadata = { now: '2026-11-23T10:00:00.000Z', updateId: '01J0000000000000000000000K', editor: 'anna' };
const expectedMeta = (occurredAt?: string) => ({
  storyId: 'story-1',
  updateId: meta.updateId,
  schemaVersion: CURRENT_SCHEMA_VERSION,
  recordedAt: meta.now,
  recordedBy: 'anna',
  ...(occurredAt ? { occurredAt } : {}),
});
const record = (update: UpdateInput): StoryCommand => ({ type: 'RecordUpdate', data: { storyId: 'story-1', update }, metadata: meta });

const a = article(2);
const s = statement(3);
const id = (e: { metadata: { updateId: string } }) => e.metadata.updateId;
const retracted = (target: string, version: number) => stored('UpdateRetracted', { target, reason: 'Not verified' }, { version });
const marked = (target: string, version: number) => stored('KeyEventMarked', { target }, { version });
const unmarked = (target: string, version: number) => stored('KeyEventUnmarked', { target }, { version });
const pinned = (target: string, version: number) => stored('UpdatePinned', { target }, { version });
const unpinnedEvent = (target: string, version: number) => stored('UpdateUnpinned', { target }, { version });
const headline = stored('HeadlineChanged', { headline: 'New' }, { version: 4 });
const correction = stored('UpdateCorrected', { target: id(s), changes: { quote: 'Q' }, note: 'N' }, { version: 4 });

describe('posting a key event', () => {
  it('given a story, when an article is posted with keyEvent true, then ArticlePublished stores keyEvent: true', () => {
    const update = { type: 'article' as const, title: 'T', url: 'https://example.org/a', outlet: 'O', publishedAt: '2010-04-08', keyEvent: true };
    given(opened())
      .when(record(update))
      .then([
        {
          type: 'ArticlePublished',
          data: { title: 'T', url: 'https://example.org/a', outlet: 'O', publishedAt: '2010-04-08', keyEvent: true },
          metadata: expectedMeta('2010-04-08'),
        },
      ]);
  });

  it('given a story, when a statement is posted with keyEvent false, then nothing about it is stored (false is every update)', () => {
    const update = { type: 'statement' as const, speaker: { name: 'R' }, quote: 'Q', speech: 'direct' as const, keyEvent: false };
    given(opened())
      .when(record(update))
      .then([{ type: 'StatementRecorded', data: { speaker: { name: 'R' }, quote: 'Q', speech: 'direct' }, metadata: expectedMeta() }]);
  });

  it('given a key event, when a correction tries to change keyEvent, then a conflict naming the field (marking is its own update)', () => {
    given(opened(), a)
      .when(record({ type: 'correction', target: id(a), changes: { keyEvent: false } as never, note: 'n' }))
      .thenThrows(ConflictError, /cannot change keyEvent/);
  });
});

describe('marking and unmarking key events', () => {
  it('given an article, when it is marked, then KeyEventMarked', () => {
    given(opened(), a)
      .when(record({ type: 'key-event', target: id(a), keyEvent: true }))
      .then([{ type: 'KeyEventMarked', data: { target: id(a) }, metadata: expectedMeta() }]);
  });

  it('given a marked statement, when it is unmarked, then KeyEventUnmarked', () => {
    given(opened(), a, s, marked(id(s), 4))
      .when(record({ type: 'key-event', target: id(s), keyEvent: false }))
      .then([{ type: 'KeyEventUnmarked', data: { target: id(s) }, metadata: expectedMeta() }]);
  });

  it('given an article posted as a key event, when it is unmarked, then KeyEventUnmarked', () => {
    const key = stored('ArticlePublished', { ...a.data, keyEvent: true }, { version: 2 });
    given(opened(), key)
      .when(record({ type: 'key-event', target: id(key), keyEvent: false }))
      .then([{ type: 'KeyEventUnmarked', data: { target: id(key) }, metadata: expectedMeta() }]);
  });

  it('given a key event, when it is marked again, then a conflict naming keyEvent', () => {
    given(opened(), a, marked(id(a), 3))
      .when(record({ type: 'key-event', target: id(a), keyEvent: true }))
      .thenThrows(ConflictError, /is a key event already/);
  });

  it('given an update that is no key event (or no longer), when it is unmarked, then a conflict', () => {
    given(opened(), a)
      .when(record({ type: 'key-event', target: id(a), keyEvent: false }))
      .thenThrows(ConflictError, /is not a key event/);
    given(opened(), a, marked(id(a), 3), unmarked(id(a), 4))
      .when(record({ type: 'key-event', target: id(a), keyEvent: false }))
      .thenThrows(ConflictError, /is not a key event/);
  });

  it('given a retracted update, when it is marked, then a conflict (409): it cannot be marked as a key event', () => {
    given(opened(), a, retracted(id(a), 3))
      .when(record({ type: 'key-event', target: id(a), keyEvent: true }))
      .thenThrows(ConflictError, /is retracted: it cannot be marked as a key event/);
  });

  it('given a key event retracted, when it is unmarked, then a conflict: the retraction took it out already', () => {
    given(opened(), a, marked(id(a), 3), retracted(id(a), 4))
      .when(record({ type: 'key-event', target: id(a), keyEvent: false }))
      .thenThrows(ConflictError, /is retracted/);
  });

  it('given a correction, a retraction or a headline change, when its id is marked, then not found (404): only articles and statements are', () => {
    given(opened(), a, s, correction)
      .when(record({ type: 'key-event', target: id(correction), keyEvent: true }))
      .thenThrows(NotFoundError);
    const retraction = retracted(id(s), 4);
    given(opened(), a, s, retraction)
      .when(record({ type: 'key-event', target: id(retraction), keyEvent: true }))
      .thenThrows(NotFoundError);
    given(opened(), a, headline)
      .when(record({ type: 'key-event', target: id(headline), keyEvent: true }))
      .thenThrows(NotFoundError);
  });

  it('given no such update, when it is marked, then not found', () => {
    given(opened())
      .when(record({ type: 'key-event', target: '01J00000000000000000000000', keyEvent: true }))
      .thenThrows(NotFoundError);
  });
});

describe('pinning and unpinning', () => {
  it('given nothing pinned, when an article is pinned, then UpdatePinned with nothing replaced', () => {
    given(opened(), a)
      .when(record({ type: 'pin', target: id(a) }))
      .then([{ type: 'UpdatePinned', data: { target: id(a) }, metadata: expectedMeta() }]);
  });

  it('given a pinned article, when a statement is pinned, then one UpdatePinned that names the pin it replaced', () => {
    given(opened(), a, s, pinned(id(a), 4))
      .when(record({ type: 'pin', target: id(s) }))
      .then([{ type: 'UpdatePinned', data: { target: id(s), replaced: id(a) }, metadata: expectedMeta() }]);
  });

  it('given the pinned update, when it is pinned again, then a conflict', () => {
    given(opened(), a, pinned(id(a), 3))
      .when(record({ type: 'pin', target: id(a) }))
      .thenThrows(ConflictError, /is pinned already/);
  });

  it('given a retracted update, when it is pinned, then a conflict (409)', () => {
    given(opened(), a, retracted(id(a), 3))
      .when(record({ type: 'pin', target: id(a) }))
      .thenThrows(ConflictError, /is retracted: it cannot be pinned/);
  });

  it('given a correction or a headline change, when its id is pinned, then not found (404)', () => {
    given(opened(), a, s, correction)
      .when(record({ type: 'pin', target: id(correction) }))
      .thenThrows(NotFoundError);
    given(opened(), a, headline)
      .when(record({ type: 'pin', target: id(headline) }))
      .thenThrows(NotFoundError);
    given(opened())
      .when(record({ type: 'pin', target: '01J00000000000000000000000' }))
      .thenThrows(NotFoundError);
  });

  it('given a pinned update, when unpinned, then UpdateUnpinned naming it', () => {
    given(opened(), a, s, pinned(id(a), 4), pinned(id(s), 5))
      .when(record({ type: 'unpin' }))
      .then([{ type: 'UpdateUnpinned', data: { target: id(s) }, metadata: expectedMeta() }]);
  });

  it('given nothing pinned, when unpinned, then a conflict (409), never an event that changes nothing', () => {
    given(opened(), a)
      .when(record({ type: 'unpin' }))
      .thenThrows(ConflictError, /nothing is pinned/);
    given(opened(), a, pinned(id(a), 3), unpinnedEvent(id(a), 4))
      .when(record({ type: 'unpin' }))
      .thenThrows(ConflictError, /nothing is pinned/);
  });

  it('given the pinned update retracted, when unpinned, then a conflict: the retraction unpinned it', () => {
    given(opened(), a, pinned(id(a), 3), retracted(id(a), 4))
      .when(record({ type: 'unpin' }))
      .thenThrows(ConflictError, /nothing is pinned/);
  });

  it('given a pinned update and another retracted, when unpinned, then the pin stands until then', () => {
    given(opened(), a, s, pinned(id(a), 4), retracted(id(s), 5))
      .when(record({ type: 'unpin' }))
      .then([{ type: 'UpdateUnpinned', data: { target: id(a) }, metadata: expectedMeta() }]);
  });

  it('given no story, when something is pinned, then not found', () => {
    given()
      .when(record({ type: 'pin', target: id(a) }))
      .thenThrows(NotFoundError);
  });
});

describe('the update bodies', () => {
  const parse = (body: unknown) => updateSchema.safeParse(body);
  const paths = (body: unknown) => (parse(body).error?.issues ?? []).map((i) => i.path.join('/'));

  it('take key-event, pin and unpin bodies, and keyEvent on articles and statements', () => {
    expect(parse({ type: 'key-event', target: id(a), keyEvent: false }).success).toBe(true);
    expect(parse({ type: 'pin', target: id(a) }).success).toBe(true);
    expect(parse({ type: 'unpin' }).success).toBe(true);
    expect(parse({ type: 'statement', speaker: { name: 'R' }, quote: 'Q', keyEvent: true }).data).toMatchObject({ keyEvent: true });
  });

  it('refuse a missing or non-boolean keyEvent, a target that is no update id, and an unpin with a target, naming the field', () => {
    expect(paths({ type: 'key-event', target: id(a) })).toEqual(['keyEvent']);
    expect(paths({ type: 'key-event', target: id(a), keyEvent: 'yes' })).toEqual(['keyEvent']);
    expect(paths({ type: 'pin', target: 'not-an-id' })).toEqual(['target']);
    expect(paths({ type: 'pin' })).toEqual(['target']);
    expect(parse({ type: 'unpin', target: id(a) }).success).toBe(false);
    expect(paths({ type: 'article', title: 'T', url: 'https://example.org/', outlet: 'O', publishedAt: '2010-04-08', keyEvent: 1 })).toEqual([
      'keyEvent',
    ]);
  });
});
