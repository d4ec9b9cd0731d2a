/**
 * The CLI's HTTP side: where the newsroom is, which token to send, and what a failure means for
 * the exit code. Problem+json answers become readable messages.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Exit codes scripts can rely on. */
export const EXIT = {
  ok: 0,
  /** The newsroom refused the request (4xx): fix the request. */
  refused: 1,
  /** Wrong command line or unreadable input file. */
  usage: 2,
  /** The newsroom failed (5xx) or could not be reached: retry later. */
  unavailable: 3,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.usage);

export interface Connection {
  url: string;
  token?: string;
}

/** NEWSROOM_URL (default the local server), NEWSROOM_TOKEN, else the token `npm start` generated. */
export function connection(flags: { url?: string; token?: string }, env: NodeJS.ProcessEnv = process.env): Connection {
  const url = (flags.url ?? env.NEWSROOM_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
  let token = flags.token ?? env.NEWSROOM_TOKEN;
  if (!token) {
    const file = join(env.NEWSROOM_DATA_DIR ?? '.newsroom', 'editor-token');
    if (existsSync(file)) {
      const spec = readFileSync(file, 'utf8').trim();
      token = spec.slice(spec.indexOf(':') + 1);
    }
  }
  return { url, ...(token ? { token } : {}) };
}

interface Problem {
  title?: string;
  status?: number;
  detail?: string;
  errors?: { pointer: string; detail: string }[];
}

/** "412 The story has moved on: story x is not at version 3 (it is at 5)" plus one line per field. */
export function describeProblem(status: number, body: string): string {
  let p: Problem | undefined;
  try {
    p = JSON.parse(body) as Problem;
  } catch {
    p = undefined;
  }
  if (!p || typeof p !== 'object') return `${status} ${body.slice(0, 200)}`.trim();
  const head = `${status} ${p.title ?? ''}${p.detail ? `: ${p.detail}` : ''}`;
  const fields = (p.errors ?? []).map((e) => `  ${e.pointer || '(body)'}: ${e.detail}`);
  return [head, ...fields].join('\n');
}

export interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One request. A 429 is waited out (Retry-After) and retried: a rate-limited write stored nothing,
 * so repeating it is safe. Network failures become exit code 3.
 */
export async function request(
  conn: Connection,
  method: 'GET' | 'POST',
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  for (let attempt = 1; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(conn.url + path, {
        method,
        headers: {
          // On reads too: the event log is the full record only for an editor (export must not lose retracted payloads).
          ...(conn.token ? { Authorization: `Bearer ${conn.token}` } : {}),
          ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...options.headers,
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`cannot reach ${conn.url}: ${cause?.code ?? cause?.message ?? String(error)}`, EXIT.unavailable);
    }
    const body = await res.text();
    if (res.status === 429 && attempt < 6) {
      await sleep(Math.min(30, Number(res.headers.get('retry-after')) || 1) * 1000);
      continue;
    }
    return { status: res.status, headers: res.headers, body };
  }
}

/** Throws the CLI error an unsuccessful answer means. */
export function failure(answer: Answer, hint = ''): CliError {
  const message = describeProblem(answer.status, answer.body) + (answer.status === 401 ? '\n  (set NEWSROOM_TOKEN, or pass --token)' : '') + hint;
  return new CliError(message, answer.status >= 500 ? EXIT.unavailable : EXIT.refused);
}
