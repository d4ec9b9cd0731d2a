/** Key events and the pin in the view as a fold: entry flags, head count and pin, and the steps' key-events index changes. */
import { describe, expect, it } from 'vitest';
import { applyStep, foldStory, project, timelineKey, type StoryView, type ViewStep } from '../../../shared/domain/projection/story-view';
import { snapshotOf, SNAPSHOT_KEY_EVENTS, StoryRebuild } from '../../../shared/domain/projection/rebuild';
import { generatedEvent } from '../../bench/story-generator';
import type { StoryEvent } from '../../../shared/domain/story/events';
import { article, opened, statement, stored } from '../../support/events';

const keyArticle = (version: number) =>
  stored('ArticlePublished', { ...article(version).data, keyEvent: true }, { version, occurredAt: '2010-04-08' });

/** Folds `events` and returns the steps too, so the index changes can be read. */
function fold(events: StoryEvent[]): { view: StoryView; steps: ViewStep[] } {
  let view: StoryView | undefined;
  const steps: ViewStep[] = [];
  for (const event of events) {
    const target = 'target' in event.data ? view?.entries.get(event.data.target) : undefined;
    const step = project(event, { ...(view ? { head: view.head } : {}), ...(target ? { target } : {}) });
    steps.push(step);
    view = applyStep(view, step);
  }
  return { view: view!, steps };
}

describe('key events in the view', () => {
  it('an update posted as a key event is one: its entry says so, the head counts it, the step lists it by timeline key', () => {
    const k = keyArticle(2);
    const { view, steps } = fold([opened(), k, statement(3)]);
    const entry = view.entries.get(k.metadata.updateId)!;
    expect(entry.keyEvent).toBe(true);
    expect('keyEvent' in entry.content).toBe(false);
    expect(view.entries.get([...view.entries.keys()][1]!)!.keyEvent).toBe(false);
    expect(view.head.keyEventCount).toBe(1);
    expect(steps[1]!.keyEvents).toEqual([{ key: timelineKey(entry), updateId: k.metadata.updateId, listed: true }]);
    expect(steps[2]!.keyEvents).toBeUndefined();
  });

  it('marking lists it and unmarking unlists it; the entry keeps its content and updatedAt, its changeVersion moves (a revision)', () => {
    const a = article(2);
    const id = a.metadata.updateId;
    const { view, steps } = fold([
      opened(),
      a,
      stored('KeyEventMarked', { target: id }, { version: 3 }),
      stored('KeyEventUnmarked', { target: id }, { version: 4 }),
    ]);
    const key = timelineKey(view.entries.get(id)!);
    expect(steps[2]!.keyEvents).toEqual([{ key, updateId: id, listed: true }]);
    expect(steps[2]!.head.keyEventCount).toBe(1);
    expect(steps[2]!.entry).toMatchObject({ keyEvent: true, changeVersion: 3, updatedAt: a.metadata.recordedAt, content: steps[1]!.entry!.content });
    expect(steps[3]!.keyEvents).toEqual([{ key, updateId: id, listed: false }]);
    expect(view.head.keyEventCount).toBe(0);
    expect(view.entries.get(id)).toMatchObject({ keyEvent: false, changeVersion: 4 });
  });

  it('a correction of its date moves a key event in the index: the old key unlisted, the new one listed, the count unchanged', () => {
    const k = keyArticle(2);
    const id = k.metadata.updateId;
    const { view, steps } = fold([
      opened(),
      k,
      stored('UpdateCorrected', { target: id, changes: { publishedAt: '2010-04-20' }, note: 'Date' }, { version: 3 }),
    ]);
    const before = steps[1]!.entry!;
    const after = view.entries.get(id)!;
    expect(timelineKey(after)).not.toBe(timelineKey(before));
    expect(steps[2]!.keyEvents).toEqual([
      { key: timelineKey(before), updateId: id, listed: false },
      { key: timelineKey(after), updateId: id, listed: true },
    ]);
    expect(view.head.keyEventCount).toBe(1);
    // A correction that does not move it changes nothing in the index.
    const again = project(stored('UpdateCorrected', { target: id, changes: { title: 'T2' }, note: 'Title' }, { version: 4 }), {
      head: view.head,
      target: after,
    });
    expect(again.keyEvents).toBeUndefined();
  });

  it('a retraction of a key event: a key event no more (not counted), still listed so that its notice shows where it was', () => {
    const k = keyArticle(2);
    const id = k.metadata.updateId;
    const { view, steps } = fold([opened(), k, stored('UpdateRetracted', { target: id, reason: 'Wrong' }, { version: 3 })]);
    expect(view.head.keyEventCount).toBe(0);
    expect(steps[2]!.keyEvents).toBeUndefined();
    expect(view.entries.get(id)).toMatchObject({ keyEvent: true, retraction: { reason: 'Wrong' } });
  });
});

describe('the pin in the view', () => {
  it('pinning sets the head’s pin, pinning another replaces it, unpinning clears it; no entry changes', () => {
    const a = article(2);
    const s = statement(3);
    const { view, steps } = fold([
      opened(),
      a,
      s,
      stored('UpdatePinned', { target: a.metadata.updateId }, { version: 4 }),
      stored('UpdatePinned', { target: s.metadata.updateId, replaced: a.metadata.updateId }, { version: 5 }),
    ]);
    expect(steps[3]!.head.pinned).toBe(a.metadata.updateId);
    expect(view.head.pinned).toBe(s.metadata.updateId);
    expect(steps[3]!.entry).toBeUndefined();
    const unpinned = foldStory([stored('UpdateUnpinned', { target: s.metadata.updateId }, { version: 6 })], view)!;
    expect(unpinned.head.pinned).toBeUndefined();
    expect('pinned' in unpinned.head).toBe(false);
  });

  it('a retraction of the pinned update unpins it; of another update, leaves the pin', () => {
    const a = article(2);
    const s = statement(3);
    const base = [opened(), a, s, stored('UpdatePinned', { target: a.metadata.updateId }, { version: 4 })];
    expect(foldStory([...base, stored('UpdateRetracted', { target: s.metadata.updateId, reason: 'r' }, { version: 5 })])!.head.pinned).toBe(
      a.metadata.updateId,
    );
    expect(
      foldStory([...base, stored('UpdateRetracted', { target: a.metadata.updateId, reason: 'r' }, { version: 5 })])!.head.pinned,
    ).toBeUndefined();
  });
});

describe('key events in a time-travel snapshot', () => {
  it('are the newest SNAPSHOT_KEY_EVENTS listed ones, by id and timeline key, newest first in byte order (retracted ones stay listed)', () => {
    const count = SNAPSHOT_KEY_EVENTS + 50;
    const events: StoryEvent[] = [opened()];
    for (let v = 2; v <= count + 1; v++) events.push(keyArticle(v));
    const retracted = events[count - 5]!.metadata.updateId;
    events.push(stored('UpdateRetracted', { target: retracted, reason: 'Wrong' }, { version: count + 2 }));
    const view = foldStory(events)!;
    const { keyEvents } = snapshotOf(view);
    const all = [...view.entries.values()].filter((e) => e.keyEvent).map((e) => [e.updateId, timelineKey(e)] as [string, string]);
    expect(all).toHaveLength(count);
    const newestFirst = all.sort(([, a], [, b]) => (a < b ? 1 : -1));
    expect(keyEvents).toEqual(newestFirst.slice(0, SNAPSHOT_KEY_EVENTS));
    expect(keyEvents!.map(([id]) => id)).not.toContain(events[1]!.metadata.updateId); // the oldest fell off
    expect(keyEvents!.map(([id]) => id)).toContain(retracted);
  });
});

describe('key events in the snapshots a rebuild takes as it folds', () => {
  it('are those a fold to each snapshot’s version lists, through marks, unmarks, moves in time and retractions, also after resuming', () => {
    const events = Array.from({ length: 1_200 }, (_, i) => generatedEvent('rebuilt', i + 1));
    const rebuild = new StoryRebuild(100);
    rebuild.add(events.slice(0, 550));
    // A rebuild resumed from a checkpoint is given the view it had (replay.ts): the index is built from it.
    const resumed = new StoryRebuild(100);
    resumed.view = foldStory(events.slice(0, 550));
    for (const r of [rebuild, resumed]) r.add(events.slice(550));
    const changes = events.filter((e) => e.type === 'KeyEventMarked' || e.type === 'KeyEventUnmarked' || e.type === 'UpdateCorrected');
    expect(changes.length, 'the generated story marks, unmarks and corrects').toBeGreaterThan(20);
    for (const r of [rebuild, resumed]) {
      const taken = r.snapshots.filter((s) => s.head.version > 550);
      expect(taken.map((s) => s.head.version)).toEqual([600, 700, 800, 900, 1_000, 1_100, 1_200]);
      for (const snapshot of taken) expect(snapshot.keyEvents).toEqual(snapshotOf(foldStory(events.slice(0, snapshot.head.version))!).keyEvents);
    }
    expect(rebuild.snapshots.at(-1)!.keyEvents!.length).toBeGreaterThan(100);
  });
});
