/**
 * The `newsroom` bin follows the running newsroom through its data directory, as replay does: a
 * server started on a port of its own (not 3000) writes its URL into `<dataDir>/endpoint.json`, and
 * the CLI, given nothing but the data directory, posts there with the token the server generated
 * beside it; when the server stops, the file goes and the CLI no longer goes there. The server is
 * named --server everywhere; on post the source link is --source-url, the old flags answer plainly.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointFile } from '../../functions/local/data-dir';
import { startNewsroom, type Newsroom } from '../../functions/local/server';
import { createTestStore, type TestStore } from '../support/dynamo';

const BIN = fileURLToPath(new URL('../../bin/newsroom.js', import.meta.url));
const STORY = 'follows-the-server';
let store: TestStore;
let newsroom: Newsroom | undefined;
let dataDir: string;
let elsewhere: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The bin as an editor on this machine runs it: no URL, no token, only the data directory. */
function cli(args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, NEWSROOM_DATA_DIR: dataDir };
  for (const name of ['NEWSROOM_URL', 'NEWSROOM_TOKEN', 'NEWSROOM_TOKEN_FILE']) delete env[name];
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { env, cwd: elsewhere, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin?.end('');
  });
}

const storyEvents = async () =>
  ((await (await fetch(`${newsroom!.url}/api/stories/${STORY}/events`)).json()) as { events: { data: { url?: string; quote?: string } }[] }).events;

beforeAll(async () => {
  store = await createTestStore();
  store.applyEnv();
  dataDir = mkdtempSync(join(tmpdir(), 'newsroom-data-'));
  elsewhere = mkdtempSync(join(tmpdir(), 'newsroom-cwd-'));
  // As `PORT=<port> npm start` runs it (port 0: a free port, never the default), on the shared DynamoDB Local.
  newsroom = await startNewsroom({ endpoint: store.endpoint, dataDir, port: 0, seed: false, quiet: true, log: () => {} });
  expect(new URL(newsroom.url).port).not.toBe('3000');
}, 60_000);

afterAll(async () => {
  await newsroom?.stop();
  await store?.drop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(elsewhere, { recursive: true, force: true });
});

describe('the newsroom CLI on this machine', () => {
  it('finds the running server and its token through the data directory, on whatever port it listens', async () => {
    expect(JSON.parse(readFileSync(endpointFile(dataDir), 'utf8'))).toMatchObject({ owner: 'server', url: newsroom!.url });
    const opened = await cli(['open', STORY, '--headline', 'The CLI follows the server', '--summary', 'Whatever its PORT.']);
    expect(opened.code, opened.stderr).toBe(0);
    expect(JSON.parse(opened.stdout)).toMatchObject({ storyId: STORY, version: 1 });
    // prettier-ignore
    const posted = await cli(['post', STORY, '--statement', 'We follow the server', '--speaker', 'An editor', '--source-url', 'https://example.org/source']);
    expect(posted.code, posted.stderr).toBe(0);
    expect(posted.stderr).toBe('');
    expect(JSON.parse(posted.stdout)).toMatchObject({ storyId: STORY, version: 2 });
    expect((await storyEvents()).at(-1)!.data).toMatchObject({ quote: 'We follow the server', url: 'https://example.org/source' });
  });

  it('refuses --url on post, which was the source link, naming --source-url; nothing is recorded', async () => {
    const before = (await storyEvents()).length;
    const refused = await cli(['post', STORY, '--statement', 'q', '--speaker', 's', '--url', 'https://example.org/source']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--url no longer names the source link on post: give the link as --source-url');
    expect((await storyEvents()).length).toBe(before);
  });

  it('takes the old names of the server flag with a warning: --api-url on post, --url elsewhere', async () => {
    const posted = await cli(['post', STORY, '--statement', 'Old flag', '--speaker', 's', '--api-url', newsroom!.url]);
    expect(posted.code, posted.stderr).toBe(0);
    expect(posted.stderr).toBe('newsroom: --api-url is deprecated and will go: use --server (the same)\n');
    const exported = await cli(['export', STORY, '--url', newsroom!.url]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toBe('newsroom: --url is deprecated and will go: use --server (the same)\n');
    expect(exported.stdout.trim().split('\n')).toHaveLength(3); // opened, and the two statements posted
    const both = await cli(['export', STORY, '--url', newsroom!.url, '--server', newsroom!.url]);
    expect(both.code).toBe(2);
  });

  it('no longer goes to a server that stopped: its URL leaves the data directory with it', async () => {
    const url = newsroom!.url;
    await newsroom!.stop();
    newsroom = undefined;
    expect(existsSync(endpointFile(dataDir))).toBe(false);
    const run = await cli(['export', STORY]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).not.toContain(url);
  });
});
