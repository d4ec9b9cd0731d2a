/** Decider specs (given/when/then) for embargoed updates: posting, revising, cancelling, rescheduling, releasing, and every refusal. */
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '../../../shared/domain/errors';
import { decide, evolve, initialState, type CommandMetadata, type StoryCommand } from '../../../shared/domain/story/decider';
import { CURRENT_SCHEMA_VERSION, isEmbargoed, SYSTEM_EDITOR, type StoryEvent } from '../../../shared/domain/story/events';
import { updateSchema, type UpdateInput } from '../../../shared/domain/story/updates';
import { given } from '../../support/decider-spec';
import { article, opened, statement, stored } from '../../support/events';

const NOW = '2026-11-23T10:00:00.000Z';
const meta: CommandMetadata = { now: NOW, updateId: '01J0000000000000000000000K', editor: 'anna' };
const expectedMeta = (occurredAt?: string, recordedBy = 'anna', now = NOW) => ({
  storyId: 'story-1',
  updateId: meta.updateId,
  schemaVersion: CURRENT_SCHEMA_VERSION,
  recordedAt: now,
  recordedBy,
  ...(occurredAt ? { occurredAt } : {}),
});
const record = (update: UpdateInput, now = NOW): StoryCommand => ({
  type: 'RecordUpdate',
  data: { storyId: 'story-1', update },
  metadata: { ...meta, now },
});
const release = (target: string, now: string): StoryCommand => ({
  type: 'ReleaseUpdate',
  data: { storyId: 'story-1', target },
  metadata: { ...meta, now, editor: SYSTEM_EDITOR },
});
const parse = (body: unknown) => updateSchema.parse(body);

const RELEASE = '2026-11-23T12:00:00.000Z';
const id = (e: { metadata: { updateId: string } }) => e.metadata.updateId;
const pendingStatement = (version: number, releaseAt = RELEASE) =>
  stored('StatementRecorded', { ...statement(version).data, releaseAt }, { version });
const pendingArticle = (version: number, releaseAt = RELEASE) =>
  stored('ArticlePublished', { ...article(version).data, releaseAt }, { version, occurredAt: '2010-04-08' });
const released = (target: string, version: number, releaseAt = RELEASE) =>
  stored('UpdateReleased', { target, releaseAt }, { version, recordedBy: SYSTEM_EDITOR });
const cancelled = (target: string, version: number) => stored('ReleaseCancelled', { target, reason: 'Embargo lifted elsewhere' }, { version });

describe('posting under embargo', () => {
  it('given a story, when a statement is posted with releaseAt (any zone), then StatementRecorded stores it in UTC', () => {
    const update = parse({ type: 'statement', speaker: { name: 'R' }, quote: 'Q', releaseAt: '2026-11-23T18:00:00+06:00' });
    given(opened())
      .when(record(update))
      .then([
        { type: 'StatementRecorded', data: { speaker: { name: 'R' }, quote: 'Q', speech: 'direct', releaseAt: RELEASE }, metadata: expectedMeta() },
      ]);
  });

  it('given a story, when an article is posted with releaseAt and keyEvent, then both are stored', () => {
    const update = parse({
      type: 'article',
      title: 'T',
      url: 'https://example.org/a',
      outlet: 'O',
      publishedAt: '2010-04-08',
      keyEvent: true,
      releaseAt: RELEASE,
    });
    given(opened())
      .when(record(update))
      .then([
        {
          type: 'ArticlePublished',
          data: { title: 'T', url: 'https://example.org/a', outlet: 'O', publishedAt: '2010-04-08', keyEvent: true, releaseAt: RELEASE },
          metadata: expectedMeta('2010-04-08'),
        },
      ]);
  });

  it.each([
    ['now', NOW, /in the future/],
    ['in the past', '2026-11-23T09:59:59Z', /in the future/],
    ['more than 30 days ahead', '2026-12-23T10:00:01Z', /at most 30 days/],
  ])('given a story, when releaseAt is %s, then a 400 naming releaseAt', (_, releaseAt, message) => {
    const update = parse({ type: 'statement', speaker: { name: 'R' }, quote: 'Q', releaseAt });
    given(opened()).when(record(update)).thenThrows(ValidationError, message);
    const caught = (() => {
      try {
        decide(record(update), [opened()].reduce(evolve, initialState()));
      } catch (error) {
        return error as ValidationError;
      }
    })();
    expect(caught?.issues.map((i) => i.pointer)).toEqual(['/releaseAt']);
  });

  it('given a story, when releaseAt is exactly 30 days ahead, then it is accepted', () => {
    const update = parse({ type: 'statement', speaker: { name: 'R' }, quote: 'Q', releaseAt: '2026-12-23T10:00:00Z' });
    expect(decide(record(update), [opened()].reduce(evolve, initialState()))[0]!.data).toMatchObject({ releaseAt: '2026-12-23T10:00:00.000Z' });
  });

  it('refuses a releaseAt with no zone or not a date-time at the schema (400 before the decider)', () => {
    for (const releaseAt of ['2026-11-23T12:00:00', '2026-11-23', 'tomorrow', 12]) {
      const result = updateSchema.safeParse({ type: 'statement', speaker: { name: 'R' }, quote: 'Q', releaseAt });
      expect(result.success).toBe(false);
      expect(result.error!.issues[0]!.path).toEqual(['releaseAt']);
    }
  });
});

describe('before the release', () => {
  const p = pendingStatement(2);

  it('given a pending statement, when it is corrected, then ScheduledUpdateRevised (folded in silently, not an UpdateCorrected)', () => {
    given(opened(), p)
      .when(record({ type: 'correction', target: id(p), changes: { quote: 'Q2' }, note: 'typo' }))
      .then([{ type: 'ScheduledUpdateRevised', data: { target: id(p), changes: { quote: 'Q2' }, note: 'typo' }, metadata: expectedMeta() }]);
  });

  it('given a pending statement, when it is retracted, then ReleaseCancelled', () => {
    given(opened(), p)
      .when(record({ type: 'retraction', target: id(p), reason: 'Embargo broken' }))
      .then([{ type: 'ReleaseCancelled', data: { target: id(p), reason: 'Embargo broken' }, metadata: expectedMeta() }]);
  });

  it('given a pending statement, when it is rescheduled, then UpdateRescheduled with the time it had', () => {
    given(opened(), p)
      .when(record(parse({ type: 'reschedule', target: id(p), releaseAt: '2026-11-24T08:00:00+02:00' })))
      .then([
        { type: 'UpdateRescheduled', data: { target: id(p), releaseAt: '2026-11-24T06:00:00.000Z', previous: RELEASE }, metadata: expectedMeta() },
      ]);
  });

  it('given a pending statement, when it is rescheduled into the past or beyond 30 days, then a 400 naming releaseAt', () => {
    given(opened(), p)
      .when(record({ type: 'reschedule', target: id(p), releaseAt: '2026-11-22T00:00:00Z' }))
      .thenThrows(ValidationError, /in the future/);
    given(opened(), p)
      .when(record({ type: 'reschedule', target: id(p), releaseAt: '2027-01-01T00:00:00Z' }))
      .thenThrows(ValidationError, /at most 30 days/);
  });

  it('given a pending statement, when it is rescheduled to the time it has, then a conflict', () => {
    given(opened(), p)
      .when(record({ type: 'reschedule', target: id(p), releaseAt: RELEASE }))
      .thenThrows(ConflictError, /already/);
  });

  it('given a pending statement, when it is pinned, then a conflict: nothing unreleased is pinned', () => {
    given(opened(), p)
      .when(record({ type: 'pin', target: id(p) }))
      .thenThrows(ConflictError, /not released yet/);
  });

  it('given a pending statement, when it is marked as a key event, then a conflict (post it with keyEvent: true instead)', () => {
    given(opened(), p)
      .when(record({ type: 'key-event', target: id(p), keyEvent: true }))
      .thenThrows(ConflictError, /not released yet/);
  });
});

describe('rescheduling what is not pending', () => {
  it('given a released statement, when it is rescheduled, then a conflict', () => {
    const p = pendingStatement(2);
    given(opened(), p, released(id(p), 3))
      .when(record({ type: 'reschedule', target: id(p), releaseAt: '2026-11-24T00:00:00Z' }))
      .thenThrows(ConflictError, /not pending/);
  });

  it('given a cancelled statement, when it is rescheduled, then a conflict', () => {
    const p = pendingStatement(2);
    given(opened(), p, cancelled(id(p), 3))
      .when(record({ type: 'reschedule', target: id(p), releaseAt: '2026-11-24T00:00:00Z' }))
      .thenThrows(ConflictError, /cancelled/);
  });

  it('given a statement never embargoed, when it is rescheduled, then a conflict', () => {
    const s = statement(2);
    given(opened(), s)
      .when(record({ type: 'reschedule', target: id(s), releaseAt: '2026-11-24T00:00:00Z' }))
      .thenThrows(ConflictError, /not pending/);
  });

  it('given a story, when an unknown update is rescheduled, then not found', () => {
    given(opened())
      .when(record({ type: 'reschedule', target: '01J0000000000000000000000Z', releaseAt: '2026-11-24T00:00:00Z' }))
      .thenThrows(NotFoundError);
  });

  it('given a cancelled statement, when it is corrected or retracted, then a conflict', () => {
    const p = pendingStatement(2);
    given(opened(), p, cancelled(id(p), 3))
      .when(record({ type: 'correction', target: id(p), changes: { quote: 'Q' }, note: 'n' }))
      .thenThrows(ConflictError, /cancelled/);
    given(opened(), p, cancelled(id(p), 3))
      .when(record({ type: 'retraction', target: id(p), reason: 'r' }))
      .thenThrows(ConflictError, /cancelled/);
  });
});

describe('the release', () => {
  const p = pendingArticle(2);

  it('given a pending article due now, when the system releases it, then UpdateReleased recorded by system', () => {
    given(opened(), p)
      .when(release(id(p), RELEASE))
      .then([{ type: 'UpdateReleased', data: { target: id(p), releaseAt: RELEASE }, metadata: expectedMeta(undefined, SYSTEM_EDITOR, RELEASE) }]);
  });

  it('given a pending article released late (the server was down), then UpdateReleased keeps its release time', () => {
    const later = '2026-11-25T00:00:00.000Z';
    given(opened(), p)
      .when(release(id(p), later))
      .then([{ type: 'UpdateReleased', data: { target: id(p), releaseAt: RELEASE }, metadata: expectedMeta(undefined, SYSTEM_EDITOR, later) }]);
  });

  it('given a pending article rescheduled later, when the old time comes, then nothing (not due yet)', () => {
    const moved = stored('UpdateRescheduled', { target: id(p), releaseAt: '2026-11-24T00:00:00.000Z', previous: RELEASE }, { version: 3 });
    given(opened(), p, moved)
      .when(release(id(p), RELEASE))
      .then([]);
  });

  it('is idempotent: a release of what is not due, released already, cancelled, not embargoed or unknown decides nothing, never an error', () => {
    given(opened(), p)
      .when(release(id(p), '2026-11-23T11:59:59.999Z'))
      .then([]);
    given(opened(), p, released(id(p), 3))
      .when(release(id(p), RELEASE))
      .then([]);
    given(opened(), p, cancelled(id(p), 3))
      .when(release(id(p), RELEASE))
      .then([]);
    const s = statement(2);
    given(opened(), s)
      .when(release(id(s), RELEASE))
      .then([]);
    given(opened()).when(release('01J0000000000000000000000Z', RELEASE)).then([]);
    given()
      .when(release(id(p), RELEASE))
      .then([]);
  });

  it('given a released article, then it is public like any other: it can be corrected (UpdateCorrected), pinned and marked', () => {
    given(opened(), p, released(id(p), 3))
      .when(record({ type: 'correction', target: id(p), changes: { title: 'T2' }, note: 'n' }))
      .then([{ type: 'UpdateCorrected', data: { target: id(p), changes: { title: 'T2' }, note: 'n' }, metadata: expectedMeta() }]);
    given(opened(), p, released(id(p), 3))
      .when(record({ type: 'pin', target: id(p) }))
      .then([{ type: 'UpdatePinned', data: { target: id(p) }, metadata: expectedMeta() }]);
    given(opened(), p, released(id(p), 3))
      .when(record({ type: 'retraction', target: id(p), reason: 'r' }))
      .then([{ type: 'UpdateRetracted', data: { target: id(p), reason: 'r' }, metadata: expectedMeta() }]);
  });
});

describe('isEmbargoed', () => {
  it('names the events about an update not public: embargoed creation, revision, reschedule, cancellation; not the release', () => {
    const p = pendingStatement(2);
    const events: [StoryEvent, boolean][] = [
      [opened(), false],
      [statement(2), false],
      [p, true],
      [stored('ScheduledUpdateRevised', { target: id(p), changes: { quote: 'Q' }, note: 'n' }, { version: 3 }), true],
      [stored('UpdateRescheduled', { target: id(p), releaseAt: RELEASE, previous: RELEASE }, { version: 4 }), true],
      [cancelled(id(p), 5), true],
      [released(id(p), 6), false],
    ];
    for (const [event, embargoed] of events) expect({ type: event.type, embargoed: isEmbargoed(event) }).toEqual({ type: event.type, embargoed });
  });
});
