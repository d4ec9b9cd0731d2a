/**
 * scripts/smoke.sh, the post-deploy smoke test, run for real (bash, curl) against a local newsroom
 * standing in for both CloudFront and the API: it writes into its own smoke-test story, never into
 * a real one, and its token stays off every command line.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBody, startApi, TOKENS, type Api } from '../support/api';

const SCRIPT = fileURLToPath(new URL('../../scripts/smoke.sh', import.meta.url));
const REAL = 'kyrgyzstan-bakiyev-ouster-2010';
const SMOKE = 'smoke-test-deployment-check';
let api: Api;
let dir: string;

beforeAll(async () => {
  api = await startApi();
  dir = mkdtempSync(join(tmpdir(), 'newsroom-smoke-'));
  // A stand-in for the production story, which the smoke test must leave alone.
  expect((await api.post('/api/stories', openBody(REAL))).status).toBe(201);
});
afterAll(async () => {
  await api?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function smoke(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const merged: Record<string, string | undefined> = {
    ...process.env,
    NEWSROOM_EDITOR_TOKEN: TOKENS.anna,
    NEWSROOM_TOKEN: undefined,
    NEWSROOM_TOKEN_FILE: undefined,
    SMOKE_STORY: undefined,
    SMOKE_TIMEOUT: '20',
    SMOKE_CACHE_TIMEOUT: '20',
    ...env,
  };
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
  return new Promise((resolve) => {
    execFile('bash', [SCRIPT, ...args], { env: merged as NodeJS.ProcessEnv, timeout: 90_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('scripts/smoke.sh', () => {
  it('posts into its own smoke-test story, opened once, and never into a real story', async () => {
    const first = await smoke([api.url, api.url]);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    expect(first.stdout).toContain(`opening story ${SMOKE}`);
    expect(first.stdout).toMatch(new RegExp(`PASS \\(${SMOKE}, update [0-9A-Z]{26}\\)`));
    expect(await api.eventCount(SMOKE)).toBe(2);

    const again = await smoke([api.url, api.url]);
    expect(again.code, again.stderr + again.stdout).toBe(0);
    expect(again.stdout).not.toContain('opening story');
    expect(await api.eventCount(SMOKE)).toBe(3);
    const view = (await (await api.get(`/api/stories/${SMOKE}`)).json()) as { headline: string };
    expect(view.headline).toBe('Deployment smoke test (not news)');

    const aimedAtReal = await smoke([api.url, api.url], { SMOKE_STORY: REAL });
    expect(aimedAtReal.code).toBe(2);
    expect(aimedAtReal.stderr).toContain(`SMOKE_STORY=${REAL}: the smoke test writes only into a story whose id starts with smoke-test`);
    expect(await api.eventCount(REAL)).toBe(1);
  });

  it('takes the token from the environment or an owner-only file, never from its arguments or curl’s', async () => {
    const asArgument = await smoke([api.url, api.url, TOKENS.anna], { NEWSROOM_EDITOR_TOKEN: undefined });
    expect(asArgument.code).toBe(2);
    expect(asArgument.stderr).toMatch(/the token is not taken as an argument \(ps and the shell history would show it\)/);

    const file = join(dir, 'token');
    writeFileSync(file, `anna:${TOKENS.anna}\n`);
    chmodSync(file, 0o640);
    const exposed = await smoke([api.url, api.url], { NEWSROOM_EDITOR_TOKEN: undefined, NEWSROOM_TOKEN_FILE: file });
    expect(exposed.code).toBe(2);
    expect(exposed.stderr).toContain(`the token file ${file} is open to other users (mode 640): run chmod 600 ${file}`);

    // The real curl, behind a wrapper on PATH that records every command line it is given.
    const curl = execFileSync('bash', ['-c', 'command -v curl'], { encoding: 'utf8' }).trim();
    const bin = mkdtempSync(join(dir, 'bin-'));
    const log = join(dir, 'curl-argv.log');
    writeFileSync(join(bin, 'curl'), `#!/usr/bin/env bash\nprintf '%s\\n' "$*" >> '${log}'\nexec '${curl}' "$@"\n`, { mode: 0o755 });
    chmodSync(file, 0o600);
    const before = await api.eventCount(SMOKE);
    const viaFile = await smoke([api.url, api.url], {
      NEWSROOM_EDITOR_TOKEN: undefined,
      NEWSROOM_TOKEN_FILE: file,
      PATH: `${bin}:${process.env.PATH ?? ''}`,
    });
    expect(viaFile.code, viaFile.stderr + viaFile.stdout).toBe(0);
    expect(await api.eventCount(SMOKE)).toBe(before + 1);
    const argv = readFileSync(log, 'utf8');
    expect(argv).toContain('/api/stories/smoke-test-deployment-check/updates');
    expect(argv).not.toContain(TOKENS.anna);
    // Past cached copies through a URL the edge keys on (a new `since`), never a made-up query
    // parameter, which CloudFront leaves out of its key and the origin refuses.
    expect(argv).toMatch(/\/api\/stories\/smoke-test-deployment-check\/changes\?since=\d+/);
    for (const url of argv.match(/http:\/\/\S+/g) ?? []) {
      const { pathname, searchParams } = new URL(url);
      for (const name of searchParams.keys()) expect(['since', 'limit'], `${name} in ${pathname}`).toContain(name);
    }
  });

  it('refuses to send the token over plain http to another host', async () => {
    const run = await smoke(['https://cdn.example.org', 'http://api.example.org']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('refusing to send the editor token over plain http to api.example.org: use the https:// API URL');
  });
});
