/**
 * `newsroom`: the editors' CLI over the HTTP API (bin/newsroom.js runs it through tsx).
 *
 *   newsroom open <story> --headline … --summary …
 *   newsroom post <story> --statement … --speaker … | --file update.json
 *   newsroom export <story>          the event log as NDJSON
 *   newsroom import <file>           NDJSON back in, idempotently
 *   newsroom replay …                delegates to bin/replay.ts
 *
 * Exit codes: 0 ok · 1 refused by the newsroom (4xx) · 2 usage or input error · 3 server error or unreachable.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError, connection, EXIT, failure, jsonLine, printable, request, TOKEN_HELP, usageError, type Connection } from './newsroom-client';

const COMMON_HELP = `
Connection:
  --server <url>    the newsroom (default $NEWSROOM_URL, else the newsroom \`npm start\` runs on
                    this machine's data directory, $NEWSROOM_DATA_DIR or .newsroom, whatever its
                    PORT, else http://127.0.0.1:3000). --url is its old name, still taken with a
                    warning, except on post, where it named the source link (now --source-url).
  --token-file <f>  read the editor token from this file (mode 600: refused if others can read it)
  --token-stdin     read the editor token from standard input
                    Default: $NEWSROOM_TOKEN, else the file $NEWSROOM_TOKEN_FILE, else, for a
                    newsroom on this machine, .newsroom/editor-token. There is no --token: a
                    command line shows in ps and in the shell history.
                    A token is never sent over plain http to another host: use https.

Exit codes: 0 ok, 1 refused by the newsroom (4xx), 2 usage or input error,
            3 newsroom failed (5xx) or unreachable.`;

const HELP: Record<string, string> = {
  main: `Usage: newsroom <command> [options]

Commands:
  open <story>     open a story
  post <story>     record an update (a statement from flags, or any update from a JSON file)
  export <story>   print the story's event log as NDJSON
  import <file>    copy an NDJSON export into a story (safe to re-run; not a restore)
  replay           rebuild projections (runs bin/replay.ts)

Run newsroom <command> --help for its options.
${COMMON_HELP}`,
  open: `Usage: newsroom open <story> --headline <text> --summary <text> [options]

  --headline <text>        the headline (required)
  --summary <text>         the summary (required)
  --language <tag>         BCP 47 language tag (default en)
  --topic <text>           a topic; repeat for several
  --idempotency-key <key>  make the request safe to retry
${COMMON_HELP}`,
  post: `Usage: newsroom post <story> --statement <quote> --speaker <name> [options]
       newsroom post <story> --file update.json [options]

  --statement <quote>      what was said, word for word (a direct quote)
  --reported               the words are reported speech (the reporter's account of what was
                           said, not the speaker's own words): published without quotation marks
  --speaker <name>         who said it
  --key-event              post it as a key event (to mark or pin an update later, post a
                           {"type":"key-event",…} or {"type":"pin",…} body with --file)
  --release-at <time>      embargo: record it now, publish it at this ISO 8601 time with a zone
                           (in the future, at most 30 days ahead); nothing of it is public until then
  --role <text>            the speaker's role
  --medium <text>          where it was said (interview, press conference …)
  --outlet <text>          the outlet that reported it
  --source-url <url>       link to the source (was --url, which now names nothing on post)
  --said-at <date>         ISO 8601 date or date-time with a zone
  --context <text>         context for the quote
  --file <path>            an update body as JSON (any type: article, correction, retraction,
                           headline, status …); - reads standard input
  --if-match <version>     record only if the story is still at this version (else 412, exit 1)
  --idempotency-key <key>  make the request safe to retry

Prints the result as JSON: {"storyId","updateId","version","recordedAt"} (and "releaseAt" under embargo).
${COMMON_HELP}`,
  export: `Usage: newsroom export <story> [--page-size <n>]

Prints every event of the story, oldest first, one JSON object per line (follows pagination).
With an editor's token (as for post) it is the full record; without one, the public log, where
what a retraction withdrew is masked.

  --page-size <n>   events per request, 1 to 1000 (default 1000)
${COMMON_HELP}`,
  import: `Usage: newsroom import <file> [--story <id>]

Records the events of an NDJSON export (- reads standard input) into a story: a copy of the
content, not a backup (docs/operations.md says how to back up and restore). Each line is sent
with an Idempotency-Key derived from its source story and version, and every event keeps its
key: an import run again, by any editor and at any time, skips what an earlier run recorded (it
reads the target story's log first). The story is opened if needed. Corrections, retractions,
key events and pins are pointed at the imported ids of their targets. Events are recorded by the
importing editor, at import time, under new update ids (the API assigns them).

An export is refused in its own story (the story already holds its updates): that would record
every update twice.

  --story <id>   import into this story instead of the one named in the file
${COMMON_HELP}`,
  replay: `Usage: newsroom replay [options]

Rebuilds the projections from the event log: runs bin/replay.ts (npm run replay) with the same
options; see newsroom replay --help once it is installed.`,
};

const tokenOptions = {
  // Parsed only to refuse it with the alternatives, rather than as an unknown option.
  token: { type: 'string' },
  'token-file': { type: 'string' },
  'token-stdin': { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

const connectionOptions = {
  server: { type: 'string' },
  // The server's old name: taken with a warning (post refuses it, see post).
  url: { type: 'string' },
  ...tokenOptions,
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** A flag's old name still works for now: says so on stderr, where a script's output is not. */
const renamed = (old: string, now: string) => process.stderr.write(`newsroom: ${old} is deprecated and will go: use ${now} (the same)\n`);

/** The connection from parsed flags; `stdinInput` names what else reads standard input, if anything. */
function connect(
  values: { server?: string; url?: string; token?: string; 'token-file'?: string; 'token-stdin'?: boolean },
  stdinInput?: string,
): Connection {
  if (values.server !== undefined && values.url !== undefined) throw usageError('give --server only (--url is its old name)');
  if (values.url !== undefined) renamed('--url', '--server');
  const server = values.server ?? values.url;
  if (values.token !== undefined) {
    throw usageError(`--token is not accepted: a token on the command line shows in ps and in the shell history; ${TOKEN_HELP}`);
  }
  if (values['token-stdin'] && stdinInput) throw usageError(`--token-stdin and ${stdinInput} cannot both read standard input`);
  return connection({
    ...(server === undefined ? {} : { url: server }),
    ...(values['token-file'] === undefined ? {} : { tokenFile: values['token-file'] }),
    ...(values['token-stdin'] ? { tokenStdin: true } : {}),
  });
}

/** Prints a JSON answer of the server as one terminal-safe line (or its text, stripped, if it is not JSON). */
function printAnswer(body: string): void {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    out(printable(body));
    return;
  }
  out(jsonLine(value));
}

function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O, command: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError(`${(error as Error).message}\n\n${HELP[command]}`);
  }
}

const out = (line: string) => process.stdout.write(line + '\n');

function storyArg(positionals: string[], command: string): string {
  const [story, ...rest] = positionals;
  if (!story) throw usageError(`missing <story>\n\n${HELP[command]}`);
  if (rest.length > 0) throw usageError(`unexpected argument ${rest[0]}\n\n${HELP[command]}`);
  return story;
}

const path = (story: string) => `/api/stories/${encodeURIComponent(story)}`;

async function open(args: string[]): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      ...connectionOptions,
      headline: { type: 'string' },
      summary: { type: 'string' },
      language: { type: 'string' },
      topic: { type: 'string', multiple: true },
      'idempotency-key': { type: 'string' },
    },
    'open',
  );
  if (values.help) return help('open');
  const story = storyArg(positionals, 'open');
  if (values.headline === undefined || values.summary === undefined) throw usageError(`--headline and --summary are required\n\n${HELP.open}`);
  const body = {
    id: story,
    headline: values.headline,
    summary: values.summary,
    ...(values.language === undefined ? {} : { language: values.language }),
    ...(values.topic === undefined ? {} : { topics: values.topic }),
  };
  const conn = connect(values);
  const answer = await request(conn, 'POST', '/api/stories', {
    body,
    headers: values['idempotency-key'] ? { 'Idempotency-Key': values['idempotency-key'] } : {},
  });
  if (answer.status !== 201) throw failure(answer);
  printAnswer(answer.body);
  return EXIT.ok;
}

function readInput(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw usageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

async function post(args: string[]): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      ...tokenOptions,
      help: connectionOptions.help,
      server: connectionOptions.server,
      // Old names: --api-url was the server here (taken with a warning); --url was the source
      // link, and is refused rather than taken for the server, where the token would go.
      'api-url': { type: 'string' },
      'source-url': { type: 'string' },
      statement: { type: 'string' },
      reported: { type: 'boolean' },
      'key-event': { type: 'boolean' },
      'release-at': { type: 'string' },
      speaker: { type: 'string' },
      role: { type: 'string' },
      medium: { type: 'string' },
      outlet: { type: 'string' },
      url: { type: 'string' },
      'said-at': { type: 'string' },
      context: { type: 'string' },
      file: { type: 'string' },
      'if-match': { type: 'string' },
      'idempotency-key': { type: 'string' },
    },
    'post',
  );
  if (values.help) return help('post');
  const story = storyArg(positionals, 'post');
  // The token first: --token is refused before anything is read, and --token-stdin must not race --file -.
  if (values.url !== undefined) {
    throw usageError(
      `--url no longer names the source link on post: give the link as --source-url, and the newsroom, if need be, as --server\n\n${HELP.post}`,
    );
  }
  if (values['api-url'] !== undefined && values.server !== undefined) throw usageError('give --server only (--api-url is its old name)');
  if (values['api-url'] !== undefined) renamed('--api-url', '--server');
  const conn = connect({ ...values, url: undefined, server: values.server ?? values['api-url'] }, values.file === '-' ? '--file -' : undefined);
  let body: unknown;
  if (values.file !== undefined) {
    if (
      values.statement !== undefined ||
      values.speaker !== undefined ||
      values.reported ||
      values['key-event'] ||
      values['release-at'] !== undefined
    )
      throw usageError(`give either --file or --statement/--speaker\n\n${HELP.post}`);
    try {
      body = JSON.parse(readInput(values.file));
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw usageError(`${values.file} is not valid JSON`);
    }
  } else {
    if (values.statement === undefined || values.speaker === undefined)
      throw usageError(`--statement and --speaker are required (or --file)\n\n${HELP.post}`);
    body = {
      type: 'statement',
      speaker: { name: values.speaker, ...(values.role === undefined ? {} : { role: values.role }) },
      quote: values.statement,
      speech: values.reported ? 'reported' : 'direct',
      ...(values['key-event'] ? { keyEvent: true } : {}),
      ...(values['release-at'] === undefined ? {} : { releaseAt: values['release-at'] }),
      ...(values['said-at'] === undefined ? {} : { saidAt: values['said-at'] }),
      ...(values.medium === undefined ? {} : { medium: values.medium }),
      ...(values.outlet === undefined ? {} : { outlet: values.outlet }),
      ...(values['source-url'] === undefined ? {} : { url: values['source-url'] }),
      ...(values.context === undefined ? {} : { context: values.context }),
    };
  }
  const ifMatch = values['if-match'];
  if (ifMatch !== undefined && !/^\d{1,15}$/.test(ifMatch.replace(/^"|"$/g, ''))) throw usageError('--if-match takes a story version, e.g. 12');
  const answer = await request(conn, 'POST', `${path(story)}/updates`, {
    body,
    headers: {
      ...(ifMatch === undefined ? {} : { 'If-Match': `"${ifMatch.replace(/^"|"$/g, '')}"` }),
      ...(values['idempotency-key'] === undefined ? {} : { 'Idempotency-Key': values['idempotency-key'] }),
    },
  });
  if (answer.status !== 201) throw failure(answer);
  printAnswer(answer.body);
  return EXIT.ok;
}

interface ExportedEvent {
  type: string;
  data: Record<string, unknown>;
  metadata: { storyId: string; version: number; updateId: string; idempotencyKey?: string };
  /** Set by the public log on what a retraction withdrew: the payload is not there. */
  withheld?: unknown;
}

async function* events(conn: Connection, story: string, pageSize: number): AsyncGenerator<ExportedEvent> {
  let next: string | undefined = `${path(story)}/events?limit=${pageSize}`;
  while (next) {
    const answer = await request(conn, 'GET', next);
    if (answer.status !== 200) throw failure(answer);
    const page = JSON.parse(answer.body) as { events: ExportedEvent[]; next?: string };
    yield* page.events;
    next = page.next;
  }
}

async function exportStory(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { ...connectionOptions, 'page-size': { type: 'string' } }, 'export');
  if (values.help) return help('export');
  const story = storyArg(positionals, 'export');
  const pageSize = Number(values['page-size'] ?? 1000);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw usageError('--page-size takes a number from 1 to 1000');
  for await (const event of events(connect(values), story, pageSize)) {
    // The public log withholds what retractions withdrew: it is no backup, and importing it would stop at the first masked update.
    if (event.withheld !== undefined) {
      throw new CliError(
        `event ${event.metadata.version} came back masked (a retraction withdrew it from public reads): export with an editor's token, ` +
          'against the API URL rather than the CDN, which does not forward Authorization',
        EXIT.refused,
      );
    }
    out(jsonLine(event));
  }
  return EXIT.ok;
}

/** The update body that records an exported event again; targets are mapped to their imported ids. */
function updateBody(event: ExportedEvent, target: (id: unknown) => string): unknown {
  const d = event.data;
  // An embargo's time has passed by the time it is imported, and its release is the system's own event.
  if (d.releaseAt !== undefined) throw usageError(`version ${event.metadata.version} is an embargoed update: embargoes are not imported`);
  switch (event.type) {
    case 'ArticlePublished':
      return { type: 'article', ...d };
    case 'StatementRecorded':
      return { type: 'statement', ...d };
    case 'UpdateCorrected':
      return { type: 'correction', target: target(d.target), changes: d.changes, note: d.note };
    case 'UpdateRetracted':
      return { type: 'retraction', target: target(d.target), reason: d.reason };
    case 'HeadlineChanged':
      return { type: 'headline', ...d };
    case 'StatusChanged':
      return { type: 'status', status: d.status };
    case 'KeyEventMarked':
    case 'KeyEventUnmarked':
      return { type: 'key-event', target: target(d.target), keyEvent: event.type === 'KeyEventMarked' };
    case 'UpdatePinned':
      // A pin that replaced another names it in `replaced`: pinning again replaces it the same way.
      return { type: 'pin', target: target(d.target) };
    case 'UpdateUnpinned':
      return { type: 'unpin' };
    default:
      throw usageError(`unknown event type ${event.type}`);
  }
}

/** The Idempotency-Key an import sends for a source event, and finds again on the event it recorded. */
const importKey = (source: string, version: number) => `import-${source}-${version}`;

/** What a target story holds: its update ids, and the ids of the events earlier imports recorded, by their keys. */
interface TargetLog {
  updateIds: Set<string>;
  byKey: Map<string, string>;
}

/** The target story's log (one story's Query, paged; nothing when there is no such story yet), read with the editor's token. */
async function targetLog(conn: Connection, story: string): Promise<TargetLog> {
  const log: TargetLog = { updateIds: new Set(), byKey: new Map() };
  const first = await request(conn, 'GET', `${path(story)}/events?limit=1`);
  if (first.status === 404) return log;
  if (first.status !== 200) throw failure(first);
  for await (const event of events(conn, story, 1000)) {
    log.updateIds.add(event.metadata.updateId);
    if (event.metadata.idempotencyKey) log.byKey.set(event.metadata.idempotencyKey, event.metadata.updateId);
  }
  return log;
}

/** The source update id of an export's line ('' for a line that does not parse: the import reports it). */
function updateIdOf(line: string): string {
  try {
    return String((JSON.parse(line) as Partial<ExportedEvent> | null)?.metadata?.updateId ?? '');
  } catch {
    return '';
  }
}

async function importFile(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { ...connectionOptions, story: { type: 'string' } }, 'import');
  if (values.help) return help('import');
  const file = storyArg(positionals, 'import');
  const conn = connect(values, file === '-' ? 'the file -' : undefined);
  const lines = readInput(file).split('\n');
  // Refuse a public (masked) log before posting anything, rather than stopping half way at its first masked update.
  for (const [index, line] of lines.entries()) {
    let parsed: Partial<ExportedEvent> | undefined;
    try {
      parsed = JSON.parse(line) as Partial<ExportedEvent>;
    } catch {
      continue; // reported, with its place, by the import below
    }
    if (parsed?.withheld !== undefined) {
      throw usageError(
        `${file}:${index + 1}: a masked event (a retraction withdrew its payload from public reads): this is a public log, not an export; nothing was imported`,
      );
    }
  }
  /** source story → (source updateId → imported updateId) */
  const ids = new Map<string, Map<string, string>>();
  /** target story → what is in it already (read once, when the import first reaches it) */
  const targets = new Map<string, TargetLog>();
  let recorded = 0;
  let replayed = 0;
  for (const [index, line] of lines.entries()) {
    if (!line.trim()) continue;
    const where = `${file}:${index + 1}`;
    let event: ExportedEvent;
    try {
      event = JSON.parse(line) as ExportedEvent;
    } catch {
      throw usageError(`${where}: not a JSON line`);
    }
    const source = event?.metadata?.storyId;
    if (typeof source !== 'string' || !Number.isInteger(event.metadata.version) || typeof event.type !== 'string') {
      throw usageError(`${where}: not an exported event (type, data, metadata.storyId, metadata.version)`);
    }
    const story = values.story ?? source;
    const known = ids.get(source) ?? new Map<string, string>();
    ids.set(source, known);
    // Derived from the source event. Every event keeps the key it was recorded with, so an event
    // imported before, by any editor and however long ago, is found in the target's log and skipped.
    const key = importKey(source, event.metadata.version);
    const headers = { 'Idempotency-Key': key };
    let target = targets.get(story);
    if (!target) {
      target = await targetLog(conn, story);
      targets.set(story, target);
      const held = target.updateIds;
      if (lines.some((l) => held.has(updateIdOf(l)))) {
        throw new CliError(
          `${file} is an export of the story ${story} itself (its updates are in it): importing it there would record every update a ` +
            `second time, under new ids. Nothing was imported. To copy the story, import it into another one (--story <new-id>); ` +
            `to restore a story, restore a backup of the data (docs/operations.md, "Backup and restore").`,
          EXIT.usage,
        );
      }
    }
    const before = target.byKey.get(key);
    if (before !== undefined) {
      known.set(event.metadata.updateId, before);
      replayed++;
      continue;
    }
    let answer;
    if (event.type === 'StoryOpened') {
      const { headline, summary, language, topics } = event.data;
      answer = await request(conn, 'POST', '/api/stories', { body: { id: story, headline, summary, language, topics }, headers });
      // Opened before, by someone else or without this key: import into it.
      if (answer.status === 409 && /exists already/.test(answer.body)) continue;
    } else {
      const body = updateBody(event, (id) => {
        const mapped = known.get(String(id));
        if (!mapped) throw usageError(`${where}: the target ${String(id)} is not an update imported earlier from this file`);
        return mapped;
      });
      answer = await request(conn, 'POST', `${path(story)}/updates`, { body, headers });
    }
    if (answer.status !== 201) throw failure(answer, `\n  at ${where}`);
    const result = JSON.parse(answer.body) as { updateId: string };
    known.set(event.metadata.updateId, result.updateId);
    if (answer.headers.get('idempotent-replayed') === 'true') replayed++;
    else recorded++;
  }
  process.stderr.write(`imported: ${recorded} recorded, ${replayed} already there\n`);
  return EXIT.ok;
}

function replay(args: string[]): number {
  const script = fileURLToPath(new URL('./replay.ts', import.meta.url));
  if (!existsSync(script)) {
    process.stderr.write(`newsroom replay: bin/replay.ts is not in this checkout\n\n${HELP.replay}\n`);
    return EXIT.usage;
  }
  const tsx = fileURLToPath(import.meta.resolve('tsx/cli'));
  const run = spawnSync(process.execPath, [tsx, script, ...args], { stdio: 'inherit' });
  return run.status ?? EXIT.unavailable;
}

function help(command: string): number {
  out(HELP[command] ?? HELP.main!);
  return EXIT.ok;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case undefined:
      case '--help':
      case '-h':
        return help('main');
      case 'help':
        return help(args[0] ?? 'main');
      case 'open':
        return await open(args);
      case 'post':
        return await post(args);
      case 'export':
        return await exportStory(args);
      case 'import':
        return await importFile(args);
      case 'replay':
        return replay(args);
      default:
        throw usageError(`unknown command ${command}\n\n${HELP.main}`);
    }
  } catch (error) {
    // Messages carry server text (problem details, ids): printed only once stripped of terminal controls.
    if (error instanceof CliError) {
      process.stderr.write(`newsroom ${printable(command ?? '')}: ${printable(error.message)}\n`);
      return error.exitCode;
    }
    process.stderr.write(`newsroom ${printable(command ?? '')}: ${printable(error instanceof Error ? error.message : String(error))}\n`);
    return EXIT.unavailable;
  }
}
