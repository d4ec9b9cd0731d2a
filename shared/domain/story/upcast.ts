/**
 * Upcasting: events stored under an older schema are brought to the current shape as they are
 * read. The stored item is never rewritten.
 *
 * Schema history:
 * - v1: statements carried the speaker flat (`speakerName`, `speakerRole`); articles named their
 *   outlet `publication`.
 * - v2 (current): `speaker: {name, role?}`; articles carry `outlet`.
 */
import { CURRENT_SCHEMA_VERSION, type StoryEvent } from './events';

type Loose = Record<string, unknown>;

export function upcast(event: { type: string; data: Loose; metadata: Loose & { schemaVersion: number } }): StoryEvent {
  let { data } = event;
  const from = event.metadata.schemaVersion;
  if (from < 2) {
    if (event.type === 'StatementRecorded' && !('speaker' in data)) {
      const { speakerName, speakerRole, ...rest } = data;
      data = { ...rest, speaker: speakerRole === undefined ? { name: speakerName } : { name: speakerName, role: speakerRole } };
    }
    if (event.type === 'ArticlePublished' && 'publication' in data) {
      const { publication, ...rest } = data;
      data = { ...rest, outlet: publication };
    }
  }
  if (from > CURRENT_SCHEMA_VERSION) {
    throw new Error(`event schemaVersion ${from} is newer than this code understands (${CURRENT_SCHEMA_VERSION})`);
  }
  return { ...event, data, metadata: { ...event.metadata, schemaVersion: CURRENT_SCHEMA_VERSION } } as StoryEvent;
}
