/**
 * Reliability: `npm start` killed with SIGKILL (the whole process group, DynamoDB Local included,
 * as a power cut would) in the middle of a write load. After a restart on the same data
 * directory every acknowledged update is stored exactly once and the view catches up to equal a
 * fold of the whole log.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../functions/local/dynamodb-local';
import { exited, startNewsroom } from '../support/newsroom';
import { foldStory } from '../../shared/domain/projection/story-view';
import type { StoryEvent } from '../../shared/domain/story/events';

const STORY = 'kyrgyzstan-bakiyev-ouster-2010';
const TOKEN = 'crash-test-token';
const dataDir = mkdtempSync(join(tmpdir(), 'newsroom-crash-'));
let child: ChildProcess | undefined;

afterAll(() => {
  if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const start = (port: number) =>
  startNewsroom({ ...process.env, PORT: String(port), NEWSROOM_DATA_DIR: dataDir, NEWSROOM_EDITOR_TOKENS: `anna:${TOKEN}`, DYNAMODB_ENDPOINT: '' });

async function allEvents(url: string): Promise<StoryEvent[]> {
  const events: StoryEvent[] = [];
  let next: string | undefined = `/api/stories/${STORY}/events?limit=1000`;
  while (next) {
    const page = (await (await fetch(url + next)).json()) as { events: StoryEvent[]; next?: string };
    events.push(...page.events);
    next = page.next;
  }
  return events;
}

describe('crash recovery', () => {
  it('keeps every acknowledged update through a SIGKILL mid-load, and the view catches up', async () => {
    const port = await freePort();
    const first = await start(port);
    child = first.proc;
    const acknowledged: string[] = [];
    let stop = false;
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const res = await fetch(`${first.url}/api/stories/${STORY}/updates`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
            body: JSON.stringify({ type: 'statement', speaker: { name: `Writer ${w}` }, quote: `load ${w}-${i}` }),
          });
          if (res.status === 201) acknowledged.push(((await res.json()) as { updateId: string }).updateId);
        } catch {
          return; // the server died under us: that request was never acknowledged
        }
      }
    };
    const load = Promise.all([1, 2, 3, 4].map(writer));
    while (acknowledged.length < 60) await new Promise((r) => setTimeout(r, 10));
    process.kill(-first.proc.pid!, 'SIGKILL');
    stop = true;
    await load;
    await exited(first.proc);

    const second = await start(port);
    child = second.proc;
    const events = await allEvents(second.url);
    const ids = events.map((e) => e.metadata.updateId);
    for (const id of acknowledged) expect(ids).toContain(id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(events.map((e) => e.metadata.version)).toEqual(events.map((_, i) => i + 1));

    // The projector resumes from its checkpoint and catches up with the log.
    const folded = foldStory(events)!;
    let view: { version: number; counts: { updates: number } } | undefined;
    for (let i = 0; i < 300; i++) {
      view = (await (await fetch(`${second.url}/api/stories/${STORY}?limit=1`)).json()) as typeof view;
      if (view!.version === folded.head.version) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(view).toMatchObject({ version: folded.head.version, counts: { updates: folded.head.updateCount } });
    // Equal to a full replay: the live view against a fold of the whole log (?version=N folds).
    type Json = Record<string, unknown> & { people: { name: string }[]; sources: { outlet: string }[] };
    const normalise = (v: Json) => ({
      ...v,
      people: [...v.people].sort((a, b) => a.name.localeCompare(b.name)),
      sources: [...v.sources].sort((a, b) => a.outlet.localeCompare(b.outlet)),
    });
    const live = (await (await fetch(`${second.url}/api/stories/${STORY}?limit=500`)).json()) as Json;
    const replayed = (await (await fetch(`${second.url}/api/stories/${STORY}?version=${folded.head.version}`)).json()) as Json;
    expect(normalise(live)).toEqual(normalise(replayed));
    process.kill(-second.proc.pid!, 'SIGTERM');
    await exited(second.proc);
  }, 180_000);
});
