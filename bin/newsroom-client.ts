/**
 * The CLI's HTTP side: where the newsroom is, which token to send, and what a failure means for
 * the exit code. Problem+json answers become readable messages.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { join } from 'node:path';
import { runningOwner } from '../functions/local/data-dir';

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

/** Where a token may come from, for messages. */
export const TOKEN_HELP =
  'give an editor token in NEWSROOM_TOKEN, in a file only you can read (--token-file or NEWSROOM_TOKEN_FILE), or on standard input (--token-stdin)';

export const usageError = (message: string) => new CliError(message, EXIT.usage);

export interface Connection {
  url: string;
  token?: string;
}

/** Where the token may come from: never the command line, where `ps` and the shell history show it. */
export interface TokenSource {
  /** --token-file: a file only its owner can read. */
  tokenFile?: string;
  /** --token-stdin: the first line of standard input. */
  tokenStdin?: boolean;
}

const LOOPBACK_NAMES = new Set(['localhost', '[::1]']);

/** 127.0.0.0/8, ::1 (and its IPv4-mapped form), `localhost`: traffic that never leaves the machine. */
export function isLoopback(url: URL): boolean {
  const host = url.hostname.toLowerCase();
  if (LOOPBACK_NAMES.has(host)) return true;
  // WHATWG URLs normalise 127.1 and 2130706433 to 127.0.0.1, and [::ffff:127.0.0.1] to [::ffff:7f00:1].
  if (/^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(host)) return true;
  return isIPv4(host) && host.startsWith('127.');
}

/** Reads a token file, refusing one that anyone but its owner can read or change (like ssh does a key). */
export function readTokenFile(file: string): string {
  let mode: number;
  let text: string;
  try {
    mode = statSync(file).mode;
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw usageError(`cannot read the token file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw usageError(
      `the token file ${file} is open to other users (mode ${(mode & 0o777).toString(8).padStart(3, '0')}): ` +
        `anyone who can read it can write as you. Run: chmod 600 ${file}`,
    );
  }
  return tokenText(text, file);
}

/** A token file holds the token, or `name:token` as `npm start` writes it; one line. */
function tokenText(text: string, from: string): string {
  const line = (text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '').trim();
  const token = line.slice(line.indexOf(':') + 1).trim();
  if (!token) throw usageError(`no token in ${from}`);
  return token;
}

/** Where a newsroom listens when nothing says otherwise (`npm start` without PORT). */
export const DEFAULT_URL = 'http://127.0.0.1:3000';

/**
 * The URL of the newsroom `npm start` runs on this data directory, as it wrote it into
 * `endpoint.json` (removed when it stops; see functions/local/data-dir.ts), whatever PORT and HOST
 * it was given; a server listening on every interface is reached on loopback. Undefined when no
 * server runs there.
 */
export function runningServerUrl(dataDir: string): string | undefined {
  const owner = runningOwner(dataDir);
  if (owner?.owner !== 'server' || !owner.url) return undefined;
  const url = new URL(owner.url);
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  else if (url.hostname === '[::]') url.hostname = '[::1]';
  return url.origin;
}

/**
 * The newsroom's URL and the editor token to send it. The URL is --server, else $NEWSROOM_URL,
 * else the server running on the data directory ($NEWSROOM_DATA_DIR, else ./.newsroom), else
 * DEFAULT_URL. The token comes from --token-file, --token-stdin, $NEWSROOM_TOKEN,
 * $NEWSROOM_TOKEN_FILE, or (for a newsroom on this machine only) the token `npm start` generated
 * in the data directory. A token is never sent over plain http to another machine: anyone on the
 * way could read it.
 */
export function connection(
  flags: { url?: string } & TokenSource,
  env: NodeJS.ProcessEnv = process.env,
  readStdin: () => string = () => {
    if (process.stdin.isTTY) throw usageError('--token-stdin: standard input is a terminal; pipe the token in, e.g. `pass newsroom | newsroom …`');
    return readFileSync(0, 'utf8');
  },
): Connection {
  const dataDir = env.NEWSROOM_DATA_DIR ?? '.newsroom';
  const raw = (flags.url ?? env.NEWSROOM_URL ?? runningServerUrl(dataDir) ?? DEFAULT_URL).replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`${raw} is not a URL (e.g. https://newsroom.example.org)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`${raw}: the newsroom is reached over http or https`);
  if (flags.tokenFile !== undefined && flags.tokenStdin) throw usageError('give --token-file or --token-stdin, not both');
  const local = isLoopback(url);
  let token: string | undefined;
  let from: string | undefined;
  if (flags.tokenFile !== undefined) [token, from] = [readTokenFile(flags.tokenFile), `--token-file ${flags.tokenFile}`];
  else if (flags.tokenStdin) [token, from] = [tokenText(readStdin(), 'standard input'), '--token-stdin'];
  else if (env.NEWSROOM_TOKEN) [token, from] = [env.NEWSROOM_TOKEN.trim(), 'NEWSROOM_TOKEN'];
  else if (env.NEWSROOM_TOKEN_FILE) [token, from] = [readTokenFile(env.NEWSROOM_TOKEN_FILE), `NEWSROOM_TOKEN_FILE ${env.NEWSROOM_TOKEN_FILE}`];
  else if (local) {
    // The local newsroom's own token: it means nothing to another host, so it is never sent to one.
    const file = join(dataDir, 'editor-token');
    if (existsSync(file)) [token, from] = [readTokenFile(file), file];
  }
  if (token && url.protocol === 'http:' && !local) {
    throw usageError(
      `refusing to send the editor token (from ${from}) over plain http to ${url.host}: anyone on the way could read it. ` +
        'Use the https:// URL, or, for public reads, no token (unset NEWSROOM_TOKEN).',
    );
  }
  return { url: raw, ...(token ? { token } : {}) };
}

// OSC … BEL/ST (window titles, hyperlinks); CSI, also in its one-byte C1 form (colours, cursor moves, erase); any other escape.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ESCAPE_SEQUENCE = /\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b\[[0-?]*[ -/]*[@-~]|\u009b[0-?]*[ -/]*[@-~]|\u001b[ -/]*[0-~]?/g;
/** C0 but tab and newline, DEL, C1, and the bidi embeddings, overrides and isolates that reorder what follows. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Server text made safe for a terminal: a hostile or broken server must not be able to move the
 * cursor, rewrite earlier lines, retitle the window or reverse what an editor reads.
 */
export function printable(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, '').replace(CONTROL, '');
}

/**
 * One JSON line for stdout: JSON.stringify escapes C0 but leaves DEL, C1, bidi controls and the
 * line separators raw; escaping them too keeps the data whole (an export must round-trip) and the
 * terminal safe.
 */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
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
  if (!p || typeof p !== 'object') return printable(`${status} ${body.slice(0, 200)}`.trim());
  const head = `${status} ${p.title ?? ''}${p.detail ? `: ${p.detail}` : ''}`;
  const fields = (p.errors ?? []).map((e) => `  ${e.pointer || '(body)'}: ${e.detail}`);
  return printable([head, ...fields].join('\n'));
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
  const message = describeProblem(answer.status, answer.body) + (answer.status === 401 ? `\n  ${TOKEN_HELP}` : '') + hint;
  return new CliError(message, answer.status >= 500 ? EXIT.unavailable : EXIT.refused);
}
