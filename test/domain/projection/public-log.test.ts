/** The public event log: what a retraction withdrew is masked, everything else passes unchanged. */
import { describe, expect, it } from 'vitest';
import { maskWithdrawn, retractionsIn } from '../../../shared/domain/projection/public-log';
import { article, opened, statement, stored } from '../../support/events';

describe('the public event log', () => {
  const a = article(2, 'A withdrawn headline');
  const s = statement(3, 'Ivan Fictional', 'A quote that was never said');
  const correction = stored(
    'UpdateCorrected',
    { target: a.metadata.updateId, changes: { title: 'A withdrawn headline, corrected' }, note: 'Headline repeated the claim' },
    { version: 4, correlationId: 'c-1', idempotencyKey: 'fix-withdrawn-headline' },
  );
  const retraction = stored('UpdateRetracted', { target: a.metadata.updateId, reason: 'The report was fabricated' }, { version: 5 });
  const events = [opened(), a, s, correction, retraction];

  it('masks the retracted update and its corrections, keeping ids, versions, times, recordedBy and the retraction', () => {
    const masked = maskWithdrawn(events, retractionsIn(events));
    const withheld = {
      reason: 'retracted',
      retraction: {
        updateId: retraction.metadata.updateId,
        version: 5,
        recordedAt: retraction.metadata.recordedAt,
        reason: 'The report was fabricated',
      },
    };
    expect(masked[1]).toEqual({
      type: 'ArticlePublished',
      data: {},
      metadata: {
        storyId: 'story-1',
        version: 2,
        updateId: a.metadata.updateId,
        schemaVersion: a.metadata.schemaVersion,
        recordedAt: a.metadata.recordedAt,
        recordedBy: 'tester',
        occurredAt: '2010-04-08',
      },
      withheld,
    });
    // A correction keeps its target (an id), not its changes, note or the request's free text.
    expect(masked[3]).toEqual({
      type: 'UpdateCorrected',
      data: { target: a.metadata.updateId },
      metadata: {
        storyId: 'story-1',
        version: 4,
        updateId: correction.metadata.updateId,
        schemaVersion: correction.metadata.schemaVersion,
        recordedAt: correction.metadata.recordedAt,
        recordedBy: 'tester',
      },
      withheld,
    });
    expect(JSON.stringify(masked)).not.toMatch(/withdrawn headline|fix-withdrawn/);
    // The rest, the retraction included, is the record as stored.
    expect([masked[0], masked[2], masked[4]]).toEqual([events[0], s, retraction]);
  });

  it('masks what retractions outside the page withdrew (as the views know them)', () => {
    const page = [a, s];
    expect(retractionsIn(page).size).toBe(0);
    const notice = { version: 9, updateId: 'r-9', reason: 'Invented', recordedAt: '2026-01-01T00:00:09.000Z', recordedBy: 'ben' };
    const masked = maskWithdrawn(page, new Map([[s.metadata.updateId, notice]]));
    expect(masked[0]).toBe(a);
    expect(masked[1]).toMatchObject({ type: 'StatementRecorded', data: {}, withheld: { retraction: { updateId: 'r-9', reason: 'Invented' } } });
    expect(JSON.stringify(masked[1])).not.toContain('Ivan Fictional');
  });
});
