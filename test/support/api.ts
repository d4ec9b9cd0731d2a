/**
 * The real local stack for API tests: the Node server, the write and read apps, the stream
 * poller and projector, on fresh tables of the shared DynamoDB Local (no JVM per file).
 */
import { startNewsroom, type Newsroom } from '../../functions/local/server';
import { createTestStore, type TestStore } from './dynamo';

export const TOKENS = { anna: 'anna-token-0123456789abcdef', ben: 'ben-token-0123456789abcdef' } as const;
export const TOKEN_SPEC = Object.entries(TOKENS)
  .map(([name, token]) => `${name}:${token}`)
  .join(',');

export interface Api {
  store: TestStore;
  newsroom: Newsroom;
  url: string;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  /** Every stored event of a story (straight from the table). */
  eventCount(storyId: string): Promise<number>;
  stop(): Promise<void>;
}

export async function startApi(options: { env?: Record<string, string> } = {}): Promise<Api> {
  const store = await createTestStore();
  store.applyEnv();
  Object.assign(process.env, options.env ?? {});
  const newsroom = await startNewsroom({
    endpoint: store.endpoint,
    inMemory: true,
    port: 0,
    seed: false,
    editorTokens: TOKEN_SPEC,
    quiet: true,
    log: () => {},
  });
  const url = newsroom.url;
  return {
    store,
    newsroom,
    url,
    post: (path, body, headers = {}) =>
      fetch(url + path, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKENS.anna}`, 'Content-Type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    get: (path, headers = {}) => fetch(url + path, { headers }),
    eventCount: async (storyId) => {
      let n = 0;
      for await (const page of store.events.stream(storyId)) n += page.length;
      return n;
    },
    stop: async () => {
      await newsroom.stop();
      await store.drop();
    },
  };
}

/** A newsroom with one story opened through the API (the write tests' starting point). */
export async function startApiWithStory(storyId: string): Promise<Api> {
  const api = await startApi();
  const opened = await api.post('/api/stories', openBody(storyId));
  if (opened.status !== 201) throw new Error(`opening ${storyId} answered ${opened.status}: ${await opened.text()}`);
  return api;
}

export const openBody = (id: string) => ({ id, headline: 'Bakiyev flees Bishkek', summary: 'Protesters took the government building.' });

export const statement = (quote = 'I will not resign') => ({
  type: 'statement',
  speaker: { name: 'Kurmanbek Bakiyev', role: 'president' },
  quote,
  saidAt: '2010-04-08',
});

export const article = (title = 'Kyrgyz opposition seizes power') => ({
  type: 'article',
  title,
  url: 'https://example.org/kyrgyzstan',
  outlet: 'Example Times',
  publishedAt: '2010-04-08T10:00:00Z',
});

export { until } from './until';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: { pointer: string; detail: string }[];
}
