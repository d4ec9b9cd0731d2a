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
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import {
  assertNever,
  CURRENT_SCHEMA_VERSION,
  type ArticleData,
  type CorrectionChanges,
  type EventMetadata,
  type KeyEventFlag,
  type PendingEvent,
  type ReleaseFlag,
  type Speaker,
  type StatementData,
  type StoryEvent,
  type StoryStatus,
} from './events';
import { articleSchema, MAX_EMBARGO_DAYS, statementSchema, type OpenStoryInput, type UpdateInput } from './updates';

export interface CommandMetadata {
  now: string;
  updateId: string;
  editor: string;
  correlationId?: string;
  idempotencyKey?: string;
}

export type StoryCommand =
  | { type: 'OpenStory'; data: OpenStoryInput; metadata: CommandMetadata }
  | { type: 'RecordUpdate'; data: { storyId: string; update: UpdateInput }; metadata: CommandMetadata }
  /**
   * The system releases `target` if it is pending and due (its releaseAt ≤ metadata.now); anything
   * else (released already, cancelled, not embargoed, not due yet) decides nothing: a release is
   * idempotent and never an error, so schedulers may fire twice, late or early.
   */
  | { type: 'ReleaseUpdate'; data: { storyId: string; target: string }; metadata: CommandMetadata };

export type UpdateKind = 'article' | 'statement';

export interface UpdateStatus {
  kind: UpdateKind;
  retracted: boolean;
  keyEvent: boolean;
  /** Pending: embargoed, to be released at this time (ISO 8601, UTC). */
  releaseAt?: string;
  /** Retracted before its release: cancelled, never public. */
  cancelled?: boolean;
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
        ...(event.data.releaseAt === undefined ? {} : { releaseAt: event.data.releaseAt }),
      });
      return { ...next, updates };
    }
    case 'UpdateRescheduled':
      return withUpdate(next, event.data.target, { releaseAt: event.data.releaseAt });
    case 'UpdateReleased':
      return withUpdate(next, event.data.target, { releaseAt: undefined });
    case 'ReleaseCancelled':
      return withUpdate(next, event.data.target, { releaseAt: undefined, retracted: true, cancelled: true });
    case 'ScheduledUpdateRevised':
      return next;
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
  const changed: UpdateStatus = { ...known, ...change };
  if (changed.releaseAt === undefined) delete changed.releaseAt;
  updates.set(updateId, changed);
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
      return [decideUpdate(update, state, command.metadata.now, (occurredAt) => meta(storyId, occurredAt))];
    }
    case 'ReleaseUpdate': {
      const { storyId, target } = command.data;
      const status = state.updates.get(target);
      if (state.version === 0 || !status?.releaseAt || Date.parse(status.releaseAt) > Date.parse(command.metadata.now)) return [];
      return [{ type: 'UpdateReleased', data: { target, releaseAt: status.releaseAt }, metadata: meta(storyId) }];
    }
    default:
      return assertNever(command, 'command');
  }
}

function decideUpdate(
  update: UpdateInput,
  state: StoryState,
  now: string,
  meta: (occurredAt?: string) => Omit<EventMetadata, 'version'>,
): PendingEvent {
  switch (update.type) {
    // `keyEvent: false` is what every update is anyway: stored only when true.
    case 'article':
      return {
        type: 'ArticlePublished',
        data: eventData(embargoed(keyEventIfTrue(update), now), ARTICLE),
        metadata: meta(update.publishedAt),
      };
    case 'statement':
      return {
        type: 'StatementRecorded',
        data: eventData(embargoed(keyEventIfTrue(update), now), STATEMENT),
        metadata: meta(update.saidAt),
      };
    case 'correction': {
      const target = requireLiveTarget(update.target, state, 'corrected');
      const allowed = CORRECTABLE[target.kind];
      const foreign = Object.keys(update.changes).filter((field) => !allowed.has(field));
      if (foreign.length > 0) {
        throw new ConflictError(`a correction of ${target.kind} ${update.target} cannot change ${foreign.join(', ')}`, `/changes/${foreign[0]}`);
      }
      // Before its release, a correction folds into the update silently: nothing of it was public.
      if (target.releaseAt !== undefined) return { type: 'ScheduledUpdateRevised', data: eventData(update, CORRECTED), metadata: meta() };
      return { type: 'UpdateCorrected', data: eventData(update, CORRECTED), metadata: meta() };
    }
    case 'retraction': {
      const target = requireLiveTarget(update.target, state, 'retracted');
      // Before its release, a retraction cancels it: nothing of it is ever public, no notice either.
      if (target.releaseAt !== undefined) return { type: 'ReleaseCancelled', data: eventData(update, RETRACTED), metadata: meta() };
      return { type: 'UpdateRetracted', data: eventData(update, RETRACTED), metadata: meta() };
    }
    case 'reschedule': {
      const target = requireLiveTarget(update.target, state, 'rescheduled');
      if (target.releaseAt === undefined)
        throw new ConflictError(`update ${update.target} is not pending release: it cannot be rescheduled`, '/target');
      const releaseAt = checkedReleaseAt(update.releaseAt, now);
      if (releaseAt === target.releaseAt) throw new ConflictError(`update ${update.target} is to be released at ${releaseAt} already`, '/releaseAt');
      return { type: 'UpdateRescheduled', data: { target: update.target, releaseAt, previous: target.releaseAt }, metadata: meta() };
    }
    case 'headline':
      return { type: 'HeadlineChanged', data: eventData(update, HEADLINE_CHANGED), metadata: meta() };
    case 'status':
      return { type: 'StatusChanged', data: eventData(update, STATUS_CHANGED), metadata: meta() };
    case 'key-event': {
      const target = requirePublicTarget(update.target, state, update.keyEvent ? 'marked as a key event' : 'unmarked');
      if (target.keyEvent === update.keyEvent) {
        throw new ConflictError(`update ${update.target} ${update.keyEvent ? 'is a key event already' : 'is not a key event'}`, '/keyEvent');
      }
      return { type: update.keyEvent ? 'KeyEventMarked' : 'KeyEventUnmarked', data: { target: update.target }, metadata: meta() };
    }
    case 'pin': {
      requirePublicTarget(update.target, state, 'pinned');
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

/**
 * An embargo's `releaseAt` as stored: UTC, checked against the request's time: strictly in the
 * future, at most MAX_EMBARGO_DAYS ahead. Otherwise a 400 naming `releaseAt`.
 */
function checkedReleaseAt(releaseAt: string, now: string): string {
  const at = Date.parse(releaseAt);
  const from = Date.parse(now);
  const issue = (detail: string) => new ValidationError(`releaseAt ${detail}`, [{ pointer: '/releaseAt', detail }]);
  if (!Number.isFinite(at)) throw issue('must be an ISO 8601 date-time with a time zone');
  if (at <= from) throw issue(`must be in the future (it is ${now} now)`);
  if (at > from + MAX_EMBARGO_DAYS * 86_400_000) throw issue(`must be at most ${MAX_EMBARGO_DAYS} days ahead`);
  return new Date(at).toISOString();
}

/** An article or statement with its embargo, if any, checked and in UTC. */
function embargoed<T extends { releaseAt?: string }>(update: T, now: string): T {
  return update.releaseAt === undefined ? update : { ...update, releaseAt: checkedReleaseAt(update.releaseAt, now) };
}

/** An article or statement as stored: `keyEvent` only when true. */
function keyEventIfTrue<T extends { keyEvent?: boolean }>(update: T): Omit<T, 'keyEvent'> & { keyEvent?: true } {
  const { keyEvent, ...rest } = update;
  return keyEvent ? { ...rest, keyEvent: true } : rest;
}

/** What a correction may change on each kind: the fields its schema defines, but `type` and `keyEvent` (marked by events of its own). */
const correctable = (shape: object): ReadonlySet<string> =>
  new Set(Object.keys(shape).filter((field) => field !== 'type' && field !== 'keyEvent' && field !== 'releaseAt'));
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
const ARTICLE: Fields<ArticleData & KeyEventFlag & ReleaseFlag> = {
  title: true,
  url: true,
  outlet: true,
  publishedAt: true,
  summary: true,
  author: true,
  dateApproximate: true,
  titleReconstructed: true,
  keyEvent: true,
  releaseAt: true,
};
const STATEMENT: Fields<StatementData & KeyEventFlag & ReleaseFlag> = {
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
  releaseAt: true,
};
const { keyEvent: _articleFlag, releaseAt: _articleRelease, ...ARTICLE_FIELDS } = ARTICLE;
const { keyEvent: _statementFlag, releaseAt: _statementRelease, ...STATEMENT_FIELDS } = STATEMENT;
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
  if (status.cancelled) throw new ConflictError(`update ${target} was cancelled before its release: it cannot be ${done}`, '/target');
  if (status.retracted) throw new ConflictError(`update ${target} is retracted: it cannot be ${done}`, '/target');
  return status;
}

/**
 * A live target that readers can see: a pending (embargoed) update cannot be pinned, marked or
 * unmarked before its release (409): a mark or a pin would be the only public trace of it. Post it
 * with `keyEvent: true` to have it released as a key event.
 */
function requirePublicTarget(target: string, state: StoryState, done: string): UpdateStatus {
  const status = requireLiveTarget(target, state, done);
  if (status.releaseAt !== undefined) {
    throw new ConflictError(`update ${target} is not released yet (it is due at ${status.releaseAt}): it cannot be ${done} before`, '/target');
  }
  return status;
}
