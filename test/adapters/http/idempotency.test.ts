/**
 * Idempotency-Key across processes. Each "container" is its own StoryWriter (no shared memory),
 * all on the same DynamoDB Local tables, as separate Lambda containers would be.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ulid } from 'ulid';
import { EventStore } from '../../../shared/adapters/dynamodb/event-store';
import { IdempotencyStore } from '../../../shared/adapters/dynamodb/idempotency-store';
import { StoryWriter } from '../../../shared/application/story-writer';
import { tokensFromPlain } from '../../../shared/adapters/http/auth';
import { writeApp } from '../../../shared/adapters/http/write-app';
import { createRuntime } from '../../../functions/runtime';
import { liveViews } from '../../../functions/writer';
import { startApiWithStory, statement, TOKEN_SPEC, TOKENS, type Api, type ProblemBody } from '../../support/api';

let api: Api;
const STORY = 'kyrgyzstan-bakiyev-ouster-2010';
const UPDATES = `/api/stories/${STORY}/updates`;

beforeAll(async () => void (api = await startApiWithStory(STORY)));
afterAll(() => api?.stop());

/** An event store whose appends wait at a gate: a request paused (or dead) between claim and commit. */
class GatedEventStore extends EventStore {
  private release?: () => void;
  private gate?: Promise<void>;
  private onEnter: () => void = () => undefined;
  /** Resolves once a request has claimed its key and reached the append. */
  readonly entered = new Promise<void>((resolve) => (this.onEnter = resolve));

  close(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }
  open(): void {
    this.release?.();
  }
  override async append(...args: Parameters<EventStore['append']>) {
    this.onEnter();
    await this.gate;
    return super.append(...args);
  }
}

/** Another process: its own writer and app, optionally with a gated store or a clock ahead. */
type App = ReturnType<typeof writeApp>;

function container(options: { events?: EventStore; clockAheadMs?: number } = {}): App {
  const rt = createRuntime();
  const writer = new StoryWriter(options.events ?? rt.events, liveViews(rt), new IdempotencyStore(rt.db, rt.tables.idempotency), {
    newId: ulid,
    now: () => new Date(Date.now() + (options.clockAheadMs ?? 0)).toISOString(),
  });
  const log = { info() {}, warn() {}, error() {} };
  return writeApp({ writer, tokens: () => tokensFromPlain(TOKEN_SPEC), log });
}

const send = (app: App, body: unknown, key: string, headers: Record<string, string> = {}) =>
  app.request(UPDATES, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKENS.anna}`, 'Content-Type': 'application/json', 'Idempotency-Key': key, ...headers },
    body: JSON.stringify(body),
  });

describe('Idempotency-Key', () => {
  it('a retry with the same body returns the first response, from any process, and records nothing new', async () => {
    const first = await api.post(UPDATES, statement('once only'), { 'Idempotency-Key': 'retry-1' });
    expect(first.status).toBe(201);
    const firstBody = await first.json();
    const count = await api.eventCount(STORY);

    const again = await api.post(UPDATES, statement('once only'), { 'Idempotency-Key': 'retry-1' });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(firstBody);

    const elsewhere = await send(container(), statement('once only'), 'retry-1');
    expect(await elsewhere.json()).toEqual(firstBody);
    expect(await api.eventCount(STORY)).toBe(count);
  });

  it('the same request with its fields in another order is the same request', async () => {
    const body = statement('order does not matter');
    const first = await api.post(UPDATES, body, { 'Idempotency-Key': 'order-1' });
    const reordered = { saidAt: body.saidAt, quote: body.quote, speaker: { role: body.speaker.role, name: body.speaker.name }, type: body.type };
    const again = await api.post(UPDATES, reordered, { 'Idempotency-Key': 'order-1' });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(await first.json());
  });

  it('the same key with a different body gets 422 and stores nothing', async () => {
    expect((await api.post(UPDATES, statement('first body'), { 'Idempotency-Key': 'reuse-1' })).status).toBe(201);
    const count = await api.eventCount(STORY);
    const res = await api.post(UPDATES, statement('second body'), { 'Idempotency-Key': 'reuse-1' });
    expect(res.status).toBe(422);
    expect(((await res.json()) as ProblemBody).errors?.[0]?.pointer).toBe('/headers/idempotency-key');
    // A different If-Match is a different request too.
    expect((await api.post(UPDATES, statement('first body'), { 'Idempotency-Key': 'reuse-1', 'If-Match': `"${count}"` })).status).toBe(422);
    expect(await api.eventCount(STORY)).toBe(count);
  });

  it('keys belong to their editor: the same key from another editor is another request', async () => {
    expect((await api.post(UPDATES, statement('anna says'), { 'Idempotency-Key': 'mine' })).status).toBe(201);
    const ben = await api.post(UPDATES, statement('ben says'), { 'Idempotency-Key': 'mine', Authorization: `Bearer ${TOKENS.ben}` });
    expect(ben.status).toBe(201);
    expect(ben.headers.get('idempotent-replayed')).toBeNull();
  });

  it('a refused request does not bind its key: a corrected retry with the same key is recorded', async () => {
    const count = await api.eventCount(STORY);
    const bad = await api.post(UPDATES, { type: 'retraction', target: '01ARZ3NDEKTSV4RRFFQ69G5FAV', reason: 'x' }, { 'Idempotency-Key': 'fix-1' });
    expect(bad.status).toBe(404);
    const stale = await api.post(UPDATES, statement('stale'), { 'Idempotency-Key': 'fix-1', 'If-Match': '"1"' });
    expect(stale.status).toBe(412);
    expect(await api.eventCount(STORY)).toBe(count);
    const good = await api.post(UPDATES, statement('fixed'), { 'Idempotency-Key': 'fix-1' });
    expect(good.status).toBe(201);
    expect(await api.eventCount(STORY)).toBe(count + 1);
  });

  it('a retry while the first is still in flight in another process gets 409; afterwards it gets the first response', async () => {
    const gated = new GatedEventStore(createRuntime().db, createRuntime().tables.events);
    gated.close();
    const slow = container({ events: gated });
    const count = await api.eventCount(STORY);
    const first = send(slow, statement('in flight'), 'flight-1');
    await gated.entered;

    const retry = await send(container(), statement('in flight'), 'flight-1');
    expect(retry.status).toBe(409);
    expect(((await retry.json()) as ProblemBody).type).toMatch(/idempotency-key-in-flight$/);
    // Also through the local server's own writer.
    expect((await api.post(UPDATES, statement('in flight'), { 'Idempotency-Key': 'flight-1' })).status).toBe(409);

    gated.open();
    const done = await first;
    expect(done.status).toBe(201);
    const later = await send(container(), statement('in flight'), 'flight-1');
    expect(await later.json()).toEqual(await done.json());
    expect(await api.eventCount(STORY)).toBe(count + 1);
  });

  it('a request that died between claim and commit: its lease expires, a retry takes over, and the dead one can no longer commit', async () => {
    const gated = new GatedEventStore(createRuntime().db, createRuntime().tables.events);
    gated.close();
    const dying = container({ events: gated });
    const count = await api.eventCount(STORY);
    const dead = send(dying, statement('crash course'), 'crash-1');
    await gated.entered;

    // While the lease is live the key is taken; 20 s later (lease 15 s) a retry may take it over.
    expect((await send(container(), statement('crash course'), 'crash-1')).status).toBe(409);
    const takeover = await send(container({ clockAheadMs: 20_000 }), statement('crash course'), 'crash-1');
    expect(takeover.status).toBe(201);
    const taken = await takeover.json();

    // The "dead" request wakes up: its transaction (event + COMPLETED under its own lease) fails as a
    // whole, so no second event lands, and it answers with what the key now holds.
    gated.open();
    const late = await dead;
    expect(late.status).toBe(201);
    expect(await late.json()).toEqual(taken);
    expect(await api.eventCount(STORY)).toBe(count + 1);
  });

  it('concurrent identical requests on several processes store the update exactly once', async () => {
    const count = await api.eventCount(STORY);
    const apps = Array.from({ length: 6 }, () => container());
    const results = await Promise.all(apps.map((app) => send(app, statement('all at once'), 'burst-1')));
    const statuses = results.map((r) => r.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    const bodies = await Promise.all(results.filter((r) => r.status === 201).map((r) => r.json() as Promise<{ updateId: string }>));
    expect(new Set(bodies.map((b) => b.updateId)).size).toBe(1);
    expect(await api.eventCount(STORY)).toBe(count + 1);
  });

  it.each([
    ['a key with a space', 'two words'],
    ['a key over 255 characters', 'k'.repeat(256)],
    ['a non-ASCII key', 'clé'],
  ])('%s gets 400', async (_, key) => {
    const count = await api.eventCount(STORY);
    const res = await send(container(), statement('bad key'), key);
    expect(res.status).toBe(400);
    expect(((await res.json()) as ProblemBody).errors?.[0]?.pointer).toBe('/headers/idempotency-key');
    expect(await api.eventCount(STORY)).toBe(count);
  });
});
