/**
 * The write side: validated commands in, events appended.
 *
 * The common path (an article or a statement) is ONE conditional PutItem: the story's head
 * version is kept in memory and re-read only when a write loses a race. Corrections, retractions,
 * key-event marks and pins also read their target's projected status (a pin or an unpin, which
 * update is pinned) and fold the few events recorded after that projection, so they are decided
 * against the whole story without reading all of it.
 *
 * With an Idempotency-Key the write takes a different, slower path that holds across processes:
 * claim the key (an IN_PROGRESS record with a lease) before deciding, then commit the event and
 * the record's COMPLETED state in one TransactWriteItems (see shared/adapters/dynamodb/idempotency-store.ts).
 *
 * Writes to one story queue in its lane (one per story per process); the plain appends that queued
 * while the one before them was written go together in one atomic append (group commit, commitGroup),
 * so that fifty editors on one story cost a few writes, not fifty.
 */
import { createHash, randomUUID } from 'node:crypto';
import { ConcurrencyError, ConflictError } from '../domain/errors';
import { decide, evolve, type CommandMetadata, type StoryCommand, type StoryState } from '../domain/story/decider';
import type { PendingEvent, StoryEvent } from '../domain/story/events';
import type { OpenStoryInput, UpdateInput } from '../domain/story/updates';
import {
  CompanionConditionError,
  IdempotencyInFlightError,
  IdempotencyMismatchError,
  StoreUnavailableError,
  TransactionConflictError,
} from './errors';
import type { EventLog, IdempotencyRecord, IdempotencyRecords, ViewReader } from './ports';

export interface WriteContext {
  editor: string;
  correlationId?: string;
  /** From `If-Match`: append only if the story is still at this version. */
  expectedVersion?: number;
  idempotencyKey?: string;
}

export interface WriteResult {
  status: number;
  body: { storyId: string; updateId: string; version: number; recordedAt: string; releaseAt?: string };
  /** True when an Idempotency-Key retry got the first response back. */
  replayed: boolean;
}

export interface WriterOptions {
  now?: () => string;
  newId?: () => string;
  /** Appends retried after losing a race to another writer, before giving up. */
  maxRaces?: number;
  /**
   * Whether the plain appends queued in a story's lane are written together in one transaction
   * (default true). Only as durable as the store's transactions: DynamoDB's are durable when
   * acknowledged; DynamoDB Local's are made so by the clients the runtime gives it
   * (durableTransactions in adapters/dynamodb/client.ts: without it a SIGKILL lost acknowledged
   * groups, 3 of 150 items in 1 of 3 runs).
   */
  groupCommit?: boolean;
}

/** How a write finds the state it decides on and the command (raced: it lost a race, re-read). */
type Prepare = (metadata: CommandMetadata, raced: boolean) => Promise<{ state: StoryState; command: StoryCommand }>;

/** `Companion`: the write that commits an idempotency record with the event (see EventLog). */
export class StoryWriter<Companion = unknown> {
  private readonly heads = new Map<string, number>();
  /** Each story's writes in this process, one after another (inLane). */
  private readonly lanes = new Map<string, Ticket<Companion>[]>();
  private readonly now: () => string;
  private readonly newId: () => string;

  constructor(
    private readonly events: EventLog<Companion>,
    private readonly views: ViewReader,
    private readonly idempotency: IdempotencyRecords<Companion>,
    private readonly options: WriterOptions & { newId: () => string },
  ) {
    this.now = options.now ?? (() => new Date().toISOString());
    this.newId = options.newId;
  }

  openStory(input: OpenStoryInput, ctx: WriteContext): Promise<WriteResult> {
    return this.run(input.id, input, ctx, async (metadata) => {
      const head = await this.events.headVersion(input.id);
      const state: StoryState = { version: head, updates: new Map() };
      return { state, command: { type: 'OpenStory', data: input, metadata } };
    });
  }

  recordUpdate(storyId: string, update: UpdateInput, ctx: WriteContext): Promise<WriteResult> {
    const command = (metadata: CommandMetadata): StoryCommand => ({ type: 'RecordUpdate', data: { storyId, update }, metadata });
    const needs = stateNeeded(update);
    return this.run(
      storyId,
      update,
      ctx,
      async (metadata, raced) => ({
        state: await this.loadState(storyId, needs, ctx.expectedVersion, raced),
        command: command(metadata),
      }),
      // Decided on the head version alone (loadState reads nothing more): it may share a group commit.
      needs === undefined ? command : undefined,
    );
  }

  /**
   * Releases `target` if it is pending and due, recorded by `editor` (the system): the UpdateReleased
   * event, or undefined when there is nothing to release (released already, cancelled, not due).
   * Queued in the story's lane like an editor's write, never in a group (it reads its target).
   */
  async release(storyId: string, target: string, editor: string): Promise<WriteResult | undefined> {
    return this.inLane(storyId, {
      ctx: { editor },
      prepare: async (metadata, raced) => ({
        state: await this.loadState(storyId, { target }, undefined, raced),
        command: { type: 'ReleaseUpdate', data: { storyId, target }, metadata },
      }),
    });
  }

  private async run(storyId: string, body: unknown, ctx: WriteContext, prepare: Prepare, plainCommand?: PlainCommand): Promise<WriteResult> {
    if (!ctx.idempotencyKey) return decided(await this.inLane(storyId, { ctx, prepare, ...(plainCommand ? { plainCommand } : {}) }));
    // Scoped by editor and story: one editor's key never answers for another's request.
    const key = `${ctx.editor}#${storyId}#${ctx.idempotencyKey}`;
    const requestHash = createHash('sha256')
      .update(JSON.stringify({ storyId, body, expected: ctx.expectedVersion ?? null }))
      .digest('hex');
    const owner = randomUUID();
    const claim = await this.idempotency.claim(key, requestHash, owner, Date.parse(this.now()));
    if (!claim.claimed) return answerFrom(claim.record, requestHash);
    let committed = false;
    try {
      const result = decided(
        await this.inLane(storyId, {
          ctx,
          prepare,
          ...(plainCommand ? { plainCommand } : {}),
          completion: (response) => this.idempotency.completion(key, owner, response),
        }),
      );
      committed = true;
      return result;
    } catch (error) {
      if (error instanceof CompanionConditionError) {
        // Our lease was taken over (we were too slow): whoever holds the key now answers.
        committed = true;
        const record = await this.idempotency.get(key);
        if (record) return answerFrom(record, requestHash);
        throw new IdempotencyInFlightError('a request with this Idempotency-Key is still in progress');
      }
      throw error;
    } finally {
      // A refused request stores nothing and leaves the key free for a corrected retry.
      if (!committed) await this.idempotency.release(key, owner).catch(() => undefined);
    }
  }

  /**
   * Queues a write in its story's lane: the writes to one story in this process run one after
   * another, so that they never race each other for the story's next version (under breaking news,
   * fifty editors' appends otherwise lose the race to one another round after round, each loser
   * re-reading and retrying); they still race other processes (Lambda containers), and retry with
   * jitter when they lose. A write that finds its lane empty starts at once, alone.
   */
  private inLane(storyId: string, write: Omit<Ticket<Companion>, 'resolve' | 'reject'>): Promise<WriteResult | undefined> {
    return new Promise<WriteResult | undefined>((resolve, reject) => {
      const ticket: Ticket<Companion> = { ...write, resolve, reject };
      const lane = this.lanes.get(storyId);
      if (lane) {
        lane.push(ticket);
        return;
      }
      const queue = [ticket];
      this.lanes.set(storyId, queue);
      void this.drain(storyId, queue);
    });
  }

  /** Works through a story's lane until it is empty: writes that queued meanwhile go together (commitGroup). */
  private async drain(storyId: string, queue: Ticket<Companion>[]): Promise<void> {
    try {
      while (queue.length > 0) {
        if (this.options.groupCommit !== false && queue.length > 1 && queue[0]!.plainCommand && queue[1]!.plainCommand)
          await this.commitGroup(storyId, queue);
        else await this.alone(storyId, queue.shift()!);
      }
    } catch (error) {
      // Not a store's answer (those are each write's own) but a fault of this code: fail what
      // waits rather than leave the story's lane stuck.
      for (const ticket of queue.splice(0)) ticket.reject(error);
    }
    this.lanes.delete(storyId);
  }

  private async alone(storyId: string, ticket: Ticket<Companion>): Promise<void> {
    try {
      ticket.resolve(await this.attempt(storyId, ticket.ctx, ticket.prepare, ticket.completion));
    } catch (error) {
      ticket.reject(error);
    }
  }

  /**
   * Group commit: the plain appends waiting at the front of the lane (no target to check, so each
   * is decided on the version the one before it leaves) written in one atomic append, each with its
   * own update id, version, answer and idempotency record. An If-Match that does not name the
   * version its append would follow ends the group: it is decided alone after it, as it would have
   * been in line. When the store refuses the group (another process wrote to the story, a lease
   * was taken over, a conflicting transaction), nothing of it was written: the head is read again
   * and each append is tried alone, so that one refusal is that append's answer only. When the
   * store fails (unavailable, timed out), each append gets that failure, as it would alone.
   */
  private async commitGroup(storyId: string, queue: Ticket<Companion>[]): Promise<void> {
    const candidates = queue.splice(0, GROUP_LIMIT);
    const first = candidates[0]!;
    let head = this.heads.get(storyId);
    if (head === undefined) {
      try {
        head = await this.events.headVersion(storyId);
      } catch {
        queue.unshift(...candidates.slice(1));
        return this.alone(storyId, first);
      }
      if (head > 0) this.heads.set(storyId, head);
    }
    const members: { ticket: Ticket<Companion>; pending: PendingEvent[]; companion?: Companion; result: WriteResult }[] = [];
    let version = head;
    for (const ticket of candidates) {
      if (!ticket.plainCommand || (ticket.ctx.expectedVersion !== undefined && ticket.ctx.expectedVersion !== version)) break;
      try {
        const pending = decide(ticket.plainCommand(this.metadata(ticket.ctx)), { storyId, version, updates: new Map() });
        const result = resultOf(storyId, version, pending);
        const companion = ticket.completion?.({ status: result.status, body: result.body });
        members.push({ ticket, pending, ...(companion === undefined ? {} : { companion }), result });
        version += pending.length;
      } catch {
        break; // refused on its own (e.g. no such story): decided alone, with its own answer
      }
    }
    if (members.length < 2) {
      queue.unshift(...candidates.slice(1));
      return this.alone(storyId, first);
    }
    let stored: StoryEvent[][];
    try {
      stored = await this.events.appendAll(storyId, head, members);
    } catch (error) {
      this.heads.delete(storyId);
      queue.unshift(...candidates.slice(members.length));
      if (error instanceof StoreUnavailableError) {
        for (const { ticket } of members) ticket.reject(error);
        return;
      }
      for (const { ticket } of members) await this.alone(storyId, ticket);
      return;
    }
    // What did not fit in one write goes first in the next round, decided anew.
    queue.unshift(...candidates.slice(stored.length));
    this.heads.set(storyId, stored.at(-1)!.at(-1)!.metadata.version);
    for (const { ticket, result } of members.slice(0, stored.length)) ticket.resolve(result);
  }

  private metadata(ctx: WriteContext): CommandMetadata {
    return {
      now: this.now(),
      updateId: this.newId(),
      editor: ctx.editor,
      ...(ctx.correlationId ? { correlationId: ctx.correlationId } : {}),
      ...(ctx.idempotencyKey ? { idempotencyKey: ctx.idempotencyKey } : {}),
    };
  }

  private async attempt(storyId: string, ctx: WriteContext, prepare: Prepare, completion?: Completion<Companion>): Promise<WriteResult | undefined> {
    const maxRaces = this.options.maxRaces ?? 200;
    for (let race = 0; ; race++) {
      const { state, command } = await prepare(this.metadata(ctx), race > 0);
      const pending = decide(command, state);
      // Only a release decides nothing (not pending, or not due): nothing to append.
      if (pending.length === 0) return undefined;
      const result = resultOf(storyId, state.version, pending);
      try {
        // Without a key: one conditional PutItem. With one: the event and the record, atomically.
        const stored = await this.events.append(storyId, state.version, pending, completion?.({ status: result.status, body: result.body }));
        this.heads.set(storyId, stored.at(-1)!.metadata.version);
        return result;
      } catch (error) {
        if (error instanceof TransactionConflictError) {
          // Refused while another transaction held the items: nothing was written, so decide again on
          // the story as it now stands (If-Match and OpenStory included: the retry re-checks them).
          this.heads.delete(storyId);
          if (race >= maxRaces) throw new StoreUnavailableError('DynamoDB', { cause: error });
          await jitter(race);
          continue;
        }
        if (!(error instanceof ConcurrencyError)) throw error;
        this.heads.delete(storyId);
        // With If-Match the editor asked for this exact version: losing the race is their answer.
        if (ctx.expectedVersion !== undefined || command.type === 'OpenStory' || race >= maxRaces) {
          if (command.type === 'OpenStory') throw new ConflictError(`story ${storyId} exists already`, '/id');
          // The store says only that the version was taken: the 412 names the version now (the desk's "version N now").
          if (error.actualVersion === undefined && ctx.expectedVersion !== undefined) {
            const now = await this.events.headVersion(storyId).catch(() => undefined);
            throw new ConcurrencyError(storyId, ctx.expectedVersion, now);
          }
          throw error;
        }
        await jitter(race);
      }
    }
  }

  /** Head version: from memory, else one consistent read. `expected` (If-Match) must name a stored version. */
  private async headOf(storyId: string, fresh: boolean, expected?: number): Promise<number> {
    let head = fresh ? undefined : this.heads.get(storyId);
    if (head === undefined || (expected !== undefined && head !== expected)) {
      head = await this.events.headVersion(storyId);
      if (head > 0) this.heads.set(storyId, head);
    }
    if (expected !== undefined && head !== expected) {
      throw new ConcurrencyError(storyId, expected, head);
    }
    return head;
  }

  private async loadState(storyId: string, needs: StateNeeds | undefined, expected: number | undefined, fresh: boolean): Promise<StoryState> {
    let head = await this.headOf(storyId, fresh, expected);
    if (needs === undefined) return { storyId, version: head, updates: new Map() };
    const targetId = needs.target;
    // Start from the projected status of the target (and the pin), then fold what the projection has
    // not seen. The head is read before the entry, never alongside it: an entry read first could
    // predate a retraction that the head already counts, and the fold after the head would then miss it.
    const viewHead = await this.views.head(storyId, true);
    // Views ahead of a head kept in memory: the pin they show may postdate it, so read the head anew.
    if (viewHead && viewHead.version > head) head = await this.headOf(storyId, true, expected);
    // A pending (embargoed) update is kept apart from the entries until its release.
    const entry = targetId === undefined ? undefined : await this.views.entry(storyId, targetId, true);
    const target = entry ?? (targetId === undefined ? undefined : await this.views.pendingEntry(storyId, targetId, true));
    // Kept apart and retracted: cancelled before its release.
    const cancelled = !entry && !!target?.retraction;
    const projected = Math.min(viewHead?.version ?? 0, head);
    // An entry's keyEvent may be newer than `projected`: the fold below re-applies any later mark, unmark or retraction.
    let state: StoryState = {
      storyId,
      version: projected,
      ...(viewHead?.pinned !== undefined && viewHead.version <= projected ? { pinned: viewHead.pinned } : {}),
      updates: new Map(
        target && targetId !== undefined && target.version <= projected
          ? [
              [
                targetId,
                {
                  kind: target.kind,
                  retracted: !!target.retraction && target.retraction.version <= projected,
                  keyEvent: target.keyEvent === true,
                  ...(target.releaseAt === undefined ? {} : { releaseAt: target.releaseAt }),
                  ...(cancelled ? { cancelled } : {}),
                },
              ],
            ]
          : [],
      ),
    };
    for await (const page of this.events.stream(storyId, { after: projected })) {
      state = page.reduce<StoryState>((s, e: StoryEvent) => evolve(s, e), state);
    }
    if (expected !== undefined && state.version !== expected) throw new ConcurrencyError(storyId, expected, state.version);
    return state;
  }
}

type PlainCommand = (metadata: CommandMetadata) => StoryCommand;
type Completion<Companion> = (response: { status: number; body: WriteResult['body'] }) => Companion;

/** A write waiting in its story's lane. */
interface Ticket<Companion> {
  ctx: WriteContext;
  prepare: Prepare;
  /** For an update decided on the head version alone (no target): the command, so that it can join a group commit. */
  plainCommand?: PlainCommand;
  /** The idempotency record's completion, committed with the event. */
  completion?: Completion<Companion>;
  /** Undefined only for a release that decided nothing (an editor's command always decides: decided()). */
  resolve: (result: WriteResult | undefined) => void;
  reject: (error: unknown) => void;
}

/** The most appends one group commit takes from a lane (the store may write fewer at once: EventLog.appendAll). */
const GROUP_LIMIT = 100;

/** What a decision reads beyond the head version (loadState): a target's state and the pin, or the pin alone. */
interface StateNeeds {
  target?: string;
}

/**
 * What deciding `update` needs beyond the head version: its target (and the pin), the pin alone
 * (unpin), or undefined for an update decided on the head alone, which may share a group commit.
 */
function stateNeeded(update: UpdateInput): StateNeeds | undefined {
  const target = 'target' in update ? update.target : undefined;
  if (target !== undefined) return { target };
  return update.type === 'unpin' ? {} : undefined;
}

function resultOf(storyId: string, version: number, pending: PendingEvent[]): WriteResult {
  const first = pending[0]!;
  const releaseAt = first.type === 'ArticlePublished' || first.type === 'StatementRecorded' ? first.data.releaseAt : undefined;
  return {
    status: 201,
    body: {
      storyId,
      updateId: first.metadata.updateId,
      version: version + pending.length,
      recordedAt: first.metadata.recordedAt,
      ...(releaseAt === undefined ? {} : { releaseAt }),
    },
    replayed: false,
  };
}

/** An editor's command always decides an event (only a release may decide none). */
function decided(result: WriteResult | undefined): WriteResult {
  if (!result) throw new Error('an editor command decided no event');
  return result;
}

/** Jittered pause so that many writers on one story do not collide in lockstep. */
const jitter = (race: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 + race * 2)));

/** What an earlier request with the same key says about this one. */
function answerFrom(record: IdempotencyRecord, requestHash: string): WriteResult {
  // Released between our claim and this read: the key is free again, a retry will take it.
  if (record.status === 'RELEASED') throw new IdempotencyInFlightError('a request with this Idempotency-Key is still in progress');
  if (record.requestHash !== requestHash) {
    throw new IdempotencyMismatchError('this Idempotency-Key was already used with a different request');
  }
  if (record.status === 'COMPLETED' && record.response) {
    return { status: record.response.status, body: record.response.body as WriteResult['body'], replayed: true };
  }
  throw new IdempotencyInFlightError('a request with this Idempotency-Key is still in progress');
}
