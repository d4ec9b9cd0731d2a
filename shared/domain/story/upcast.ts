/**
 * Upcasting: events stored under an older schema are brought to the current shape as they are
 * read. The stored item is never rewritten.
 *
 * Schema history:
 * - v1: statements carried the speaker flat (`speakerName`, `speakerRole`); articles named their
 *   outlet `publication`.
 * - v2 (current): `speaker: {name, role?}`; articles carry `outlet`.
 *
 * Optional fields added within v2 (no version bump: an event without them is still a valid v2 event,
 * read with the default below; nothing renamed or moved):
 * - statements' `speech` (`direct` | `reported`): absent on events recorded before it existed, which
 *   were all published as quotations, so they read as `direct`.
 * - articles' `titleReconstructed`: absent means the title is the outlet's own (no default needed).
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
  if (event.type === 'StatementRecorded' && !('speech' in data)) {
    data = { ...data, speech: 'direct' };
  }
  if (from > CURRENT_SCHEMA_VERSION) {
    throw new Error(`event schemaVersion ${from} is newer than this code understands (${CURRENT_SCHEMA_VERSION})`);
  }
  return { ...event, data, metadata: { ...event.metadata, schemaVersion: CURRENT_SCHEMA_VERSION } } as StoryEvent;
}
