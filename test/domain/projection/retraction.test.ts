/**
 * What a retraction withdraws from the view: its target's share of people and sources (with the
 * link it brought), live and in a past view that a later retraction reaches (withdrawLater).
 */
import { describe, expect, it } from 'vitest';
import { foldStory, personOf, project, withdrawLater, type StoryView } from '../../../shared/domain/projection/story-view';
import type { StoryEvent } from '../../../shared/domain/story/events';
import { article, opened, statement, stored } from '../../support/events';

const retract = (target: StoryEvent, version: number) =>
  stored('UpdateRetracted', { target: target.metadata.updateId, reason: 'Could not be verified' }, { version });

const linkedArticle = (version: number, outlet: string, url: string) =>
  stored('ArticlePublished', { title: `Report ${version}`, url, outlet, publishedAt: '2010-04-08' }, { version, occurredAt: '2010-04-08' });

const people = (view: StoryView) => Object.fromEntries([...view.people].map(([k, p]) => [k, p.statementCount]));
const sources = (view: StoryView) => Object.fromEntries([...view.sources].map(([k, s]) => [k, [s.updateCount, s.lastUrl ?? null]]));

describe('a retraction withdraws what its target contributed', () => {
  it('a statement: its speaker and its outlets lose it, so a speaker quoted only there has no statements left', () => {
    const s = statement(3, 'Ivan Fictional', 'A quote that was never said');
    const view = foldStory([opened(), article(2), s, retract(s, 4)])!;
    expect(people(view)).toEqual({ 'ivan fictional': 0 });
    // The statement counted for its outlet and its medium; the article still counts for its outlet.
    expect(sources(view)).toEqual({ 'foreign policy': [1, 'https://foreignpolicy.com/a'], 'bbc russian': [0, null] });
  });

  it('a statement’s role goes with it, while the speaker’s live statements keep theirs', () => {
    const said = (version: number, role: string) =>
      stored('StatementRecorded', { speaker: { name: 'Ivan Fictional', role }, quote: `Quote ${version}`, speech: 'direct' }, { version });
    const invented = said(3, 'Minister of Imaginary Affairs');
    const view = foldStory([opened(), said(2, 'mayor'), invented, said(4, 'mayor'), retract(invented, 5)])!;
    expect([...view.people.values()].map(personOf)).toEqual([{ name: 'Ivan Fictional', roles: ['mayor'], statementCount: 2 }]);
  });

  it('the step itself carries the negative deltas the projector writes', () => {
    const s = statement(2, 'Ivan Fictional');
    const before = foldStory([opened(), s])!;
    const step = project(retract(s, 3), { head: before.head, target: before.entries.get(s.metadata.updateId)! });
    expect(step.people).toEqual([{ key: 'ivan fictional', name: 'Ivan Fictional', role: 'ousted president', delta: -1 }]);
    expect(step.sources.map((d) => [d.key, d.delta])).toEqual([
      ['foreign policy', -1],
      ['bbc russian', -1],
    ]);
  });

  it('an article: its outlet loses it and its link is never the outlet’s lastUrl, until a live update brings one again', () => {
    const a = linkedArticle(2, 'Fictional Daily', 'https://fictional.example/withdrawn');
    const b = linkedArticle(3, 'Fictional Daily', 'https://fictional.example/live');
    const c = linkedArticle(4, 'Fictional Daily', 'https://fictional.example/withdrawn-too');
    // The newest link withdrawn: the outlet stays listed (b still counts) but with no link.
    const withdrawn = foldStory([opened(), a, b, c, retract(c, 5)])!;
    expect(sources(withdrawn)).toEqual({ 'fictional daily': [2, null] });
    // The next live update with a link sets it again.
    const again = foldStory([opened(), a, b, c, retract(c, 5), linkedArticle(6, 'Fictional Daily', 'https://fictional.example/new')])!;
    expect(sources(again)).toEqual({ 'fictional daily': [3, 'https://fictional.example/new'] });
    // Its only article withdrawn, the outlet has nothing left to be listed for.
    expect(sources(foldStory([opened(), a, retract(a, 3)])!)).toEqual({ 'fictional daily': [0, null] });
  });

  it('a correction moving an article to another outlet takes its link from the old outlet', () => {
    const a = linkedArticle(2, 'Fictional Daily', 'https://fictional.example/a');
    const moved = stored(
      'UpdateCorrected',
      { target: a.metadata.updateId, changes: { outlet: 'Other Gazette', url: 'https://other.example/a' }, note: 'Wrong outlet' },
      { version: 3 },
    );
    expect(sources(foldStory([opened(), a, moved])!)).toEqual({
      'fictional daily': [0, null],
      'other gazette': [1, 'https://other.example/a'],
    });
  });
});

describe('withdrawLater: a past view honours the retractions recorded since', () => {
  it('equals the view of the same events with the retraction folded in, but for the version and the entry’s change', () => {
    const s = statement(2, 'Ivan Fictional', 'A quote that was never said');
    const a = linkedArticle(3, 'Fictional Daily', 'https://fictional.example/withdrawn');
    const kept = statement(4, 'Roza Otunbayeva', 'The base agreement will be preserved');
    const past = foldStory([opened(), s, a, kept])!;
    const now = foldStory([opened(), s, a, kept, retract(s, 5), retract(a, 6)])!;
    const later = [s, a].map((e) => ({
      entry: past.entries.get(e.metadata.updateId)!,
      retraction: now.entries.get(e.metadata.updateId)!.retraction!,
    }));

    const shown = withdrawLater(past, later);
    expect(shown.head.version).toBe(4);
    expect(people(shown)).toEqual(people(now));
    expect(sources(shown)).toEqual(sources(now));
    expect(people(shown)['ivan fictional']).toBe(0);
    expect(sources(shown)['fictional daily']).toEqual([0, null]);
    for (const e of [s, a]) {
      const entry = shown.entries.get(e.metadata.updateId)!;
      expect(entry.retraction).toEqual(now.entries.get(e.metadata.updateId)!.retraction);
      expect(entry.changeVersion).toBe(e.metadata.version);
    }
    expect(shown.entries.get(kept.metadata.updateId)!.retraction).toBeUndefined();
  });

  it('a withdrawn update outside the view’s timeline page still leaves people and sources, and adds no entry', () => {
    const s = statement(2, 'Ivan Fictional');
    const past = foldStory([opened(), s])!;
    const entry = past.entries.get(s.metadata.updateId)!;
    past.entries.delete(s.metadata.updateId);
    const retraction = { version: 9, updateId: 'r', reason: 'Invented', recordedAt: '2026-01-01T00:00:09.000Z', recordedBy: 'tester' };
    const shown = withdrawLater(past, [{ entry, retraction }]);
    expect(people(shown)).toEqual({ 'ivan fictional': 0 });
    expect(shown.entries.size).toBe(0);
  });
});
