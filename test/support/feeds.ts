/**
 * Feed test support: generated stories (hostile text, corrections, retractions) and batch runs of
 * the real parsers, so property tests can check hundreds of documents with one process each.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoryEvent } from '../../shared/domain/story/events';
import { CURRENT_SCHEMA_VERSION } from '../../shared/domain/story/events';
import { ATOM_RNC_PATH, bmpOnly, DEBIAN_PYTHON, JING_NOISE } from './feed-parsers';

/** Text that must come through every format as text, never as markup. */
export const HOSTILE = [
  '<script>alert("x")</script>',
  ']]> and <![CDATA[ not a section ]]>',
  'literal &amp; and &lt;b&gt; and &#38; stay literal',
  'bidi \u202Eevil\u202C and \u200F mark',
  'emoji 😀👩‍👩‍👧 and Cyrillic Ёжик, Arabic مرحبا',
  'quotes "double" \'single\' and tab\tnew\nline',
] as const;

export interface GeneratedStory {
  events: StoryEvent[];
  /** updateIds of entries that were corrected / retracted. */
  corrected: string[];
  retracted: string[];
  /** Texts that must never appear again once retracted. */
  retractedQuotes: string[];
}

const pad = (n: number, width = 26) => String(n).padStart(width, '0');
const at = (base: number, version: number) => new Date(base + version * 1000).toISOString();

/**
 * A story of `updates` articles/statements with hostile text; every 7th update is corrected and
 * every 11th retracted (after the correction, if both). Ids and times are derived from the version.
 */
export function generatedStory(
  storyId: string,
  updates: number,
  options: { language?: string; base?: number; concluded?: boolean } = {},
): GeneratedStory {
  const base = options.base ?? Date.parse('2026-03-01T00:00:00Z');
  const events: StoryEvent[] = [];
  const corrected: string[] = [];
  const retracted: string[] = [];
  const retractedQuotes: string[] = [];
  let version = 0;
  const meta = (updateId: string, occurredAt?: string) => {
    version++;
    return {
      storyId,
      version,
      updateId,
      schemaVersion: CURRENT_SCHEMA_VERSION,
      recordedAt: at(base, version),
      recordedBy: 'anna',
      ...(occurredAt ? { occurredAt } : {}),
    };
  };
  events.push({
    type: 'StoryOpened',
    data: {
      headline: `Story ${storyId} ${HOSTILE[0]}`,
      summary: `Summary ${HOSTILE[2]}`,
      language: options.language ?? 'en',
      topics: ['Kyrgyzstan', HOSTILE[4]],
    },
    metadata: meta(`S${pad(0, 25)}`),
  } as StoryEvent);
  const pending: { id: string; n: number; quote: string }[] = [];
  for (let n = 1; n <= updates; n++) {
    const id = `U${pad(n, 25)}`;
    const text = `${n}: ${HOSTILE[n % HOSTILE.length]}`;
    const day = `2010-04-${String(1 + (n % 28)).padStart(2, '0')}`;
    if (n % 2 === 0) {
      events.push({
        type: 'ArticlePublished',
        data: {
          title: `Article ${text}`,
          url: `https://example.org/a/${n}?x=1&y=<2>`,
          outlet: `Outlet ${HOSTILE[n % 3]}`,
          publishedAt: day,
          summary: `Summary ${text}`,
          author: 'Ёжик <b>',
        },
        metadata: meta(id, day),
      } as StoryEvent);
    } else {
      events.push({
        type: 'StatementRecorded',
        data: {
          speaker: { name: `Speaker ${n % 5} ${HOSTILE[3]}`, role: `role ${HOSTILE[1]}` },
          quote: `Quote ${text}`,
          saidAt: day,
          medium: 'BBC Russian & <radio>',
          outlet: 'Foreign Policy',
          context: HOSTILE[5],
        },
        metadata: meta(id, day),
      } as StoryEvent);
    }
    pending.push({ id, n, quote: n % 2 === 0 ? `Article ${text}` : `Quote ${text}` });
    if (n % 7 === 0) {
      const target = pending.find((p) => p.n === n - 3) ?? pending.at(-1)!;
      const changes = target.n % 2 === 0 ? { title: `Corrected ${target.n} ${HOSTILE[2]}` } : { quote: `Corrected ${target.n} ${HOSTILE[2]}` };
      events.push({
        type: 'UpdateCorrected',
        data: { target: target.id, changes, note: `Note ${HOSTILE[0]}` },
        metadata: meta(`C${pad(n, 25)}`),
      } as StoryEvent);
      corrected.push(target.id);
    }
    if (n % 11 === 0) {
      const target = pending.at(-1)!;
      events.push({
        type: 'UpdateRetracted',
        data: { target: target.id, reason: `Reason ${HOSTILE[1]}` },
        metadata: meta(`R${pad(n, 25)}`),
      } as StoryEvent);
      retracted.push(target.id);
      retractedQuotes.push(target.quote);
    }
  }
  if (options.concluded) events.push({ type: 'StatusChanged', data: { status: 'concluded' }, metadata: meta(`X${pad(0, 25)}`) } as StoryEvent);
  return { events, corrected, retracted, retractedQuotes };
}

// ---------------------------------------------------------------------------------------------
// batch runs of the real tools

function run(cmd: string, args: string[], input = ''): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.stderr.on('data', (b: Buffer) => chunks.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out: Buffer.concat(chunks).toString('utf8') }));
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

async function withFiles<T>(docs: string[], ext: string, fn: (files: string[]) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'feeds-'));
  try {
    const files = docs.map((_, i) => join(dir, `doc-${i}.${ext}`));
    await Promise.all(docs.map((doc, i) => writeFile(files[i]!, doc)));
    return await fn(files);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** xmllint over many documents at once; throws with its messages if any is not well-formed. */
export async function assertAllWellFormed(docs: string[]): Promise<void> {
  if (docs.length === 0) return;
  await withFiles(docs, 'xml', async (files) => {
    const r = await run('xmllint', ['--noout', '--nonet', ...files]);
    if (r.code !== 0) throw new Error(`xmllint rejected documents:\n${r.out.slice(0, 4000)}`);
  });
}

/** jing with the RFC 4287 grammar over many Atom documents at once. */
export async function assertAllValidAtom(docs: string[]): Promise<void> {
  if (docs.length === 0) return;
  await withFiles(docs.map(bmpOnly), 'atom', async (files) => {
    const r = await run('jing', ['-c', ATOM_RNC_PATH, ...files]);
    const messages = r.out.split('\n').filter((l) => l.trim() && !JING_NOISE.test(l));
    if (r.code !== 0 || messages.length > 0) throw new Error(`jing rejected documents:\n${messages.join('\n').slice(0, 4000)}`);
  });
}

/** feedparser's reading, with titles as a reader displays them (HTML unescaped when it says HTML). */
export interface ParsedFeed {
  bozo: boolean;
  bozo_exception: string | null;
  version: string;
  feed: { title: string | null; title_type: string | null; subtitle: string | null; language: string | null };
  entries: { id: string | null; title: string | null; content: string | null; tags: string[]; author: string | null; updated: string | null }[];
}

const FEEDPARSE_MANY = `
import html, json, sys, feedparser
docs = json.load(sys.stdin)
# What a reader displays: text/plain as is, text/html (feedparser's guess for RSS) unescaped.
def shown(value, detail):
    return html.unescape(value) if value is not None and detail and detail.get("type") == "text/html" else value
out = []
for doc in docs:
    d = feedparser.parse(doc.encode("utf-8"))
    out.append({
        "bozo": bool(d.bozo),
        "bozo_exception": None if not d.bozo else "%s: %s" % (type(d.bozo_exception).__name__, d.bozo_exception),
        "version": d.version,
        "feed": {"title": shown(d.feed.get("title"), d.feed.get("title_detail")), "title_type": (d.feed.get("title_detail") or {}).get("type"), "subtitle": shown(d.feed.get("subtitle"), d.feed.get("subtitle_detail")), "language": d.feed.get("language")},
        "entries": [{
            "id": e.get("id"), "title": shown(e.get("title"), e.get("title_detail")),
            "content": (e.get("content") or [{}])[0].get("value", e.get("summary")),
            "tags": [t.get("term") for t in e.get("tags", [])],
            "author": e.get("author"), "updated": e.get("updated"),
        } for e in d.entries],
    })
print(json.dumps(out, ensure_ascii=False))
`;

/** Python feedparser over many documents in one interpreter. */
export async function parseAllWithFeedparser(docs: string[]): Promise<ParsedFeed[]> {
  if (docs.length === 0) return [];
  const r = await run(DEBIAN_PYTHON, ['-c', FEEDPARSE_MANY], JSON.stringify(docs));
  if (r.code !== 0) throw new Error(`feedparser failed:\n${r.out}`);
  return JSON.parse(r.out) as ParsedFeed[];
}
