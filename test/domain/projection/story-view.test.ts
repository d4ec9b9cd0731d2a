import { describe, expect, it } from 'vitest';
import { foldStory, MAX_CORRECTION_NOTES, ProjectionGapError, project } from '../../../shared/domain/projection/story-view';
import { article, opened, statement, stored } from '../../support/events';

describe('the developing-story view', () => {
  it('folds a story: head, timeline, people, sources, key points', () => {
    const s = statement(3);
    const view = foldStory([
      opened(),
      article(2),
      s,
      stored('HeadlineChanged', { headline: 'He signed', summary: 'Now abroad' }, { version: 4 }),
      statement(5, 'Roza Otunbayeva', 'The base agreement will be preserved'),
    ])!;
    expect(view.head).toMatchObject({ version: 5, headline: 'He signed', summary: 'Now abroad', updateCount: 3, status: 'developing' });
    expect(view.entries.size).toBe(3);
    expect([...view.people.values()].map((p) => [p.name, p.statementCount])).toEqual([
      ['Kurmanbek Bakiyev', 1],
      ['Roza Otunbayeva', 1],
    ]);
    expect(view.sources.get('foreign policy')?.updateCount).toBe(3);
    expect(view.keyPoints.map((k) => k.headline)).toEqual(['Headline', 'He signed']);
  });

  it('a correction keeps the entry identity and records the note; a retraction keeps a notice', () => {
    const s = statement(2);
    const events = [
      opened(),
      s,
      stored(
        'UpdateCorrected',
        { target: s.metadata.updateId, changes: { speaker: { name: 'Roza Otunbayeva' } }, note: 'Wrong speaker' },
        { version: 3 },
      ),
      stored('UpdateRetracted', { target: s.metadata.updateId, reason: 'Could not be verified' }, { version: 4 }),
    ];
    const view = foldStory(events)!;
    const entry = view.entries.get(s.metadata.updateId)!;
    expect(entry.version).toBe(2);
    expect(entry.changeVersion).toBe(4);
    expect(entry.corrections.map((c) => c.note)).toEqual(['Wrong speaker']);
    expect(entry.retraction?.reason).toBe('Could not be verified');
    // The correction moved the statement from one person to the other; the retraction withdrew it.
    const corrected = foldStory(events.slice(0, 3))!;
    expect(corrected.people.get('kurmanbek bakiyev')?.statementCount).toBe(0);
    expect(corrected.people.get('roza otunbayeva')?.statementCount).toBe(1);
    expect(view.people.get('roza otunbayeva')?.statementCount).toBe(0);
    expect(view.head).toMatchObject({ correctionCount: 1, retractionCount: 1, updateCount: 1 });
  });

  it('refuses an event whose predecessor was not applied', () => {
    const view = foldStory([opened()])!;
    expect(() => project(statement(3), { head: view.head })).toThrow(ProjectionGapError);
  });

  it('an entry corrected again and again keeps its latest notes and counts them all, so it stays bounded', () => {
    const s = statement(2);
    const corrections = Array.from({ length: MAX_CORRECTION_NOTES + 5 }, (_, i) =>
      stored('UpdateCorrected', { target: s.metadata.updateId, changes: { quote: `take ${i}` }, note: `note ${i}` }, { version: i + 3 }),
    );
    const entry = foldStory([opened(), s, ...corrections])!.entries.get(s.metadata.updateId)!;
    expect(entry.correctionCount).toBe(MAX_CORRECTION_NOTES + 5);
    expect(entry.corrections).toHaveLength(MAX_CORRECTION_NOTES);
    expect(entry.corrections.at(-1)?.note).toBe(`note ${MAX_CORRECTION_NOTES + 4}`);
    expect(entry.content).toMatchObject({ quote: `take ${MAX_CORRECTION_NOTES + 4}` });
  });
});
