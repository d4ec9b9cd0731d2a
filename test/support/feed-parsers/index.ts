/**
 * Test harness around REAL third-party feed tools (installed by scripts/install-test-tools.sh, which `npm test` runs first):
 *
 * - xmllint  (libxml2)            assertWellFormedXml
 * - jing     (RELAX NG, RFC 4287) assertValidAtom
 * - feedparser (/usr/bin/python3) parseWithFeedparser
 * - newsboat (a real feed reader) readWithNewsboat / createNewsboatSession
 * - assertValidJsonFeed11: a hand-written checker of https://jsonfeed.org/version/1.1
 *
 * Each tool helper throws an Error carrying the tool's own messages when the check fails,
 * and an Error naming the install script when the tool itself is missing. Documents may be
 * given as strings (sent as UTF-8) or as bytes (sent as they are, for other encodings).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Debian's interpreter: it has python3-feedparser; the pyenv `python3` on PATH does not. */
export const DEBIAN_PYTHON = '/usr/bin/python3';
/** RELAX NG compact grammar of RFC 4287 (a copy of shared/schemas/atom-rfc4287.rnc). */
export const ATOM_RNC_PATH = fileURLToPath(new URL('../../fixtures/atom-rfc4287.rnc', import.meta.url));
const FEEDPARSE_PY = fileURLToPath(new URL('./feedparse.py', import.meta.url));
const INSTALL_HINT =
  'run `bash scripts/install-test-tools.sh` (npm test runs it first) to install the feed test tools, or see what it says to install';

// ---------------------------------------------------------------------------------------------
// process plumbing

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface RunOptions {
  input?: string | Uint8Array;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 30_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        e.code === 'ENOENT'
          ? new Error(`${cmd} not found: ${INSTALL_HINT}`, { cause: e })
          : new Error(`${cmd} could not be started: ${e.message}`, { cause: e }),
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) {
        reject(new Error(`${cmd} ${args.join(' ')} timed out after ${opts.timeoutMs ?? 30_000} ms\n${stderr}${stdout}`));
      } else {
        resolve({ code, signal, stdout, stderr });
      }
    });
    // A tool that exits early (e.g. on a parse error) closes stdin: ignore EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// xmllint

/** Throws unless `xml` is a well-formed XML document (libxml2's `xmllint --noout --nonet -`). */
export async function assertWellFormedXml(xml: string | Uint8Array): Promise<void> {
  const r = await run('xmllint', ['--noout', '--nonet', '-'], { input: xml });
  if (r.code !== 0) {
    throw new Error(`xmllint: document is not well-formed XML (exit ${r.code}):\n${r.stderr.trim()}`);
  }
}

// ---------------------------------------------------------------------------------------------
// jing + RFC 4287 grammar

/** jing's launcher warns about optional jars that --no-install-recommends leaves out. */
export const JING_NOISE = /^\[warning\] \S*jing: Unable to locate .*$/;

/**
 * The same XML with every character outside the Basic Multilingual Plane written as a character
 * reference. jing's Xerces reads a 4-byte UTF-8 sequence that straddles its 8 KB buffer as
 * malformed ("Invalid byte 2 of 4-byte UTF-8 sequence", seed 1973533034 of the accepted-input
 * property test: a valid document, byte 8,233; the same document with references passes). The
 * grammar sees the same characters either way (a reference in a comment or CDATA is only text,
 * and no Atom pattern constrains those); xmllint and feedparser still read the bytes as served.
 */
export const bmpOnly = (doc: string) => doc.replace(/[\u{10000}-\u{10FFFF}]/gu, (c) => `&#x${c.codePointAt(0)!.toString(16).toUpperCase()};`);

/**
 * Throws unless `xml` validates against the RELAX NG grammar of RFC 4287 (jing -c). The grammar
 * has no Schematron rules: e.g. "a feed needs an author unless every entry has one" is not checked.
 */
export async function assertValidAtom(xml: string | Uint8Array): Promise<void> {
  await withTempDir('atom-jing-', async (dir) => {
    const file = join(dir, 'document.atom');
    await writeFile(file, bmpOnly(typeof xml === 'string' ? xml : new TextDecoder('utf-8', { fatal: true }).decode(xml)));
    const r = await run('jing', ['-c', ATOM_RNC_PATH, file]);
    if (r.code !== 0) {
      const messages = `${r.stdout}\n${r.stderr}`
        .split('\n')
        .filter((l) => l.trim() !== '' && !JING_NOISE.test(l))
        .map((l) => l.replaceAll(file, 'document.atom'))
        .join('\n');
      throw new Error(`jing: document is not valid Atom (RFC 4287 RELAX NG), exit ${r.code}:\n${messages}`);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// feedparser

export interface FeedparserLink {
  href?: string;
  rel?: string;
  type?: string;
  title?: string;
  hreflang?: string;
  length?: string;
}

export interface FeedparserPerson {
  name?: string;
  href?: string;
  email?: string;
}

export interface FeedparserContent {
  /** MIME type as feedparser reports it: "text/plain", "text/html", "application/xhtml+xml"… */
  type: string | null;
  value: string | null;
  /** xml:lang in scope (Atom), or null. */
  language: string | null;
}

/** Feed-level fields. Raw date strings as in the document; `*_parsed` are ISO 8601 UTC. */
export interface FeedparserFeed {
  title: string | null;
  subtitle: string | null;
  link: string | null;
  links: FeedparserLink[];
  language: string | null;
  id: string | null;
  updated: string | null;
  updated_parsed: string | null;
  author: string | null;
  authors: FeedparserPerson[];
  title_language: string | null;
  /** Every other key feedparser produced, e.g. "generator", "at_deleted-entry" (RFC 6721). */
  extra: Record<string, unknown>;
}

export interface FeedparserEntry {
  id: string | null;
  title: string | null;
  link: string | null;
  links: FeedparserLink[];
  summary: string | null;
  content: FeedparserContent[];
  published: string | null;
  published_parsed: string | null;
  updated: string | null;
  updated_parsed: string | null;
  author: string | null;
  authors: FeedparserPerson[];
  /** Category terms. */
  tags: string[];
  enclosures: FeedparserLink[];
  title_language: string | null;
  /** Every other key, e.g. "thr_in-reply-to" (RFC 4685), "guidislink". */
  extra: Record<string, unknown>;
}

export interface FeedparserResult {
  bozo: boolean;
  /** "ExceptionType: message", or null. */
  bozo_exception: string | null;
  /** "atom10", "rss20", … or "" when feedparser could not tell. */
  version: string;
  encoding: string | null;
  namespaces: Record<string, string>;
  feed: FeedparserFeed;
  entries: FeedparserEntry[];
}

export interface FeedparserOptions {
  /** Pretend this Content-Type response header (affects encoding detection and bozo). */
  contentType?: string;
  /** Pretend this Content-Location (base URL for relative links). */
  location?: string;
}

/**
 * Parses `doc` with Python's Universal Feed Parser (Debian's python3-feedparser). It does not
 * throw on a bozo (ill-formed) feed — check `result.bozo` — only when the tool itself fails.
 * feedparser 6.0 reads Atom and RSS, not JSON Feed (a JSON document comes back bozo).
 */
export async function parseWithFeedparser(doc: string | Uint8Array, options: FeedparserOptions = {}): Promise<FeedparserResult> {
  const args = [FEEDPARSE_PY];
  if (options.contentType !== undefined) args.push('--content-type', options.contentType);
  if (options.location !== undefined) args.push('--location', options.location);
  const r = await run(DEBIAN_PYTHON, args, { input: doc });
  if (r.code !== 0) {
    throw new Error(`feedparser (${DEBIAN_PYTHON} feedparse.py) failed, exit ${r.code}: ${INSTALL_HINT}?\n${r.stderr.trim()}`);
  }
  return JSON.parse(r.stdout) as FeedparserResult;
}

// ---------------------------------------------------------------------------------------------
// newsboat

/**
 * One row of newsboat's cache table `rss_item`. newsboat (2.21) keys items by guid alone, across
 * feeds: feeds sharing guids (e.g. the Atom and RSS editions of one newsroom) share cache rows.
 */
export interface NewsboatItem {
  guid: string;
  title: string;
  url: string;
  feedUrl: string;
  author: string;
  /** Seconds since the epoch (Atom: <published> if present, else <updated>; RSS: <pubDate>). */
  pubDate: number;
  content: string;
  unread: boolean;
  deleted: boolean;
  enclosureUrl: string | null;
  enclosureType: string | null;
}

export interface NewsboatSession {
  /** Temp dir holding urls, config, cache.db and error.log (and newsboat's HOME). */
  readonly dir: string;
  readonly cacheFile: string;
  /**
   * Runs `newsboat -x reload` against the same cache and returns every cached item, newest
   * pubDate first. Throws if newsboat exits non-zero or writes anything to its error log
   * (newsboat exits 0 even when a feed cannot be fetched).
   */
  reload(): Promise<NewsboatItem[]>;
  /** Reads the cached items without reloading. */
  items(): Promise<NewsboatItem[]>;
  /** Deletes the temp dir. */
  close(): Promise<void>;
}

export interface NewsboatOptions {
  /** Extra newsboat config lines, e.g. `max-items 50`, `reset-unread-on-update "<feed url>"`. */
  config?: string[];
  /** Per reload; default 20 s. */
  timeoutMs?: number;
}

const READ_CACHE_PY = `
import json, pathlib, sqlite3, sys
con = sqlite3.connect(pathlib.Path(sys.argv[1]).as_uri() + "?mode=ro", uri=True)
con.row_factory = sqlite3.Row
rows = con.execute("SELECT guid, title, author, url, feedurl, pubDate, content, unread, deleted,"
                   " enclosure_url, enclosure_type FROM rss_item ORDER BY pubDate DESC, id DESC")
print(json.dumps([dict(r) for r in rows], ensure_ascii=False))
`;

interface RawItem {
  guid: string;
  title: string;
  author: string;
  url: string;
  feedurl: string;
  pubDate: number;
  content: string;
  unread: number;
  deleted: number;
  enclosure_url: string | null;
  enclosure_type: string | null;
}

/**
 * A newsboat instance with its own temp dir (HOME, XDG dirs, urls, config, cache), reading
 * feeds that the caller serves over HTTP (e.g. node:http on 127.0.0.1). Reloads may be repeated
 * to check how a real reader treats changed entries; they are serialized.
 *
 * Conditional GET: newsboat stores Last-Modified/ETag and sends If-Modified-Since/If-None-Match
 * on later reloads. A test server that sends a second-resolution Last-Modified and changes the
 * feed within the same second gets a 304 and newsboat keeps the old items: either send no
 * validators (as test/support/feed-parsers/harness.test.ts does) or change them on every edit.
 */
export async function createNewsboatSession(feedUrls: string[], options: NewsboatOptions = {}): Promise<NewsboatSession> {
  if (feedUrls.length === 0) throw new Error('createNewsboatSession: no feed URLs');
  const dir = await mkdtemp(join(tmpdir(), 'newsboat-'));
  const urlsFile = join(dir, 'urls');
  const configFile = join(dir, 'config');
  const cacheFile = join(dir, 'cache.db');
  const errorLog = join(dir, 'error.log');
  await writeFile(urlsFile, feedUrls.map((u) => `${u}\n`).join(''), 'utf8');
  const config = [
    `error-log "${errorLog}"`,
    'download-timeout 10',
    // One thread keeps the outcome deterministic: newsboat keys cached items by guid ALONE,
    // so when two feeds share guids the feed fetched last owns them.
    'reload-threads 1',
    ...(options.config ?? []),
  ];
  await writeFile(configFile, config.map((l) => `${l}\n`).join(''), 'utf8');
  // A clean environment: HOME/XDG point into the temp dir so the user's ~/.newsboat is never
  // read or created, no proxy variables leak in (feeds are on loopback), a known locale/TERM.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, 'xdg-config'),
    XDG_DATA_HOME: join(dir, 'xdg-data'),
    TMPDIR: dir,
    TERM: 'dumb',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
  };

  const items = async (): Promise<NewsboatItem[]> => {
    const r = await run(DEBIAN_PYTHON, ['-c', READ_CACHE_PY, cacheFile]);
    if (r.code !== 0) throw new Error(`reading newsboat cache ${cacheFile} failed:\n${r.stderr.trim()}`);
    return (JSON.parse(r.stdout) as RawItem[]).map((i) => ({
      guid: i.guid,
      title: i.title,
      url: i.url,
      feedUrl: i.feedurl,
      author: i.author,
      pubDate: i.pubDate,
      content: i.content,
      unread: i.unread !== 0,
      deleted: i.deleted !== 0,
      enclosureUrl: i.enclosure_url,
      enclosureType: i.enclosure_type,
    }));
  };

  const reloadOnce = async (): Promise<NewsboatItem[]> => {
    await writeFile(errorLog, '', 'utf8');
    const args = ['-u', urlsFile, '-c', cacheFile, '-C', configFile, '-x', 'reload'];
    const r = await run('newsboat', args, { env, cwd: dir, timeoutMs: options.timeoutMs ?? 20_000 });
    const errors = (await readFile(errorLog, 'utf8').catch(() => '')).trim();
    if (r.code !== 0 || errors !== '') {
      throw new Error(`newsboat -x reload failed (exit ${r.code}):\n${[errors, r.stderr.trim(), r.stdout.trim()].filter(Boolean).join('\n')}`);
    }
    return items();
  };

  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;
  return {
    dir,
    cacheFile,
    reload() {
      if (closed) return Promise.reject(new Error('newsboat session is closed'));
      const next = queue.then(reloadOnce, reloadOnce);
      queue = next.catch(() => {});
      return next;
    },
    items,
    async close() {
      closed = true;
      await queue;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One-shot: newsboat reloads `feedUrls` once into a fresh cache; returns the cached items. */
export async function readWithNewsboat(feedUrls: string[], options: NewsboatOptions = {}): Promise<NewsboatItem[]> {
  const session = await createNewsboatSession(feedUrls, options);
  try {
    return await session.reload();
  } finally {
    await session.close();
  }
}

// ---------------------------------------------------------------------------------------------
// JSON Feed 1.1 (https://jsonfeed.org/version/1.1), hand-written

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;
function isRfc3339(s: string): boolean {
  const m = RFC3339.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  const offOk = m[8] === undefined || (Number(m[9]) <= 23 && Number(m[10]) <= 59);
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth && h <= 23 && mi <= 59 && sec <= 60 && offOk;
}
/** Well-formed, not registry-checked (the same pattern as RFC 4287's atomLanguageTag). */
const LANGUAGE_TAG = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/;

/**
 * Every violation of JSON Feed 1.1 in `doc` (a parsed object, or JSON text), as "$.path: problem".
 * Checks required members and the types of the members the spec defines; URL members must be
 * absolute URLs. Extension members (leading "_") and unknown members are not checked.
 */
export function jsonFeed11Violations(doc: unknown): string[] {
  const v: string[] = [];
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc) as unknown;
    } catch (e) {
      return [`$: not JSON: ${(e as Error).message}`];
    }
  }
  const check = (o: Json, path: string, key: string, kind: 'string' | 'url' | 'date' | 'lang' | 'boolean' | 'number', required = false) => {
    const val = o[key];
    const p = `${path}.${key}`;
    if (val === undefined) {
      if (required) v.push(`${p}: required member is missing`);
      return;
    }
    const want = kind === 'boolean' || kind === 'number' ? kind : 'string';
    if (typeof val !== want || (kind === 'number' && !Number.isFinite(val))) {
      v.push(`${p}: must be a ${want}, got ${JSON.stringify(val)}`);
    } else if (kind === 'url' && !URL.canParse(val as string)) {
      v.push(`${p}: must be an absolute URL, got ${JSON.stringify(val)}`);
    } else if (kind === 'date' && !isRfc3339(val as string)) {
      v.push(`${p}: must be an RFC 3339 date-time, got ${JSON.stringify(val)}`);
    } else if (kind === 'lang' && !LANGUAGE_TAG.test(val as string)) {
      v.push(`${p}: must be an RFC 5646 language tag, got ${JSON.stringify(val)}`);
    }
  };
  const arrayOf = (o: Json, path: string, key: string, each: (el: unknown, p: string) => void, required = false) => {
    const val = o[key];
    if (val === undefined) {
      if (required) v.push(`${path}.${key}: required member is missing`);
    } else if (!Array.isArray(val)) {
      v.push(`${path}.${key}: must be an array`);
    } else {
      val.forEach((el, i) => each(el, `${path}.${key}[${i}]`));
    }
  };
  const author = (a: unknown, p: string) => {
    if (!isObject(a)) return void v.push(`${p}: must be an object`);
    for (const k of ['name', 'url', 'avatar'] as const) check(a, p, k, k === 'name' ? 'string' : 'url');
    if (a.name === undefined && a.url === undefined && a.avatar === undefined) {
      v.push(`${p}: an author needs at least one of name, url, avatar`);
    }
  };
  const authors = (o: Json, p: string) => {
    arrayOf(o, p, 'authors', author);
    if (o.author !== undefined) author(o.author, `${p}.author`); // deprecated 1.0 member
  };

  if (!isObject(doc)) return ['$: a feed must be a JSON object'];
  if (doc.version === undefined) v.push('$.version: required member is missing');
  else if (doc.version !== 'https://jsonfeed.org/version/1.1') {
    v.push(`$.version: must be "https://jsonfeed.org/version/1.1", got ${JSON.stringify(doc.version)}`);
  }
  check(doc, '$', 'title', 'string', true);
  for (const k of ['home_page_url', 'feed_url', 'next_url', 'icon', 'favicon']) check(doc, '$', k, 'url');
  check(doc, '$', 'description', 'string');
  check(doc, '$', 'user_comment', 'string');
  check(doc, '$', 'language', 'lang');
  check(doc, '$', 'expired', 'boolean');
  authors(doc, '$');
  arrayOf(doc, '$', 'hubs', (h, p) => {
    if (!isObject(h)) return void v.push(`${p}: must be an object`);
    check(h, p, 'type', 'string', true);
    check(h, p, 'url', 'url', true);
  });
  arrayOf(
    doc,
    '$',
    'items',
    (item, p) => {
      if (!isObject(item)) return void v.push(`${p}: must be an object`);
      check(item, p, 'id', 'string', true);
      if (item.id === '') v.push(`${p}.id: must not be empty`);
      if (item.content_html === undefined && item.content_text === undefined) {
        v.push(`${p}: needs content_html or content_text (or both)`);
      }
      for (const k of ['content_html', 'content_text', 'title', 'summary']) check(item, p, k, 'string');
      for (const k of ['url', 'external_url', 'image', 'banner_image']) check(item, p, k, 'url');
      check(item, p, 'date_published', 'date');
      check(item, p, 'date_modified', 'date');
      check(item, p, 'language', 'lang');
      authors(item, p);
      arrayOf(item, p, 'tags', (t, tp) => {
        if (typeof t !== 'string') v.push(`${tp}: must be a string`);
      });
      arrayOf(item, p, 'attachments', (a, ap) => {
        if (!isObject(a)) return void v.push(`${ap}: must be an object`);
        check(a, ap, 'url', 'url', true);
        check(a, ap, 'mime_type', 'string', true);
        check(a, ap, 'title', 'string');
        check(a, ap, 'size_in_bytes', 'number');
        check(a, ap, 'duration_in_seconds', 'number');
      });
    },
    true,
  );
  return v;
}

/** Throws listing every JSON Feed 1.1 violation (see jsonFeed11Violations). Synchronous. */
export function assertValidJsonFeed11(doc: unknown): void {
  const v = jsonFeed11Violations(doc);
  if (v.length > 0) throw new Error(`not a valid JSON Feed 1.1 (${v.length} violation(s)):\n${v.join('\n')}`);
}
