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
 */
import { createHash, randomUUID } from 'node:crypto';
import { ConcurrencyError, ConflictError } from '../domain/errors';
import { decide, evolve, type CommandMetadata, type StoryCommand, type StoryState } from '../domain/story/decider';
import type { StoryEvent } from '../domain/story/events';
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
}

/** How a write finds the state it decides on and the command (raced: it lost a race, re-read). */
type Prepare = (metadata: CommandMetadata, raced: boolean) => Promise<{ state: StoryState; command: StoryCommand }>;

/** `Companion`: the write that commits an idempotency record with the event (see EventLog). */
export class StoryWriter<Companion = unknown> {
  private readonly heads = new Map<string, number>();
  /** Each story's writes in this process, one after another (inLane). */
  private readonly lanes = new Map<string, Promise<void>>();
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
    return this.run(storyId, update, ctx, async (metadata, raced) => {
      const state = await this.loadState(storyId, update, ctx.expectedVersion, raced);
      return { state, command: { type: 'RecordUpdate', data: { storyId, update }, metadata } };
    });
  }

  /**
   * Releases `target` if it is pending and due, recorded by `editor` (the system): the UpdateReleased
   * event, or undefined when there is nothing to release (released already, cancelled, not due).
   */
  async release(storyId: string, target: string, editor: string): Promise<WriteResult | undefined> {
    return this.inLane(storyId, () =>
      this.attempt(storyId, { editor }, async (metadata, raced) => {
        const state = await this.loadState(storyId, { type: 'pin', target }, undefined, raced);
        return { state, command: { type: 'ReleaseUpdate', data: { storyId, target }, metadata } };
      }),
    );
  }

  private async run(storyId: string, body: unknown, ctx: WriteContext, prepare: Prepare): Promise<WriteResult> {
    if (!ctx.idempotencyKey) return this.inLane(storyId, () => this.attempt(storyId, ctx, prepare).then(decided));
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
      const result = await this.inLane(storyId, () =>
        this.attempt(storyId, ctx, prepare, (response) => this.idempotency.completion(key, owner, response)).then(decided),
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
   * Runs `work` once every earlier write to `storyId` in this process has settled. Writers of one
   * process then never race each other for the story's next version (under breaking news, fifty
   * editors' appends otherwise lose the race to one another round after round, each loser
   * re-reading and retrying); they still race other processes (Lambda containers), and retry
   * with jitter when they lose.
   */
  private inLane<T>(storyId: string, work: () => Promise<T>): Promise<T> {
    const before = this.lanes.get(storyId) ?? Promise.resolve();
    const run = before.then(work);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.lanes.set(storyId, settled);
    void settled.then(() => {
      if (this.lanes.get(storyId) === settled) this.lanes.delete(storyId);
    });
    return run;
  }

  private async attempt(
    storyId: string,
    ctx: WriteContext,
    prepare: Prepare,
    completion?: (response: { status: number; body: WriteResult['body'] }) => Companion,
  ): Promise<WriteResult | undefined> {
    const maxRaces = this.options.maxRaces ?? 200;
    for (let race = 0; ; race++) {
      const metadata: CommandMetadata = {
        now: this.now(),
        updateId: this.newId(),
        editor: ctx.editor,
        ...(ctx.correlationId ? { correlationId: ctx.correlationId } : {}),
        ...(ctx.idempotencyKey ? { idempotencyKey: ctx.idempotencyKey } : {}),
      };
      const { state, command } = await prepare(metadata, race > 0);
      const pending = decide(command, state);
      // Only a release decides nothing (not pending, or not due): nothing to append.
      const first = pending[0];
      if (!first) return undefined;
      const releaseAt = first.type === 'ArticlePublished' || first.type === 'StatementRecorded' ? first.data.releaseAt : undefined;
      const result: WriteResult = {
        status: 201,
        body: {
          storyId,
          updateId: first.metadata.updateId,
          version: state.version + pending.length,
          recordedAt: first.metadata.recordedAt,
          ...(releaseAt === undefined ? {} : { releaseAt }),
        },
        replayed: false,
      };
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

  private async loadState(storyId: string, update: UpdateInput, expected: number | undefined, fresh: boolean): Promise<StoryState> {
    let head = await this.headOf(storyId, fresh, expected);
    const targetId = 'target' in update ? update.target : undefined;
    if (targetId === undefined && update.type !== 'unpin') {
      return { storyId, version: head, updates: new Map() };
    }
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
