/** given/when/then specs for the Decider (emmett style). */
import { expect } from 'vitest';
import { decide, evolve, initialState, type StoryCommand } from '../../shared/domain/story/decider';
import type { PendingEvent, StoryEvent } from '../../shared/domain/story/events';

export function given(...events: StoryEvent[]) {
  const state = events.reduce(evolve, initialState());
  return {
    when(command: StoryCommand) {
      const run = () => decide(command, state);
      return {
        then(expected: PendingEvent[]) {
          expect(run()).toEqual(expected);
        },
        thenThrows(error: new (...args: never[]) => Error, message?: RegExp) {
          expect(run).toThrow(error);
          if (message) expect(run).toThrow(message);
        },
      };
    },
  };
}
