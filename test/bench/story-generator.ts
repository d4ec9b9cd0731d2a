/**
 * Benchmark fixture generator: a long story written straight into the events table with
 * BatchWriteItem. It bypasses the write API on purpose (100,000 appends through it would measure
 * the write path, not replay); the items have exactly the shape EventStore.append stores.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchWriter } from '../../shared/adapters/dynamodb/batch-writer';
import { UNAVAILABLE_PAUSES_MS } from '../../shared/application/async';
import { toItem } from '../../shared/adapters/dynamodb/event-store';
import { CURRENT_SCHEMA_VERSION, type StoryEvent } from '../../shared/domain/story/events';

const SPEAKERS = ['Kurmanbek Bakiyev', 'Roza Otunbayeva', 'Almazbek Atambayev', 'Omurbek Tekebayev', 'Temir Sariyev'];
const OUTLETS = ['Foreign Policy', 'BBC Russian', 'Ekho Moskvy', 'RFE/RL', 'Reuters', 'AKIpress'];

/**
 * Deterministic event `version` of a generated story: mostly articles and statements, some
 * corrections and headline changes, key events (posted as such, marked and unmarked later, moved in
 * time by a correction of their date), pins and unpins.
 */
export function generatedEvent(storyId: string, version: number, start = Date.UTC(2010, 3, 7)): StoryEvent {
  const recordedAt = new Date(start + version * 60_000).toISOString();
  const updateId = `01GEN${String(version).padStart(21, '0')}`;
  const meta = { storyId, version, updateId, schemaVersion: CURRENT_SCHEMA_VERSION, recordedAt, recordedBy: 'bench' };
  const day = `2010-04-${String(7 + (version % 20)).padStart(2, '0')}`;
  if (version === 1) {
    return {
      type: 'StoryOpened',
      data: { headline: 'Generated story', summary: 'A long generated story', language: 'en', topics: ['Kyrgyzstan'] },
      metadata: meta,
    };
  }
  // Corrections and retractions target an article or statement a few versions back.
  const target = `01GEN${String(version - 3 - (version % 3 === 0 ? 1 : 0)).padStart(21, '0')}`;
  const targetVersion = version - 3 - (version % 3 === 0 ? 1 : 0);
  const targetIsUpdate = targetVersion > 1 && kindOf(targetVersion) !== 'other';
  if (version % 50 === 0 && targetIsUpdate && kindOf(targetVersion) === 'statement') {
    return {
      type: 'UpdateCorrected',
      data: { target, changes: { quote: `Corrected quote ${version}` }, note: `Misquoted (${version})` },
      metadata: meta,
    };
  }
  if (version % 50 === 0 && targetIsUpdate) {
    // A new date moves the article in the timeline, and a key event in the key-events index.
    return {
      type: 'UpdateCorrected',
      data: { target, changes: { title: `Corrected title ${version}`, publishedAt: '2010-04-30' }, note: `Wrong title and date (${version})` },
      metadata: meta,
    };
  }
  if (version % 997 === 0)
    return { type: 'HeadlineChanged', data: { headline: `Headline ${version}`, summary: `Summary ${version}` }, metadata: meta };
  if (version % 101 === 0 && targetIsUpdate) {
    return { type: isKeyAtPosting(targetVersion) ? 'KeyEventUnmarked' : 'KeyEventMarked', data: { target }, metadata: meta };
  }
  if (version % 103 === 0 && targetIsUpdate) return { type: 'UpdatePinned', data: { target }, metadata: meta };
  if (version % 1009 === 0) return { type: 'UpdateUnpinned', data: { target: pinnedBefore(version) }, metadata: meta };
  if (kindOf(version) === 'statement') {
    const name = SPEAKERS[version % SPEAKERS.length]!;
    return {
      type: 'StatementRecorded',
      data: {
        speaker: { name, role: 'politician' },
        quote: `Statement number ${version} about the situation in Bishkek`,
        speech: 'direct',
        saidAt: day,
        medium: OUTLETS[version % OUTLETS.length]!,
        ...(isKeyAtPosting(version) ? { keyEvent: true as const } : {}),
      },
      metadata: { ...meta, occurredAt: day },
    };
  }
  return {
    type: 'ArticlePublished',
    data: {
      title: `Article ${version}`,
      url: `https://example.org/news/${version}`,
      outlet: OUTLETS[version % OUTLETS.length]!,
      publishedAt: day,
      summary: `Report number ${version} on the unrest.`,
      ...(isKeyAtPosting(version) ? { keyEvent: true as const } : {}),
    },
    metadata: { ...meta, occurredAt: day },
  };
}

function kindOf(version: number): 'statement' | 'article' | 'other' {
  if (version === 1 || version % 50 === 0 || version % 997 === 0 || version % 101 === 0 || version % 103 === 0 || version % 1009 === 0)
    return 'other';
  return version % 2 === 0 ? 'statement' : 'article';
}

/** Posted as a key event: every seventh update, and the articles the corrections of every 50th version move in time. */
function isKeyAtPosting(version: number): boolean {
  return version % 7 === 0 || (version + 3) % 50 === 0;
}

/** The update the latest pin before `version` pinned (a 1009th version unpins it). */
function pinnedBefore(version: number): string {
  const pin = version - (version % 103);
  return `01GEN${String(pin - 3 - (pin % 3 === 0 ? 1 : 0)).padStart(21, '0')}`;
}

/** Writes versions 1..count of a generated story, `concurrency` BatchWriteItem calls at a time. */
export function writeGeneratedStory(db: DynamoDBDocumentClient, table: string, storyId: string, count: number, concurrency = 8): Promise<void> {
  return writeEvents(db, table, count, (i) => generatedEvent(storyId, i + 1), concurrency);
}

/**
 * Writes `count` events (`eventAt(0..count-1)`) into the events table as EventStore stores them, with
 * BatchWriteItem (the replay's BatchWriter: unprocessed items, and calls the store did not answer in
 * time, are sent again; a put of an event is the same item however often it is sent).
 */
export async function writeEvents(
  db: DynamoDBDocumentClient,
  table: string,
  count: number,
  eventAt: (index: number) => StoryEvent,
  concurrency = 8,
): Promise<void> {
  const writer = new BatchWriter(db, table, concurrency, undefined, undefined, UNAVAILABLE_PAUSES_MS);
  for (let from = 0; from < count; from += 1_000) {
    await writer.put(Array.from({ length: Math.min(1_000, count - from) }, (_, i) => toItem(eventAt(from + i))));
  }
  await writer.flush();
}
