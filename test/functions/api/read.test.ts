/**
 * The Lambda read handler (functions/api/read.ts) invoked with API Gateway's HTTP API event shape:
 * it gets the editors' tokens as the write handler does (functions/api/tokens.ts), so the public
 * event log is masked after a retraction while an editor's token reads the full record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, type TestStore } from '../../support/dynamo';
import { article, opened, statement, stored } from '../../support/events';
import { projectLive } from '../../support/replay';
import { apiGatewayEvent, lambdaContext, type ApiHandler } from '../../support/lambda';

const STORY = 'lambda-retraction';
const TOKEN = 'lambda-read-token-0123456789';
let store: TestStore;
let handler: ApiHandler;

beforeAll(async () => {
  store = await createTestStore();
  store.applyEnv();
  process.env.NEWSROOM_EDITOR_TOKENS = `anna:${TOKEN}`;
  delete process.env.EDITOR_TOKENS_PARAMETER;
  const withdrawn = statement(3, 'Oswaldo Fictitious-Brandt', 'The marmoset treaty is void', STORY);
  const events = [
    opened(STORY),
    article(2, 'Provisional government takes office', STORY),
    withdrawn,
    stored('UpdateRetracted', { target: withdrawn.metadata.updateId, reason: 'The quote was invented' }, { storyId: STORY, version: 4 }),
  ];
  for (const e of events) await store.events.append(STORY, e.metadata.version - 1, [e as never]);
  await projectLive(store, events);
  ({ handler } = (await import('../../../functions/api/read')) as unknown as { handler: typeof handler });
});
afterAll(() => store?.drop());

const get = (path: string, headers: Record<string, string> = {}) => apiGatewayEvent('GET', path, { headers });
const context = lambdaContext;

describe('the Lambda read handler after a retraction', () => {
  it('masks the retracted statement in the public log and in the view', async () => {
    const log = await handler(get(`/api/stories/${STORY}/events`), context);
    expect(log.statusCode).toBe(200);
    expect(log.headers?.['cache-control']).toBe('public, max-age=30, stale-while-revalidate=60, stale-if-error=300');
    expect(log.body).not.toContain('Oswaldo');
    expect(log.body).not.toContain('marmoset');
    expect(log.body).toContain('The quote was invented');
    const view = await handler(get(`/api/stories/${STORY}?version=3`), context);
    expect(view.statusCode).toBe(200);
    expect(view.body).toContain('Provisional government takes office');
    expect(view.body).not.toContain('Oswaldo');
  });

  it('an editor’s token reads the full record, privately; any other token gets 401', async () => {
    const full = await handler(get(`/api/stories/${STORY}/events`, { authorization: `Bearer ${TOKEN}` }), context);
    expect(full.statusCode).toBe(200);
    expect(full.body).toContain('The marmoset treaty is void');
    expect(full.headers?.['cache-control']).toBe('private, no-store');
    expect(full.headers?.vary).toMatch(/Authorization/);
    const wrong = await handler(get(`/api/stories/${STORY}/events`, { authorization: 'Bearer wrong-token' }), context);
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).not.toContain('marmoset');
  });
});
