/**
 * The real `newsroom` bin (bin/newsroom.js, as npm links it) against a started local newsroom.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openBody, startApi, TOKENS, type Api } from '../support/api';

const BIN = fileURLToPath(new URL('../../bin/newsroom.js', import.meta.url));
const STORY = 'kyrgyzstan-bakiyev-ouster-2010';
let api: Api;
let dir: string;

beforeAll(async () => {
  api = await startApi();
  dir = mkdtempSync(join(tmpdir(), 'newsroom-cli-'));
});
afterAll(async () => {
  await api?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function newsroom(args: string[], options: { env?: Record<string, string | undefined>; cwd?: string; input?: string } = {}): Promise<Run> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    NEWSROOM_URL: api.url,
    NEWSROOM_TOKEN: TOKENS.anna,
    NEWSROOM_TOKEN_FILE: undefined,
    ...options.env,
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { env: env as NodeJS.ProcessEnv, cwd: options.cwd ?? dir }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin?.end(options.input ?? '');
  });
}

/** The editor who recorded the story's last event (the full log, read with an editor's token). */
async function lastRecordedBy(story: string): Promise<string> {
  const log = (await (await api.get(`/api/stories/${story}/events?limit=1000`, { Authorization: `Bearer ${TOKENS.anna}` })).json()) as {
    events: { metadata: { recordedBy: string } }[];
  };
  return log.events.at(-1)!.metadata.recordedBy;
}

describe('newsroom CLI', () => {
  it('--help on every command, exit 0', async () => {
    for (const args of [['--help'], ['open', '--help'], ['post', '--help'], ['export', '--help'], ['import', '--help']]) {
      const run = await newsroom(args);
      expect(run.code, args.join(' ')).toBe(0);
      expect(run.stdout).toMatch(/^Usage: newsroom/);
      expect(run.stdout).toMatch(/Exit codes: 0 ok, 1 refused/);
    }
  });

  it('opens a story and posts a statement; a refusal exits 1 with the problem shown readably', async () => {
    // Command lines read best as one line each.
    // prettier-ignore
    const opened = await newsroom(['open', STORY, '--headline', 'Bakiyev flees Bishkek', '--summary', 'Protesters took the government building.', '--topic', 'Kyrgyzstan', '--topic', 'Central Asia']);
    expect(opened.code, opened.stderr).toBe(0);
    expect(JSON.parse(opened.stdout)).toMatchObject({ storyId: STORY, version: 1 });

    // prettier-ignore
    const posted = await newsroom(['post', STORY, '--statement', 'I will not resign', '--speaker', 'Kurmanbek Bakiyev', '--role', 'president', '--said-at', '2010-04-08', '--source-url', 'https://example.org/bakiyev']);
    expect(posted.code, posted.stderr).toBe(0);
    expect(JSON.parse(posted.stdout)).toMatchObject({ storyId: STORY, version: 2 });

    const stale = await newsroom(['post', STORY, '--statement', 'Too late', '--speaker', 'Roza Otunbayeva', '--if-match', '1']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('412 The story has moved on');
    expect(stale.stderr).toContain('/headers/if-match: does not match the story version');

    const badDate = await newsroom(['post', STORY, '--statement', 'q', '--speaker', 'S', '--said-at', '8 April']);
    expect(badDate.code).toBe(1);
    expect(badDate.stderr).toMatch(/400 The request is not valid/);
    expect(badDate.stderr).toMatch(/\/saidAt: must be an ISO 8601/);
    expect(await api.eventCount(STORY)).toBe(2);
  });

  it('--reported posts reported speech, --key-event a key event; without them a direct quote, no key event', async () => {
    const scratch = 'cli-speech-scratch';
    expect((await newsroom(['open', scratch, '--headline', 'Scratch story (example)', '--summary', 'Invented, for the CLI test.'])).code).toBe(0);
    // prettier-ignore
    const reported = await newsroom(['post', scratch, '--statement', 'the example bridge would reopen', '--speaker', 'Example Spokesperson (fictional)', '--reported']);
    expect(reported.code, reported.stderr).toBe(0);
    // prettier-ignore
    const direct = await newsroom(['post', scratch, '--statement', 'The bridge reopens Monday.', '--speaker', 'Example Spokesperson (fictional)', '--key-event']);
    expect(direct.code, direct.stderr).toBe(0);
    const exported = await newsroom(['export', scratch]);
    const statements = exported.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; data: { speech?: string; keyEvent?: boolean } })
      .filter((e) => e.type === 'StatementRecorded');
    expect(statements.map((e) => e.data.speech)).toEqual(['reported', 'direct']);
    expect(statements.map((e) => e.data.keyEvent === true)).toEqual([false, true]);
    expect((await newsroom(['post', scratch, '--file', '-', '--reported'])).code).toBe(2);
  });

  it('--release-at posts under embargo: the answer says when it is released, nothing of it is public, an editor sees it scheduled', async () => {
    const scratch = 'cli-embargo-scratch';
    expect((await newsroom(['open', scratch, '--headline', 'Scratch story (example)', '--summary', 'Invented, for the CLI test.'])).code).toBe(0);
    const releaseAt = new Date(Date.now() + 3_600_000).toISOString();
    // prettier-ignore
    const posted = await newsroom(['post', scratch, '--statement', 'The embargoed example bridge opens.', '--speaker', 'Example Spokesperson (fictional)', '--release-at', releaseAt]);
    expect(posted.code, posted.stderr).toBe(0);
    const answer = JSON.parse(posted.stdout) as { updateId: string; releaseAt: string };
    expect(answer.releaseAt).toBe(releaseAt);
    const scheduled = (await (await api.get(`/api/stories/${scratch}/scheduled`, { Authorization: `Bearer ${TOKENS.anna}` })).json()) as {
      scheduled: { updateId: string }[];
    };
    expect(scheduled.scheduled.map((s) => s.updateId)).toEqual([answer.updateId]);
    expect(await (await api.get(`/api/stories/${scratch}/events`)).text()).not.toContain('embargoed example bridge');
    // prettier-ignore
    const past = await newsroom(['post', scratch, '--statement', 'Too late.', '--speaker', 'Example Spokesperson (fictional)', '--release-at', '2020-01-01T00:00:00Z']);
    expect(past.code).toBe(1);
    expect(past.stderr).toContain('releaseAt');
    expect((await newsroom(['post', scratch, '--file', '-', '--release-at', releaseAt])).code).toBe(2);
  });

  it('posts any update from a file, with an Idempotency-Key that makes a retry harmless', async () => {
    const file = join(dir, 'article.json');
    writeFileSync(
      file,
      JSON.stringify({
        type: 'article',
        title: 'Opposition takes over',
        url: 'https://example.org/a',
        outlet: 'Example Times',
        publishedAt: '2010-04-08',
      }),
    );
    const first = await newsroom(['post', STORY, '--file', file, '--idempotency-key', 'article-1']);
    expect(first.code, first.stderr).toBe(0);
    const again = await newsroom(['post', STORY, '--file', file, '--idempotency-key', 'article-1']);
    expect(again.stdout).toBe(first.stdout);
    expect(await api.eventCount(STORY)).toBe(3);
  });

  it('usage errors exit 2; an unreachable newsroom exits 3; the local token file is read', async () => {
    expect((await newsroom(['post', STORY, '--statement', 'no speaker'])).code).toBe(2);
    expect((await newsroom(['post'])).code).toBe(2);
    expect((await newsroom(['open', STORY, '--headline', 'h', '--summary', 's', '--bogus'])).code).toBe(2);
    expect((await newsroom(['post', STORY, '--file', join(dir, 'missing.json')])).code).toBe(2);
    const down = await newsroom(['export', STORY], { env: { NEWSROOM_URL: 'http://127.0.0.1:9' } });
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9/);

    const home = join(dir, 'checkout');
    mkdirSync(join(home, '.newsroom'), { recursive: true });
    writeFileSync(join(home, '.newsroom', 'editor-token'), `ben:${TOKENS.ben}\n`, { mode: 0o600 });
    const viaFile = await newsroom(['post', STORY, '--statement', 'From the token file', '--speaker', 'Ben'], {
      cwd: home,
      env: { NEWSROOM_TOKEN: undefined },
    });
    expect(viaFile.code, viaFile.stderr).toBe(0);
    const noToken = await newsroom(['post', STORY, '--statement', 'x', '--speaker', 'y'], { env: { NEWSROOM_TOKEN: undefined } });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain('401');
  });

  it('export prints the log as NDJSON across pages; import records it elsewhere, idempotently', async () => {
    // A correction and a retraction, so that import has targets to map.
    const ids = (await (await api.get(`/api/stories/${STORY}/events`)).json()) as { events: { type: string; metadata: { updateId: string } }[] };
    const statementId = ids.events.find((e) => e.type === 'StatementRecorded')!.metadata.updateId;
    const articleId = ids.events.find((e) => e.type === 'ArticlePublished')!.metadata.updateId;
    expect(
      (
        await api.post(`/api/stories/${STORY}/updates`, {
          type: 'correction',
          target: statementId,
          changes: { quote: 'I will never resign' },
          note: 'Misquoted',
        })
      ).status,
    ).toBe(201);
    // Key events and pins: their targets are mapped too.
    for (const body of [
      { type: 'key-event', target: statementId, keyEvent: true },
      { type: 'pin', target: statementId },
      { type: 'unpin' },
      { type: 'key-event', target: statementId, keyEvent: false },
      { type: 'pin', target: articleId },
    ]) {
      expect((await api.post(`/api/stories/${STORY}/updates`, body)).status, JSON.stringify(body)).toBe(201);
    }
    expect((await api.post(`/api/stories/${STORY}/updates`, { type: 'retraction', target: articleId, reason: 'Wrong outlet' })).status).toBe(201);
    expect((await api.post(`/api/stories/${STORY}/updates`, { type: 'status', status: 'concluded' })).status).toBe(201);

    const exported = await newsroom(['export', STORY, '--page-size', '2']);
    expect(exported.code, exported.stderr).toBe(0);
    const lines = exported.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; data: Record<string, unknown>; metadata: { version: number } });
    expect(lines.map((e) => e.metadata.version)).toEqual(Array.from({ length: await api.eventCount(STORY) }, (_, i) => i + 1));

    const file = join(dir, 'story.ndjson');
    writeFileSync(file, exported.stdout);
    const COPY = 'bakiyev-copy';
    const imported = await newsroom(['import', file, '--story', COPY]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toContain(`imported: ${lines.length} recorded, 0 already there`);

    type Event = { type: string; data: Record<string, unknown>; metadata: { updateId: string } };
    const copy = ((await (await api.get(`/api/stories/${COPY}/events`)).json()) as { events: Event[] }).events;
    expect(copy.map((e) => e.type)).toEqual(lines.map((e) => e.type));
    const copied = (type: string) => copy.find((e) => e.type === type)!;
    // Targets point at the copies, not at the originals.
    expect(copied('UpdateCorrected').data.target).toBe(copied('StatementRecorded').metadata.updateId);
    expect(copied('UpdateRetracted').data.target).toBe(copied('ArticlePublished').metadata.updateId);
    expect(copied('UpdateCorrected').data.changes).toEqual({ quote: 'I will never resign' });
    expect(copied('KeyEventMarked').data.target).toBe(copied('StatementRecorded').metadata.updateId);
    expect(copied('KeyEventUnmarked').data.target).toBe(copied('StatementRecorded').metadata.updateId);
    expect(copy.filter((e) => e.type === 'UpdatePinned').map((e) => e.data.target)).toEqual([
      copied('StatementRecorded').metadata.updateId,
      copied('ArticlePublished').metadata.updateId,
    ]);

    const again = await newsroom(['import', file, '--story', COPY]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`imported: 0 recorded, ${lines.length} already there`);
    expect(await api.eventCount(COPY)).toBe(lines.length);

    // For good: another editor (whose Idempotency-Keys are their own, so the write path's 24-hour
    // records cannot answer) finds every event in the copy's log and records nothing.
    const byBen = await newsroom(['import', file, '--story', COPY], { env: { NEWSROOM_TOKEN: TOKENS.ben } });
    expect(byBen.code, byBen.stderr).toBe(0);
    expect(byBen.stderr).toContain(`imported: 0 recorded, ${lines.length} already there`);
    expect(await api.eventCount(COPY)).toBe(lines.length);

    // An import cut short, finished by another editor: only the rest is recorded, and targets still map.
    const PART = 'bakiyev-part';
    const head = exported.stdout.trim().split('\n').slice(0, 4).join('\n') + '\n';
    writeFileSync(join(dir, 'head.ndjson'), head);
    expect((await newsroom(['import', join(dir, 'head.ndjson'), '--story', PART])).code).toBe(0);
    const rest = await newsroom(['import', file, '--story', PART], { env: { NEWSROOM_TOKEN: TOKENS.ben } });
    expect(rest.code, rest.stderr).toBe(0);
    expect(rest.stderr).toContain(`imported: ${lines.length - 4} recorded, 4 already there`);
    const part = ((await (await api.get(`/api/stories/${PART}/events`)).json()) as { events: Event[] }).events;
    expect(part.map((e) => e.type)).toEqual(lines.map((e) => e.type));
    const inPart = (type: string) => part.find((e) => e.type === type)!;
    expect(inPart('UpdateCorrected').data.target).toBe(inPart('StatementRecorded').metadata.updateId);
    expect(inPart('UpdateRetracted').data.target).toBe(inPart('ArticlePublished').metadata.updateId);

    // An export into its own story is refused, with or without --story naming it: nothing is recorded.
    const count = await api.eventCount(STORY);
    for (const args of [
      ['import', file],
      ['import', file, '--story', STORY],
    ]) {
      const own = await newsroom(args);
      expect(own.code, args.join(' ')).toBe(2);
      expect(own.stderr).toMatch(/is an export of the story kyrgyzstan-bakiyev-ouster-2010 itself/);
      expect(own.stderr).toMatch(/Nothing was imported/);
    }
    expect(await api.eventCount(STORY)).toBe(count);

    writeFileSync(join(dir, 'broken.ndjson'), '{"type":"StoryOpened"\n');
    expect((await newsroom(['import', join(dir, 'broken.ndjson')])).code).toBe(2);
  });

  it('refuses to export the public (masked) log as a backup, and to import one', async () => {
    const story = 'masked-export';
    expect((await api.post('/api/stories', openBody(story))).status).toBe(201);
    const said = await api.post(`/api/stories/${story}/updates`, {
      type: 'statement',
      speaker: { name: 'Example Spokesperson (fictional)' },
      quote: 'words to be withdrawn',
    });
    const { updateId } = (await said.json()) as { updateId: string };
    expect((await api.post(`/api/stories/${story}/updates`, { type: 'retraction', target: updateId, reason: 'not verified' })).status).toBe(201);

    const masked = await newsroom(['export', story], { env: { NEWSROOM_TOKEN: undefined } });
    expect(masked.code, masked.stderr).toBe(1);
    expect(masked.stderr).toMatch(/masked/);
    const full = await newsroom(['export', story]);
    expect(full.code, full.stderr).toBe(0);
    expect(full.stdout).toContain('words to be withdrawn');

    // A public log saved some other way is refused before anything is posted.
    const publicLog = (await (await api.get(`/api/stories/${story}/events`)).json()) as { events: unknown[] };
    const file = join(dir, 'public-log.ndjson');
    writeFileSync(file, publicLog.events.map((e) => JSON.stringify(e)).join('\n'));
    const imported = await newsroom(['import', file, '--story', 'masked-copy']);
    expect(imported.code, imported.stderr).toBe(2);
    expect(imported.stderr).toMatch(/masked/);
    expect(await api.eventCount('masked-copy')).toBe(0);
  });

  it('takes the token from a file, standard input or the environment, never from the command line', async () => {
    const story = 'cli-token-sources';
    expect((await api.post('/api/stories', openBody(story))).status).toBe(201);
    const say = (words: string) => ['post', story, '--statement', words, '--speaker', 'Example Spokesperson (fictional)'];

    for (const flag of [['--token', TOKENS.ben], [`--token=${TOKENS.ben}`]]) {
      const refused = await newsroom([...say('on the command line'), ...flag]);
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toMatch(/--token is not accepted: a token on the command line shows in ps/);
      expect(refused.stderr).toMatch(/NEWSROOM_TOKEN.*--token-file.*--token-stdin/);
    }

    const file = join(dir, 'ben-token');
    writeFileSync(file, `${TOKENS.ben}\n`, { mode: 0o600 });
    const viaFile = await newsroom([...say('from a token file'), '--token-file', file], { env: { NEWSROOM_TOKEN: undefined } });
    expect(viaFile.code, viaFile.stderr).toBe(0);
    expect(await lastRecordedBy(story)).toBe('ben');

    // The environment names a file, or holds the token.
    const viaEnvFile = await newsroom(say('from NEWSROOM_TOKEN_FILE'), { env: { NEWSROOM_TOKEN: undefined, NEWSROOM_TOKEN_FILE: file } });
    expect(viaEnvFile.code, viaEnvFile.stderr).toBe(0);
    expect(await lastRecordedBy(story)).toBe('ben');
    expect((await newsroom(say('from NEWSROOM_TOKEN'))).code).toBe(0);
    expect(await lastRecordedBy(story)).toBe('anna');

    const viaStdin = await newsroom([...say('from standard input'), '--token-stdin'], {
      input: `${TOKENS.ben}\n`,
      env: { NEWSROOM_TOKEN: undefined },
    });
    expect(viaStdin.code, viaStdin.stderr).toBe(0);
    expect(await lastRecordedBy(story)).toBe('ben');
    const both = await newsroom(['post', story, '--file', '-', '--token-stdin'], { input: TOKENS.ben });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--token-stdin and --file - cannot both read standard input/);

    const before = await api.eventCount(story);
    const open = join(dir, 'open-token');
    writeFileSync(open, TOKENS.ben, { mode: 0o644 });
    const exposed = await newsroom([...say('from a readable file'), '--token-file', open], { env: { NEWSROOM_TOKEN: undefined } });
    expect(exposed.code).toBe(2);
    expect(exposed.stderr).toContain(`the token file ${open} is open to other users (mode 644)`);
    expect(exposed.stderr).toContain(`chmod 600 ${open}`);
    expect(await api.eventCount(story)).toBe(before);
  });

  it('refuses to send a token over plain http to another host, before connecting', async () => {
    // 192.0.2.0/24 is TEST-NET-1: nothing answers there, so an attempt to connect would hang, not fail fast.
    const remote = await newsroom(['export', STORY], { env: { NEWSROOM_URL: 'http://192.0.2.1:3000' } });
    expect(remote.code).toBe(2);
    expect(remote.stderr).toMatch(/refusing to send the editor token \(from NEWSROOM_TOKEN\) over plain http to 192\.0\.2\.1:3000/);
    expect(remote.stderr).toMatch(/https/);
    const file = join(dir, 'ben-token-remote');
    writeFileSync(file, TOKENS.ben, { mode: 0o600 });
    // prettier-ignore
    const posted = await newsroom(['post', STORY, '--statement', 'q', '--speaker', 's', '--server', 'http://newsroom.example.org', '--token-file', file]);
    expect(posted.code).toBe(2);
    expect(posted.stderr).toMatch(
      new RegExp(`refusing to send the editor token \\(from --token-file ${file}\\) over plain http to newsroom\\.example\\.org`),
    );
  });

  it('prints what a hostile server says without its terminal controls', async () => {
    const evil = '\u001b]0;pwned\u0007\u001b[2J\u001b[1A\r\u202eafed\u009b31m\u0085';
    const event = { type: 'StatementRecorded', data: { quote: `words${evil}` }, metadata: { storyId: 'x', version: 1, updateId: '01A' } };
    const server = createServer((req, res) => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ events: [event] }));
      } else if (req.url === '/api/stories') {
        res.writeHead(201, { 'Content-Type': 'application/json' }).end(JSON.stringify({ storyId: 'x', headline: `Head${evil}line`, version: 1 }));
      } else {
        res
          .writeHead(400, { 'Content-Type': 'application/problem+json' })
          .end(JSON.stringify({ title: `Bad${evil}`, detail: `detail${evil}`, errors: [{ pointer: '/quote', detail: `field${evil}` }] }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      // eslint-disable-next-line no-control-regex -- what must not reach the terminal
      const control = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
      const refused = await newsroom(['post', 'x', '--statement', 'q', '--speaker', 's', '--server', url]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe('newsroom post: 400 Badafed: detailafed\n  /quote: fieldafed\n');

      const opened = await newsroom(['open', 'x', '--headline', 'h', '--summary', 's', '--server', url]);
      expect(opened.code, opened.stderr).toBe(0);
      expect(opened.stdout).not.toMatch(control);
      // Escaped, not dropped: what the server sent is still all there for a program reading stdout.
      expect((JSON.parse(opened.stdout) as { headline: string }).headline).toBe(`Head${evil}line`);

      const exported = await newsroom(['export', 'x', '--server', url]);
      expect(exported.code, exported.stderr).toBe(0);
      expect(exported.stdout).not.toMatch(control);
      expect(JSON.parse(exported.stdout)).toEqual(event);
    } finally {
      server.close();
    }
  });
});
