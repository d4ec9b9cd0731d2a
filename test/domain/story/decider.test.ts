import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../../shared/domain/errors';
import { decide, evolve, initialState, type CommandMetadata, type UpdateKind } from '../../../shared/domain/story/decider';
import { CURRENT_SCHEMA_VERSION, type CorrectionChanges } from '../../../shared/domain/story/events';
import { given } from '../../support/decider-spec';
import { article, opened, statement, stored } from '../../support/events';

const meta: CommandMetadata = { now: '2026-11-23T10:00:00.000Z', updateId: '01J0000000000000000000000A', editor: 'anna', correlationId: 'c-1' };
const expectedMeta = (storyId: string, occurredAt?: string) => ({
  storyId,
  updateId: meta.updateId,
  schemaVersion: CURRENT_SCHEMA_VERSION,
  recordedAt: meta.now,
  recordedBy: 'anna',
  correlationId: 'c-1',
  ...(occurredAt ? { occurredAt } : {}),
});

describe('opening a story', () => {
  it('given no story, when it is opened, then StoryOpened', () => {
    given()
      .when({ type: 'OpenStory', data: { id: 'story-1', headline: 'H', summary: 'S', language: 'en', topics: [] }, metadata: meta })
      .then([{ type: 'StoryOpened', data: { headline: 'H', summary: 'S', language: 'en', topics: [] }, metadata: expectedMeta('story-1') }]);
  });

  it('given an opened story, when it is opened again, then a conflict', () => {
    given(opened())
      .when({ type: 'OpenStory', data: { id: 'story-1', headline: 'H', summary: 'S', language: 'en', topics: [] }, metadata: meta })
      .thenThrows(ConflictError, /exists already/);
  });
});

describe('recording updates', () => {
  it('given no story, when a statement is recorded, then not found', () => {
    given()
      .when({ type: 'RecordUpdate', data: { storyId: 'nope', update: { type: 'status', status: 'concluded' } }, metadata: meta })
      .thenThrows(NotFoundError);
  });

  it('given a story, when a statement is recorded, then StatementRecorded with occurredAt from saidAt', () => {
    const update = {
      type: 'statement' as const,
      speaker: { name: 'Roza Otunbayeva' },
      quote: 'The base agreement will be preserved',
      speech: 'reported' as const,
      saidAt: '2010-04-23',
    };
    given(opened())
      .when({ type: 'RecordUpdate', data: { storyId: 'story-1', update }, metadata: meta })
      .then([
        {
          type: 'StatementRecorded',
          data: { speaker: { name: 'Roza Otunbayeva' }, quote: 'The base agreement will be preserved', speech: 'reported', saidAt: '2010-04-23' },
          metadata: expectedMeta('story-1', '2010-04-23'),
        },
      ]);
  });

  it('given a story, when an article is recorded, then ArticlePublished with occurredAt from publishedAt', () => {
    const update = {
      type: 'article' as const,
      title: 'T',
      url: 'https://aljazeera.com/x',
      outlet: 'Al Jazeera English',
      publishedAt: '2010-04-23T12:00:00Z',
    };
    given(opened())
      .when({ type: 'RecordUpdate', data: { storyId: 'story-1', update }, metadata: meta })
      .then([
        {
          type: 'ArticlePublished',
          data: { title: 'T', url: 'https://aljazeera.com/x', outlet: 'Al Jazeera English', publishedAt: '2010-04-23T12:00:00Z' },
          metadata: expectedMeta('story-1', '2010-04-23T12:00:00Z'),
        },
      ]);
  });

  it('given a story, when an input carries fields its event does not declare, then the event stores the declared ones only', () => {
    // The API's strict schemas refuse such input; this proves the decider copies declared fields, not the request.
    const speaker = { name: 'Roza Otunbayeva', nickname: 'not stored' };
    const update = { type: 'statement' as const, speaker, quote: 'q', speech: 'direct' as const, saidAt: undefined, mood: 'not stored' };
    const [event] = decide({ type: 'RecordUpdate', data: { storyId: 'story-1', update }, metadata: meta }, evolve(initialState(), opened()));
    expect(event?.data).toStrictEqual({ speaker: { name: 'Roza Otunbayeva' }, quote: 'q', speech: 'direct' });
  });

  it('given no such update, when it is corrected, then not found', () => {
    given(opened())
      .when({
        type: 'RecordUpdate',
        data: { storyId: 'story-1', update: { type: 'correction', target: '01J0000000000000000000000Z', changes: { quote: 'q' }, note: 'n' } },
        metadata: meta,
      })
      .thenThrows(NotFoundError);
  });

  it('given a retracted statement, when it is corrected or retracted again, then a conflict', () => {
    const s = statement(2);
    const retracted = stored('UpdateRetracted', { target: s.metadata.updateId, reason: 'wrong' }, { version: 3 });
    for (const update of [
      { type: 'correction' as const, target: s.metadata.updateId, changes: { quote: 'q' }, note: 'n' },
      { type: 'retraction' as const, target: s.metadata.updateId, reason: 'again' },
    ]) {
      given(opened(), s, retracted)
        .when({ type: 'RecordUpdate', data: { storyId: 'story-1', update }, metadata: meta })
        .thenThrows(ConflictError, /retracted/);
    }
  });

  it('given a story, when the headline and status change, then HeadlineChanged and StatusChanged', () => {
    given(opened())
      .when({ type: 'RecordUpdate', data: { storyId: 'story-1', update: { type: 'headline', headline: 'New' } }, metadata: meta })
      .then([{ type: 'HeadlineChanged', data: { headline: 'New' }, metadata: expectedMeta('story-1') }]);
    given(opened())
      .when({ type: 'RecordUpdate', data: { storyId: 'story-1', update: { type: 'status', status: 'concluded' } }, metadata: meta })
      .then([{ type: 'StatusChanged', data: { status: 'concluded' }, metadata: expectedMeta('story-1') }]);
  });
});

describe('correcting an article or a statement', () => {
  // Every field of each kind, spelled out here so that the spec pins what the schemas let a correction change.
  // Each field is a case: allowed on its kind (the whole event checked), refused on the other kind unless both have it.
  const FIELDS = {
    article: {
      title: 'T',
      url: 'https://example.org/x',
      outlet: 'O',
      publishedAt: '2010-04-08',
      summary: 'S',
      author: 'A',
      dateApproximate: true,
      titleReconstructed: true,
    },
    statement: {
      speaker: { name: 'N' },
      quote: 'Q',
      speech: 'reported',
      saidAt: '2010-04-08',
      medium: 'M',
      outlet: 'O',
      url: 'https://example.org/x',
      context: 'C',
      dateApproximate: true,
    },
  } satisfies Record<UpdateKind, CorrectionChanges>;
  const other = { article: 'statement', statement: 'article' } as const;
  const corrections = (kind: UpdateKind, fields: object) =>
    Object.entries(fields).map(([field, value]) => ({ kind, field, changes: { [field]: value } as CorrectionChanges }));
  const allowed = (['article', 'statement'] as const).flatMap((kind) => corrections(kind, FIELDS[kind]));
  const foreign = (['article', 'statement'] as const).flatMap((kind) =>
    corrections(kind, Object.fromEntries(Object.entries(FIELDS[other[kind]]).filter(([field]) => !(field in FIELDS[kind])))),
  );
  const correct = (kind: UpdateKind, changes: CorrectionChanges) => {
    const target = kind === 'article' ? article(2) : statement(2);
    const update = { type: 'correction' as const, target: target.metadata.updateId, changes, note: 'n' };
    return { target, when: given(opened(), target).when({ type: 'RecordUpdate', data: { storyId: 'story-1', update }, metadata: meta }) };
  };

  it.each(allowed)('given a target of kind $kind, when its field $field is corrected, then UpdateCorrected', ({ kind, changes }) => {
    const { target, when } = correct(kind, changes);
    when.then([{ type: 'UpdateCorrected', data: { target: target.metadata.updateId, changes, note: 'n' }, metadata: expectedMeta('story-1') }]);
  });

  it.each(foreign)(
    'given a target of kind $kind, when the foreign field $field is corrected on it, then a conflict naming the field',
    ({ kind, field, changes }) => {
      correct(kind, changes).when.thenThrows(ConflictError, new RegExp(`cannot change ${field}$`));
    },
  );
});
