/**
 * The event log as the public reads it. The stored log stays complete and immutable (an editor's
 * token reads it whole); what a retraction withdrew is masked on the way out: the retracted
 * article or statement and every correction of it keep their type, ids, versions, times and
 * recordedBy, and say which retraction withheld them and why, but not their payload (a correction's
 * changes and note would repeat the withdrawn text). The retraction itself is public as it is.
 *
 * Embargoes: every event about an update not public (yet), its embargoed creation, its revisions
 * before release, its reschedules and its cancellation (isEmbargoed), is a content-free placeholder
 * in the public log, before the release and after it: the log stays gap-free (every version is
 * there) and shows nothing of the update's text, time or target. The release (`UpdateReleased`,
 * recorded by `system`) is public as it is; what was released is in the view, the pages and the
 * feeds, as corrected before its release.
 */
import { isEmbargoed, type EventMetadata, type StoryEvent } from '../story/events';
import { createsEntry, type RetractionNotice } from './story-view';

/** What a masked event says in place of its payload. */
export type Withheld =
  | {
      reason: 'retracted';
      /** The retraction: its update id, version, time and the editor's reason. */
      retraction: Pick<RetractionNotice, 'updateId' | 'version' | 'recordedAt' | 'reason'>;
    }
  | {
      /** An event about an embargoed update (see above): nothing of it is public, but that it was recorded. */
      reason: 'embargoed';
    };

/** Metadata a masked event keeps: ids, versions, times and who recorded it, not the request's free text. */
export type MaskedMetadata = Pick<EventMetadata, 'storyId' | 'version' | 'updateId' | 'schemaVersion' | 'recordedAt' | 'recordedBy' | 'occurredAt'>;

export interface MaskedEvent {
  type: StoryEvent['type'];
  /** Empty, but for a correction's target (an id). */
  data: { target?: string };
  metadata: MaskedMetadata;
  withheld: Withheld;
}

export type PublicEvent = StoryEvent | MaskedEvent;

/** The update whose retraction withholds this event's payload: the article or statement itself, or a correction's target. */
export function withdrawableUpdateOf(event: StoryEvent): string | undefined {
  if (createsEntry(event)) return event.metadata.updateId;
  return event.type === 'UpdateCorrected' ? event.data.target : undefined;
}

/** The retractions a page of events itself records, by target (they count even before the views have them). */
export function retractionsIn(events: Iterable<StoryEvent>): Map<string, RetractionNotice> {
  const found = new Map<string, RetractionNotice>();
  for (const event of events) {
    if (event.type !== 'UpdateRetracted') continue;
    const m = event.metadata;
    found.set(event.data.target, {
      version: m.version,
      updateId: m.updateId,
      reason: event.data.reason,
      recordedAt: m.recordedAt,
      recordedBy: m.recordedBy,
    });
  }
  return found;
}

/** Masks every event that `retracted` (target → its retraction) withdrew; the rest pass unchanged. */
export function maskWithdrawn(events: readonly StoryEvent[], retracted: ReadonlyMap<string, RetractionNotice>): PublicEvent[] {
  return events.map((event) => {
    if (isEmbargoed(event)) return embargoPlaceholder(event);
    const target = withdrawableUpdateOf(event);
    const retraction = target === undefined ? undefined : retracted.get(target);
    if (!retraction) return event;
    const m = event.metadata;
    return {
      type: event.type,
      data: event.type === 'UpdateCorrected' ? { target: event.data.target } : {},
      metadata: { ...maskedMetadata(m), ...(m.occurredAt === undefined ? {} : { occurredAt: m.occurredAt }) },
      withheld: {
        reason: 'retracted',
        retraction: { updateId: retraction.updateId, version: retraction.version, recordedAt: retraction.recordedAt, reason: retraction.reason },
      },
    };
  });
}

/** The metadata a masked event keeps: ids, version, when and by whom (not occurredAt, which may be the update's own date). */
function maskedMetadata(m: EventMetadata): MaskedMetadata {
  return {
    storyId: m.storyId,
    version: m.version,
    updateId: m.updateId,
    schemaVersion: m.schemaVersion,
    recordedAt: m.recordedAt,
    recordedBy: m.recordedBy,
  };
}

/** The placeholder of an embargo event: its type, ids, version, time and recorder; none of its data. */
export function embargoPlaceholder(event: StoryEvent): MaskedEvent {
  return { type: event.type, data: {}, metadata: maskedMetadata(event.metadata), withheld: { reason: 'embargoed' } };
}
