/** Builders for stored events in tests. */
import { decide, evolve, initialState, type CommandMetadata, type StoryCommand } from '../../shared/domain/story/decider';
import { CURRENT_SCHEMA_VERSION, type StoryEvent } from '../../shared/domain/story/events';

let counter = 0;
export const testId = () => `01HZ${String(++counter).padStart(22, '0')}`;

export function stored<E extends StoryEvent>(
  type: E['type'],
  data: E['data'],
  meta: Partial<StoryEvent['metadata']> & { storyId?: string; version: number },
): E {
  return {
    type,
    data,
    metadata: {
      storyId: 'story-1',
      updateId: testId(),
      schemaVersion: CURRENT_SCHEMA_VERSION,
      recordedAt: `2026-01-01T00:00:${String(meta.version % 60).padStart(2, '0')}.000Z`,
      recordedBy: 'tester',
      ...meta,
    },
  } as E;
}

export const opened = (storyId = 'story-1') =>
  stored('StoryOpened', { headline: 'Headline', summary: 'Summary', language: 'en', topics: ['Topic'] }, { storyId, version: 1 });

export const statement = (version: number, name = 'Kurmanbek Bakiyev', quote = 'I am the legitimate president', storyId = 'story-1') =>
  stored(
    'StatementRecorded',
    { speaker: { name, role: 'ousted president' }, quote, speech: 'direct', saidAt: '2010-04-08', medium: 'BBC Russian', outlet: 'Foreign Policy' },
    { storyId, version, occurredAt: '2010-04-08' },
  );

export const article = (version: number, title = 'Bakiyev: I’m not going', storyId = 'story-1') =>
  stored(
    'ArticlePublished',
    { title, url: 'https://foreignpolicy.com/a', outlet: 'Foreign Policy', publishedAt: '2010-04-08' },
    { storyId, version, occurredAt: '2010-04-08' },
  );

/** A short story with every kind of change: an article, a statement corrected and then retracted, another statement, a new headline. */
export function smallStory(storyId: string): StoryEvent[] {
  const s = statement(3, 'Kurmanbek Bakiyev', 'I am the legitimate president', storyId);
  return [
    opened(storyId),
    article(2, 'Bakiyev: I’m not going', storyId),
    s,
    stored(
      'UpdateCorrected',
      { target: s.metadata.updateId, changes: { quote: 'I remain the president' }, note: 'Quote checked' },
      { storyId, version: 4 },
    ),
    statement(5, 'Roza Otunbayeva', 'The base agreement will be preserved', storyId),
    stored('UpdateRetracted', { target: s.metadata.updateId, reason: 'Could not be verified' }, { storyId, version: 6 }),
    stored('HeadlineChanged', { headline: 'Bakiyev flees to Kazakhstan' }, { storyId, version: 7 }),
  ];
}

/**
 * The write side in memory: commands through the real decider, events numbered as the store would.
 * `meta(n)` gives the n-th command its time and update id; a refused command throws the decider's error.
 */
export function recorder(editor = 'anna') {
  const events: StoryEvent[] = [];
  let state = initialState();
  return {
    events,
    meta: (n: number): CommandMetadata => ({
      now: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
      updateId: `01J${String(n).padStart(23, '0')}`,
      editor,
    }),
    run(command: StoryCommand) {
      for (const pending of decide(command, state)) {
        const event = { ...pending, metadata: { ...pending.metadata, version: state.version + 1 } } as StoryEvent;
        events.push(event);
        state = evolve(state, event);
      }
    },
  };
}
