/**
 * The story Decider (emmett style): `decide(command, state) → events`, `evolve(state, event) → state`.
 * Pure: time, ids and the editor come in through the command's metadata.
 *
 * The decision state is deliberately small. Only corrections and retractions need to know about
 * earlier updates, and only about their target, so `updates` may hold just the entries a command
 * needs: the write side loads the target's status and folds the events after it, instead of
 * folding a story of 100,000 updates for every append.
 */
import { ConflictError, NotFoundError } from '../errors';
import { assertNever, CURRENT_SCHEMA_VERSION, type EventMetadata, type PendingEvent, type StoryEvent } from './events';
import type { OpenStoryInput, StoryStatus, UpdateInput } from './updates';

export interface CommandMetadata {
  now: string;
  updateId: string;
  editor: string;
  correlationId?: string;
  idempotencyKey?: string;
}

export type StoryCommand =
  | { type: 'OpenStory'; data: OpenStoryInput; metadata: CommandMetadata }
  | { type: 'RecordUpdate'; data: { storyId: string; update: UpdateInput }; metadata: CommandMetadata };

export type UpdateKind = 'article' | 'statement';

export interface UpdateStatus {
  kind: UpdateKind;
  retracted: boolean;
}

export interface StoryState {
  storyId?: string;
  version: number;
  status?: StoryStatus;
  /** Known updates by id; may be partial (see above). */
  updates: ReadonlyMap<string, UpdateStatus>;
}

export const initialState = (): StoryState => ({ version: 0, updates: new Map() });

export function evolve(state: StoryState, event: StoryEvent): StoryState {
  const next = { ...state, version: event.metadata.version };
  switch (event.type) {
    case 'StoryOpened':
      return { ...next, storyId: event.metadata.storyId, status: 'developing' };
    case 'ArticlePublished':
    case 'StatementRecorded': {
      const updates = new Map(state.updates);
      updates.set(event.metadata.updateId, {
        kind: event.type === 'ArticlePublished' ? 'article' : 'statement',
        retracted: false,
      });
      return { ...next, updates };
    }
    case 'UpdateRetracted': {
      const target = state.updates.get(event.data.target);
      if (!target) return next;
      const updates = new Map(state.updates);
      updates.set(event.data.target, { ...target, retracted: true });
      return { ...next, updates };
    }
    case 'StatusChanged':
      return { ...next, status: event.data.status };
    case 'UpdateCorrected':
    case 'HeadlineChanged':
      return next;
    default:
      return assertNever(event, 'event');
  }
}

export function decide(command: StoryCommand, state: StoryState): PendingEvent[] {
  const meta = (storyId: string, occurredAt?: string): Omit<EventMetadata, 'version'> => {
    const m = command.metadata;
    return {
      storyId,
      updateId: m.updateId,
      schemaVersion: CURRENT_SCHEMA_VERSION,
      recordedAt: m.now,
      recordedBy: m.editor,
      ...(occurredAt === undefined ? {} : { occurredAt }),
      ...(m.correlationId === undefined ? {} : { correlationId: m.correlationId }),
      ...(m.idempotencyKey === undefined ? {} : { idempotencyKey: m.idempotencyKey }),
    };
  };

  switch (command.type) {
    case 'OpenStory': {
      if (state.version > 0) throw new ConflictError(`story ${command.data.id} exists already`, '/id');
      const { id, ...data } = command.data;
      return [{ type: 'StoryOpened', data, metadata: meta(id) }];
    }
    case 'RecordUpdate': {
      const { storyId, update } = command.data;
      if (state.version === 0) throw new NotFoundError('story', storyId);
      return [decideUpdate(update, state, (occurredAt) => meta(storyId, occurredAt))];
    }
    default:
      return assertNever(command, 'command');
  }
}

function decideUpdate(
  update: UpdateInput,
  state: StoryState,
  meta: (occurredAt?: string) => Omit<EventMetadata, 'version'>,
): PendingEvent {
  switch (update.type) {
    case 'article': {
      const { type: _, ...data } = update;
      return { type: 'ArticlePublished', data, metadata: meta(update.publishedAt) };
    }
    case 'statement': {
      const { type: _, ...data } = update;
      return { type: 'StatementRecorded', data, metadata: meta(update.saidAt) };
    }
    case 'correction': {
      const target = requireLiveTarget(update.target, state, 'correct');
      const allowed = target.kind === 'article' ? ARTICLE_FIELDS : STATEMENT_FIELDS;
      const foreign = Object.keys(update.changes).filter((field) => !allowed.has(field));
      if (foreign.length > 0) {
        throw new ConflictError(
          `a correction of ${target.kind} ${update.target} cannot change ${foreign.join(', ')}`,
          `/changes/${foreign[0]}`,
        );
      }
      const { type: _, ...data } = update;
      return { type: 'UpdateCorrected', data, metadata: meta() };
    }
    case 'retraction': {
      requireLiveTarget(update.target, state, 'retract');
      const { type: _, ...data } = update;
      return { type: 'UpdateRetracted', data, metadata: meta() };
    }
    case 'headline': {
      const { type: _, ...data } = update;
      return { type: 'HeadlineChanged', data, metadata: meta() };
    }
    case 'status': {
      return { type: 'StatusChanged', data: { status: update.status }, metadata: meta() };
    }
    default:
      return assertNever(update, 'update');
  }
}

const ARTICLE_FIELDS = new Set(['title', 'url', 'outlet', 'publishedAt', 'summary', 'author', 'dateApproximate']);
const STATEMENT_FIELDS = new Set(['speaker', 'quote', 'saidAt', 'medium', 'outlet', 'url', 'context', 'dateApproximate']);

function requireLiveTarget(target: string, state: StoryState, verb: string): UpdateStatus {
  const status = state.updates.get(target);
  if (!status) throw new NotFoundError('update', target);
  if (status.retracted) throw new ConflictError(`update ${target} is retracted: it cannot be ${verb}ed`, '/target');
  return status;
}
