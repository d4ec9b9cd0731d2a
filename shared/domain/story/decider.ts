/**
 * The story Decider (emmett style): `decide(command, state) → events`, `evolve(state, event) → state`.
 * Pure: time, ids and the editor come in through the command's metadata.
 *
 * The decision state is deliberately small. Only corrections, retractions, key-event marks and pins
 * need to know about earlier updates, and only about their target, so `updates` may hold just the
 * entries a command needs: the write side loads the target's status (and, for a pin or an unpin,
 * which update is pinned) and folds the events after it, instead of folding a story of 100,000
 * updates for every append.
 *
 * A command that would change nothing is refused (409), so that every recorded event changes the
 * view: marking a key event again, unmarking what is not one, pinning the pinned update, unpinning
 * when nothing is pinned. An editor's client that sees the 409 knows its picture of the story is
 * stale, where a silent success would hide it.
 */
import { ConflictError, NotFoundError } from '../errors';
import {
  assertNever,
  CURRENT_SCHEMA_VERSION,
  type ArticleData,
  type CorrectionChanges,
  type EventMetadata,
  type KeyEventFlag,
  type PendingEvent,
  type Speaker,
  type StatementData,
  type StoryEvent,
  type StoryStatus,
} from './events';
import { articleSchema, statementSchema, type OpenStoryInput, type UpdateInput } from './updates';

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
  keyEvent: boolean;
}

export interface StoryState {
  storyId?: string;
  version: number;
  status?: StoryStatus;
  /** The pinned update, if any; loaded only for the commands that need it (pin, unpin). */
  pinned?: string;
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
        keyEvent: event.data.keyEvent === true,
      });
      return { ...next, updates };
    }
    case 'UpdateRetracted': {
      // A retraction unpins its target and takes it out of the key events.
      const unpinned = state.pinned === event.data.target ? withoutPin(next) : next;
      return withUpdate(unpinned, event.data.target, { retracted: true, keyEvent: false });
    }
    case 'KeyEventMarked':
    case 'KeyEventUnmarked':
      return withUpdate(next, event.data.target, { keyEvent: event.type === 'KeyEventMarked' });
    case 'UpdatePinned':
      return { ...next, pinned: event.data.target };
    case 'UpdateUnpinned':
      return withoutPin(next);
    case 'StatusChanged':
      return { ...next, status: event.data.status };
    case 'UpdateCorrected':
    case 'HeadlineChanged':
      return next;
    default:
      return assertNever(event, 'event');
  }
}

function withoutPin(state: StoryState): StoryState {
  const { pinned: _, ...rest } = state;
  return rest;
}

/** The state with a known update changed; an update the (partial) state does not hold stays unknown. */
function withUpdate(state: StoryState, updateId: string, change: Partial<UpdateStatus>): StoryState {
  const known = state.updates.get(updateId);
  if (!known) return state;
  const updates = new Map(state.updates);
  updates.set(updateId, { ...known, ...change });
  return { ...state, updates };
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
      return [{ type: 'StoryOpened', data: eventData(command.data, STORY_OPENED), metadata: meta(command.data.id) }];
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

function decideUpdate(update: UpdateInput, state: StoryState, meta: (occurredAt?: string) => Omit<EventMetadata, 'version'>): PendingEvent {
  switch (update.type) {
    // `keyEvent: false` is what every update is anyway: stored only when true.
    case 'article':
      return { type: 'ArticlePublished', data: eventData(keyEventIfTrue(update), ARTICLE), metadata: meta(update.publishedAt) };
    case 'statement':
      return { type: 'StatementRecorded', data: eventData(keyEventIfTrue(update), STATEMENT), metadata: meta(update.saidAt) };
    case 'correction': {
      const target = requireLiveTarget(update.target, state, 'corrected');
      const allowed = CORRECTABLE[target.kind];
      const foreign = Object.keys(update.changes).filter((field) => !allowed.has(field));
      if (foreign.length > 0) {
        throw new ConflictError(`a correction of ${target.kind} ${update.target} cannot change ${foreign.join(', ')}`, `/changes/${foreign[0]}`);
      }
      return { type: 'UpdateCorrected', data: eventData(update, CORRECTED), metadata: meta() };
    }
    case 'retraction':
      requireLiveTarget(update.target, state, 'retracted');
      return { type: 'UpdateRetracted', data: eventData(update, RETRACTED), metadata: meta() };
    case 'headline':
      return { type: 'HeadlineChanged', data: eventData(update, HEADLINE_CHANGED), metadata: meta() };
    case 'status':
      return { type: 'StatusChanged', data: eventData(update, STATUS_CHANGED), metadata: meta() };
    case 'key-event': {
      const target = requireLiveTarget(update.target, state, update.keyEvent ? 'marked as a key event' : 'unmarked');
      if (target.keyEvent === update.keyEvent) {
        throw new ConflictError(`update ${update.target} ${update.keyEvent ? 'is a key event already' : 'is not a key event'}`, '/keyEvent');
      }
      return { type: update.keyEvent ? 'KeyEventMarked' : 'KeyEventUnmarked', data: { target: update.target }, metadata: meta() };
    }
    case 'pin': {
      requireLiveTarget(update.target, state, 'pinned');
      if (state.pinned === update.target) throw new ConflictError(`update ${update.target} is pinned already`, '/target');
      // One event, not an unpin and a pin: a single conditional append, so no reader ever sees the
      // story with neither pinned, and the event says which pin it replaced.
      return {
        type: 'UpdatePinned',
        data: { target: update.target, ...(state.pinned === undefined ? {} : { replaced: state.pinned }) },
        metadata: meta(),
      };
    }
    case 'unpin':
      if (state.pinned === undefined) throw new ConflictError(`nothing is pinned in story ${state.storyId ?? ''}`.trim(), '/type');
      return { type: 'UpdateUnpinned', data: { target: state.pinned }, metadata: meta() };
    default:
      return assertNever(update, 'update');
  }
}

/** An article or statement as stored: `keyEvent` only when true. */
function keyEventIfTrue<T extends { keyEvent?: boolean }>(update: T): Omit<T, 'keyEvent'> & { keyEvent?: true } {
  const { keyEvent, ...rest } = update;
  return keyEvent ? { ...rest, keyEvent: true } : rest;
}

/** What a correction may change on each kind: the fields its schema defines, but `type` and `keyEvent` (marked by events of its own). */
const correctable = (shape: object): ReadonlySet<string> => new Set(Object.keys(shape).filter((field) => field !== 'type' && field !== 'keyEvent'));
const CORRECTABLE: Record<UpdateKind, ReadonlySet<string>> = {
  article: correctable(articleSchema.shape),
  statement: correctable(statementSchema.shape),
};

type DataOf<Type extends StoryEvent['type']> = Extract<StoryEvent, { type: Type }>['data'];

/**
 * The fields an event stores, each named once: the compiler refuses a missing or a foreign one.
 * A nested object names its own fields; arrays and scalars are stored whole.
 */
type Fields<T> = {
  [K in keyof T]-?: NonNullable<T[K]> extends readonly unknown[] ? true : NonNullable<T[K]> extends object ? Fields<NonNullable<T[K]>> : true;
};

/**
 * A command's input as event data: the declared fields only, so that a field added to a request
 * schema cannot reach the store without a change here and in events.ts. Fields keep the input's
 * order and absent ones stay absent, so the stored bytes are those of a plain copy. That `source`
 * must be a `T` is the compile-time check that the input carries everything its event stores.
 */
function eventData<T>(source: NoInfer<T>, fields: Fields<T>): T {
  const data: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(source as object)) {
    if (value === undefined || !Object.hasOwn(fields, field)) continue;
    const nested: unknown = fields[field as keyof T];
    data[field] = nested === true ? value : eventData<unknown>(value, nested as Fields<unknown>);
  }
  return data as T;
}

const STORY_OPENED: Fields<DataOf<'StoryOpened'>> = { headline: true, summary: true, language: true, topics: true };
const SPEAKER: Fields<Speaker> = { name: true, role: true };
const ARTICLE: Fields<ArticleData & KeyEventFlag> = {
  title: true,
  url: true,
  outlet: true,
  publishedAt: true,
  summary: true,
  author: true,
  dateApproximate: true,
  titleReconstructed: true,
  keyEvent: true,
};
const STATEMENT: Fields<StatementData & KeyEventFlag> = {
  speaker: SPEAKER,
  quote: true,
  speech: true,
  saidAt: true,
  medium: true,
  outlet: true,
  url: true,
  context: true,
  dateApproximate: true,
  keyEvent: true,
};
const { keyEvent: _articleFlag, ...ARTICLE_FIELDS } = ARTICLE;
const { keyEvent: _statementFlag, ...STATEMENT_FIELDS } = STATEMENT;
const CHANGES: Fields<CorrectionChanges> = { ...ARTICLE_FIELDS, ...STATEMENT_FIELDS };
const CORRECTED: Fields<DataOf<'UpdateCorrected'>> = { target: true, changes: CHANGES, note: true };
const RETRACTED: Fields<DataOf<'UpdateRetracted'>> = { target: true, reason: true };
const HEADLINE_CHANGED: Fields<DataOf<'HeadlineChanged'>> = { headline: true, summary: true };
const STATUS_CHANGED: Fields<DataOf<'StatusChanged'>> = { status: true };

/**
 * The article or statement `target` of this story, not retracted. Anything else is not found (404):
 * an unknown id, and the id of a correction, retraction, headline or other event, which is no
 * article or statement to act on.
 */
function requireLiveTarget(target: string, state: StoryState, done: string): UpdateStatus {
  const status = state.updates.get(target);
  if (!status) throw new NotFoundError('update', target);
  if (status.retracted) throw new ConflictError(`update ${target} is retracted: it cannot be ${done}`, '/target');
  return status;
}
