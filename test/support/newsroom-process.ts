/**
 * `npm start` as a real process (functions/local/start.ts), for the tests that kill parts of it
 * with real signals: each has its own data directory and its own DynamoDB Local.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { endpointFile, type EndpointInfo } from '../../functions/local/data-dir';
import { isDynamoLocalOn } from '../../functions/local/dynamodb-local';
import type { StoryEvent } from '../../shared/domain/story/events';

const root = new URL('../../', import.meta.url).pathname;

export interface NewsroomProcess {
  url: string;
  proc: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
}

/**
 * Starts the newsroom on `dataDir` and resolves once it prints its ready line. The process leads a
 * process group of its own (`detached`), so a test can signal it alone (`proc.pid`) or with
 * DynamoDB Local (`-proc.pid`).
 */
export async function startNewsroomProcess(options: {
  port: number;
  dataDir: string;
  /** anna's token; without one the newsroom generates its own, as `npm start` does on a first run. */
  token?: string;
  env?: Record<string, string>;
  readyWithinMs?: number;
}): Promise<NewsroomProcess> {
  // The test's own environment, but for what would change the newsroom asked for (`env` may set it again).
  const { NEWSROOM_IN_MEMORY: _inMemory, NEWSROOM_EDITOR_TOKENS: _tokens, ...inherited } = process.env;
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    PORT: String(options.port),
    NEWSROOM_DATA_DIR: options.dataDir,
    DYNAMODB_ENDPOINT: '',
    ...(options.token ? { NEWSROOM_EDITOR_TOKENS: `anna:${options.token}` } : {}),
    ...options.env,
  };
  const proc = spawn(process.execPath, ['--import', 'tsx', 'functions/local/start.ts'], {
    cwd: root,
    detached: true,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const readyWithinMs = options.readyWithinMs ?? 60_000;
  let output = '';
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line in ${readyWithinMs / 1000} s:\n${output}`)), readyWithinMs);
    proc.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      const match = /Newsroom ready at (\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    proc.once('exit', (code) => reject(new Error(`exited ${code}:\n${output}`)));
  });
  return { url, proc, output: () => output };
}

/** Resolves once the process has exited, even if it already has, with its code or signal. */
export const exited = (proc: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.exitCode !== null || proc.signalCode !== null
      ? resolve({ code: proc.exitCode, signal: proc.signalCode })
      : proc.once('exit', (code, signal) => resolve({ code, signal })),
  );

/** Kills the process and its group if it is still running (a test's cleanup). */
export function killGroup(proc: ChildProcess | undefined): void {
  if (proc?.pid && proc.exitCode === null && proc.signalCode === null) {
    try {
      process.kill(-proc.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** What the data directory's endpoint.json says now. */
export const endpointInfo = (dataDir: string) => JSON.parse(readFileSync(endpointFile(dataDir), 'utf8')) as EndpointInfo;

/** The DynamoDB Local processes serving `<dataDir>/dynamodb`, from /proc. */
export function dynamoLocalsOn(dataDir: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => isDynamoLocalOn(pid, join(dataDir, 'dynamodb')));
}

/** The whole event log of a story, page by page. */
export async function allEvents(url: string, storyId: string): Promise<StoryEvent[]> {
  const events: StoryEvent[] = [];
  let next: string | undefined = `/api/stories/${storyId}/events?limit=1000`;
  while (next) {
    const page = (await (await fetch(url + next)).json()) as { events: StoryEvent[]; next?: string };
    events.push(...page.events);
    next = page.next;
  }
  return events;
}

/** Posts a statement to the story as the test's editor. */
export const postStatement = (url: string, storyId: string, token: string, speaker: string, quote: string) =>
  fetch(`${url}/api/stories/${storyId}/updates`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: 'statement', speaker: { name: speaker }, quote }),
  });
