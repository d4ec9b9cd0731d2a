/**
 * Embargoed updates in the view as a fold: nothing of a pending update is in the entries, the
 * counts, people, sources, key events or the story's change time; its release creates its entry
 * as if posted then (version, recordedAt, updatedAt, timeline place), with the revisions folded in
 * silently; a cancelled one leaves nothing. The public log shows placeholders only.
 */
import { describe, expect, it } from 'vitest';
import { maskWithdrawn } from '../../../shared/domain/projection/public-log';
import {
  changedEntryOf,
  createdEntryOf,
  foldStory,
  isRevision,
  project,
  readsFor,
  timelineKey,
  applyStep,
  type StoryView,
  type ViewStep,
} from '../../../shared/domain/projection/story-view';
import { SYSTEM_EDITOR, type StoryEvent } from '../../../shared/domain/story/events';
import { article, opened, statement, stored } from '../../support/events';

const RELEASE = '2026-11-23T12:00:00.000Z';
const SECRET = 'The embargoed quote';
const pending = stored(
  'StatementRecorded',
  {
    speaker: { name: 'Embargo Speaker', role: 'envoy' },
    quote: SECRET,
    speech: 'direct',
    outlet: 'Embargo Wire',
    keyEvent: true,
    releaseAt: RELEASE,
  },
  { version: 3 },
);
const P = pending.metadata.updateId;
const revised = stored('ScheduledUpdateRevised', { target: P, changes: { quote: `${SECRET}, revised` }, note: 'typo' }, { version: 4 });
const moved = stored('UpdateRescheduled', { target: P, releaseAt: RELEASE, previous: '2026-11-24T00:00:00.000Z' }, { version: 5 });
const released = stored(
  'UpdateReleased',
  { target: P, releaseAt: RELEASE },
  { version: 7, recordedBy: SYSTEM_EDITOR, recordedAt: '2026-11-23T12:00:00.400Z' },
);
const cancelledOne = stored('StatementRecorded', { ...statement(6).data, quote: 'Never public', releaseAt: RELEASE }, { version: 6 });
const cancel = stored('ReleaseCancelled', { target: cancelledOne.metadata.updateId, reason: 'Embargo broken' }, { version: 8 });

const before = [opened(), article(2)];
const all: StoryEvent[] = [...before, pending, revised, moved, cancelledOne, released, cancel];

function steps(events: StoryEvent[]): { view: StoryView; steps: ViewStep[] } {
  let view: StoryView | undefined;
  const out: ViewStep[] = [];
  for (const event of events) {
    const step = project(event, readsFor(event, view));
    out.push(step);
    view = applyStep(view, step);
  }
  return { view: view!, steps: out };
}

describe('a pending update in the view', () => {
  it('is kept apart: no entry, no count, no person or source, no key event, and the story did not change for readers', () => {
    const base = foldStory(before)!;
    const view = foldStory([...before, pending, revised, moved, cancelledOne])!;
    expect(view.head).toEqual({ ...base.head, version: 6 });
    expect([...view.entries.keys()]).toEqual([...base.entries.keys()]);
    expect(view.people).toEqual(base.people);
    expect(view.sources).toEqual(base.sources);
    expect(JSON.stringify([...view.entries.values(), view.head, [...view.people], [...view.sources]])).not.toContain('Embargo');
    expect([...view.pending!.keys()]).toEqual([P, cancelledOne.metadata.updateId]);
  });

  it('takes its revisions silently (no note, no count) and its new time', () => {
    const view = foldStory([...before, pending, revised, moved])!;
    const p = view.pending!.get(P)!;
    expect(p.content).toMatchObject({ quote: `${SECRET}, revised` });
    expect(p).toMatchObject({ corrections: [], correctionCount: 0, releaseAt: RELEASE, changeVersion: 5, version: 3 });
    expect(view.head.correctionCount).toBe(0);
  });

  it('names no feed entry: embargo events create or change no entry a feed follows', () => {
    for (const event of [pending, revised, moved, cancelledOne, cancel]) {
      expect({ type: event.type, created: createdEntryOf(event), changed: changedEntryOf(event) }).toEqual({
        type: event.type,
        created: undefined,
        changed: undefined,
      });
    }
    expect(createdEntryOf(released)).toBe(P);
  });
});

describe('the release', () => {
  it('creates the entry as if posted at its release: version, recordedAt, updatedAt and timeline place; revisions in, no notes', () => {
    const { view, steps: s } = steps(all);
    const entry = view.entries.get(P)!;
    expect(entry).toMatchObject({
      version: 7,
      changeVersion: 7,
      recordedAt: RELEASE,
      updatedAt: RELEASE,
      recordedBy: pending.metadata.recordedBy,
      corrections: [],
      correctionCount: 0,
      keyEvent: true,
    });
    expect(entry.content).toMatchObject({ quote: `${SECRET}, revised` });
    expect('releaseAt' in entry).toBe(false);
    expect(timelineKey(entry)).toBe(`${RELEASE}#000000000007`);
    expect(view.pending!.has(P)).toBe(false);
    expect(view.head).toMatchObject({
      updateCount: 2,
      keyEventCount: 1,
      lastEventAt: released.metadata.recordedAt,
      lastUpdateAt: RELEASE,
      version: 8,
    });
    expect(view.people.get('embargo speaker')).toMatchObject({ statementCount: 1 });
    expect(view.sources.get('embargo wire')).toMatchObject({ updateCount: 1 });
    const releaseStep = s[6]!;
    expect(releaseStep).toMatchObject({ released: true, unpending: P });
    expect(releaseStep.keyEvents).toEqual([{ key: timelineKey(entry), updateId: P, listed: true }]);
    // The entry as released is kept as a revision (time travel folds a later correction from it).
    expect(isRevision(releaseStep)).toBe(true);
  });

  it('a cancelled update leaves nothing public: no entry, no count, no trace in the head; kept apart with its cancellation', () => {
    const { view } = steps(all);
    const id = cancelledOne.metadata.updateId;
    expect(view.entries.has(id)).toBe(false);
    expect(view.pending!.get(id)).toMatchObject({ retraction: { version: 8, reason: 'Embargo broken' }, changeVersion: 8 });
    expect('releaseAt' in view.pending!.get(id)!).toBe(false);
    expect(view.head.retractionCount).toBe(0);
    expect(JSON.stringify([...view.entries.values()])).not.toContain('Never public');
  });

  it('without its pending update the live projection refuses to guess (a broken view must show), time travel folds it from the entry as released', () => {
    const head = foldStory([...before, pending])!.head;
    expect(() => project(released, { head: { ...head, version: 6 } })).toThrow(/unknown pending update/);
    const asReleased = steps(all).view.entries.get(P)!;
    const step = project(released, { head: { ...head, version: 6 }, pending: asReleased, untracked: true });
    expect(step.entry).toEqual(asReleased);
    expect(project(revised, { head, untracked: true })).toEqual({ head: { ...head, version: 4 }, people: [], sources: [] });
  });
});

describe('the public log', () => {
  it('shows every embargo event as a content-free placeholder, before and after the release; the release itself as it is', () => {
    const masked = maskWithdrawn(all, new Map());
    expect(masked.map((e) => e.metadata.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const text = JSON.stringify(masked.filter((e) => e.metadata.version >= 3 && e.metadata.version !== 7));
    for (const secret of ['Embargo', SECRET, 'Never public', 'typo', RELEASE, 'Embargo broken', 'saidAt']) expect(text).not.toContain(secret);
    // A revision or a reschedule does not even say which update it concerns.
    expect(JSON.stringify(masked.filter((e) => e.metadata.version === 4 || e.metadata.version === 5))).not.toContain(P);
    for (const e of masked.filter((e) => [3, 4, 5, 6, 8].includes(e.metadata.version))) {
      expect(e).toMatchObject({ data: {}, withheld: { reason: 'embargoed' } });
    }
    expect(masked[6]).toEqual(released);
  });
});
