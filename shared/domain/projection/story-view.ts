/**
 * The developing-story view as a pure fold of events.
 *
 * `project(event, current)` says what one event changes: the story head, the timeline entry it
 * creates or amends, a key point, and count deltas for people and sources. The DynamoDB
 * projector writes exactly those items, and `foldStory` applies the same steps in memory (tests,
 * time travel), so the live view and a replay cannot drift apart: they run one function.
 *
 * Nothing here grows with the story: each step touches a bounded number of items, and no item
 * grows without bound (an entry keeps only its latest MAX_CORRECTION_NOTES correction notes; the
 * full history stays in the event log and in the entry's revision items).
 */
import { assertNever, type ArticleData, type CorrectionChanges, type StatementData, type StoryEvent, type StoryStatus } from '../story/events';
import type { UpdateKind } from '../story/decider';

/**
 * Bump when a code change alters what the projection writes: the local server then rebuilds the
 * views into a new generation in the background and switches when done (see docs/projections.md).
 * 2: entries carry correctionCount and keep at most MAX_CORRECTION_NOTES notes; revision and
 *    time-travel snapshot items.
 * 3: entries and revisions stored as one JSON attribute; only the byTimeline index (feeds and
 *    archives find their entries through the events table).
 * 4: a retraction withdraws what its target contributed to people and sources (negative deltas;
 *    a withdrawn link clears the outlet's lastUrl), and is indexed by its version (`x#` items) so
 *    that time travel can hide what was retracted after the version it shows; people count their
 *    statements per role, so a withdrawn statement's role goes with it.
 *    Also in 4: a statement's content carries `speech` (older events upcast as `direct`), an article's
 *    `titleReconstructed` when set.
 * 5: key events and the pin: entries carry `keyEvent`, the head `pinned` and `keyEventCount`, and
 *    the key events are indexed newest first by timeline order (`e#<timelineKey>` items; a key
 *    event retracted stays listed, so that its lists and feeds show the notice).
 * 6: the activity index (story list pages, all-stories feeds): story-list lines carry
 *    `activityPk`/`activityKey`, and entries have change lines (`c#<updateId>`), replayed for each
 *    story's latest 100 changes; time-travel snapshots are cut by bytes.
 *    And embargoes: a pending update is kept apart (`q#<updateId>` items, with `releaseAt`, out of the
 *    timeline and of every public read) until its release creates its entry (version, recordedAt
 *    and updatedAt those of the release) and a revision item of it (time travel).
 */
export const PROJECTION_VERSION = 6;

/** Correction notes an entry keeps inline (the latest ones); older notes are in the event log. */
export const MAX_CORRECTION_NOTES = 10;

/** Versions between time-travel snapshots (see docs/projections.md#time-travel). */
export const SNAPSHOT_INTERVAL = 1_000;

export interface StoryHead {
  storyId: string;
  headline: string;
  summary: string;
  status: StoryStatus;
  language: string;
  topics: string[];
  /** The last event applied. */
  version: number;
  /**
   * The last event readers saw: `version` but for embargo events, which change nothing public. Feeds
   * link and serve archive pages by it, so that an embargoed append changes no feed's bytes.
   * Absent on heads projected before version 6: `version`.
   */
  publicVersion?: number;
  openedAt: string;
  openedBy: string;
  /** recordedAt of the latest event of any kind: drives Last-Modified and feed `updated`. */
  lastEventAt: string;
  /** recordedAt of the first and latest article or statement. */
  firstUpdateAt?: string;
  lastUpdateAt?: string;
  updateCount: number;
  correctionCount: number;
  retractionCount: number;
  /** Key events now (retracted ones are no longer key events). Absent on heads projected before version 5: none known. */
  keyEventCount?: number;
  /** The pinned article or statement, if any (a retraction of it unpins it). */
  pinned?: string;
}

/** An entry's content is its event's data, but for `dateApproximate`, which the entry carries itself. */
export type ArticleContent = { kind: 'article' } & Omit<ArticleData, 'dateApproximate'>;
export type StatementContent = { kind: 'statement' } & Omit<StatementData, 'dateApproximate'>;

export interface CorrectionNote {
  version: number;
  updateId: string;
  note: string;
  recordedAt: string;
  recordedBy: string;
  fields: string[];
}

export interface RetractionNotice {
  version: number;
  updateId: string;
  reason: string;
  recordedAt: string;
  recordedBy: string;
}

export interface TimelineEntry {
  storyId: string;
  updateId: string;
  kind: UpdateKind;
  /** Version of the event that recorded the update. */
  version: number;
  /** Version of the latest event that changed this entry (creation, correction, retraction). */
  changeVersion: number;
  occurredAt?: string;
  dateApproximate: boolean;
  recordedAt: string;
  recordedBy: string;
  /** When the entry last changed: recordedAt of its latest correction or retraction. */
  updatedAt: string;
  /** The current (corrected) content; for a retracted entry it is withheld from readers by the renderers. */
  content: ArticleContent | StatementContent;
  /** The latest MAX_CORRECTION_NOTES correction notes, oldest first. */
  corrections: CorrectionNote[];
  /** Every correction the entry ever had, including notes no longer kept inline. */
  correctionCount: number;
  retraction?: RetractionNotice;
  /**
   * Posted as a key event or marked since, and not unmarked. A retracted one is a key event no more
   * (not counted, cannot be unmarked) but keeps its place in the key-events lists and feeds, where
   * readers see its retraction notice instead of what it said.
   */
  keyEvent: boolean;
  /**
   * Only on a pending update (not released yet; kept apart from the entries, see ViewStep.pending):
   * when it is due. A released entry carries none: its version, recordedAt and updatedAt are those
   * of its release. A cancelled one (kept apart too) carries none either, and its `retraction` is
   * the cancellation.
   */
  releaseAt?: string;
}

export interface KeyPoint {
  version: number;
  at: string;
  headline: string;
  summary?: string;
}

/**
 * A change of one person's or source's count. A source delta carries the update's link: a live
 * update (+1) makes it the outlet's lastUrl; an update leaving the outlet (−1: retracted, or
 * corrected to another outlet or link) clears lastUrl, so that a withdrawn link is never shown,
 * until the outlet's next live update with a link sets it again.
 */
export interface CountDelta {
  key: string;
  name: string;
  role?: string;
  delta: number;
  url?: string;
}

/** A person quoted, as readers see them. */
export interface Person {
  name: string;
  /** Sorted, so that every store of the view lists them alike. */
  roles: string[];
  statementCount: number;
}

/**
 * A person as the view counts them: statements per role too, so that a role goes when the last
 * statement that gave it does (retracted, or corrected to another role).
 */
export interface PersonCount {
  name: string;
  statementCount: number;
  roleCounts: Record<string, number>;
}

/** What readers see of a counted person: the roles that live statements give them. */
export function personOf(p: PersonCount): Person {
  const roles = Object.keys(p.roleCounts)
    .filter((role) => p.roleCounts[role]! > 0)
    .sort();
  return { name: p.name, roles, statementCount: p.statementCount };
}

export interface Source {
  outlet: string;
  updateCount: number;
  lastUrl?: string;
}

/**
 * A change of the key-events index: the entry `updateId` listed (or no longer) under `key`, its
 * timelineKey. A correction that moves a key event in time unlists the old key and lists the new.
 */
export interface KeyEventChange {
  key: string;
  updateId: string;
  listed: boolean;
}

/** What one event changes in the view. */
export interface ViewStep {
  head: StoryHead;
  entry?: TimelineEntry;
  keyPoint?: KeyPoint;
  people: CountDelta[];
  sources: CountDelta[];
  /** Changes of the key-events index, in order. */
  keyEvents?: KeyEventChange[];
  /** A pending (embargoed) update as it stands now, or cancelled: kept apart from the entries, out of every public read. */
  pending?: TimelineEntry;
  /** A pending update released: no longer kept apart. */
  unpending?: string;
  /** The step released `entry` (it gets a revision item: the entry as released, for time travel). */
  released?: true;
}

/** What the projector must read before it can apply an event. */
export interface ProjectionReads {
  head?: StoryHead;
  /** The entry a correction or retraction targets. */
  target?: TimelineEntry;
  /** The pending update an embargo event targets (see pendingTargetOf). */
  pending?: TimelineEntry;
  /**
   * The fold does not track pending updates (time travel starts from snapshots, which hold none):
   * an embargo event without its pending update changes only the head's version, and a release
   * is given the entry as released (its revision item) as `pending`.
   */
  untracked?: true;
}

/** Which entry (if any) an event needs read first: the one it changes. */
export function targetOf(event: StoryEvent): string | undefined {
  switch (event.type) {
    case 'UpdateCorrected':
    case 'UpdateRetracted':
    case 'KeyEventMarked':
    case 'KeyEventUnmarked':
      return event.data.target;
    default:
      return undefined;
  }
}

/** The pending update an event needs read first: the one it revises, reschedules, cancels or releases. */
export function pendingTargetOf(event: StoryEvent): string | undefined {
  switch (event.type) {
    case 'ScheduledUpdateRevised':
    case 'UpdateRescheduled':
    case 'ReleaseCancelled':
    case 'UpdateReleased':
      return event.data.target;
    default:
      return undefined;
  }
}

/**
 * The entry whose content or notices an event changes, as feeds show them: a correction's or a
 * retraction's target. A key-event mark changes which lists the entry is in, not the entry a feed
 * carries, so it is not one (its bytes in the story feed stay as they were); the live page, which
 * badges key events, follows every target (StoryReader.changesSince).
 */
export function revisedEntryOf(event: StoryEvent): string | undefined {
  return event.type === 'UpdateCorrected' || event.type === 'UpdateRetracted' ? event.data.target : undefined;
}

/** Events that create a timeline entry at once (an article or a statement, not embargoed). */
export function createsEntry(event: StoryEvent): event is StoryEvent & { type: 'ArticlePublished' | 'StatementRecorded' } {
  return (event.type === 'ArticlePublished' || event.type === 'StatementRecorded') && event.data.releaseAt === undefined;
}

/** An article or statement as recorded, embargoed or not. */
export function recordsUpdate(event: StoryEvent): event is StoryEvent & { type: 'ArticlePublished' | 'StatementRecorded' } {
  return event.type === 'ArticlePublished' || event.type === 'StatementRecorded';
}

/** The timeline entry an event creates: an article or statement posted without embargo, or the one a release makes public. */
export function createdEntryOf(event: StoryEvent): string | undefined {
  if (createsEntry(event)) return event.metadata.updateId;
  return event.type === 'UpdateReleased' ? event.data.target : undefined;
}

/** The timeline entry an event creates, corrects or retracts, as feeds follow them (see revisedEntryOf). */
export function changedEntryOf(event: StoryEvent): string | undefined {
  return createdEntryOf(event) ?? revisedEntryOf(event);
}

/** True when an entry is in the key-events index: a key event, or one retracted (listed with its notice). */
export const isListedKeyEvent = (entry: Pick<TimelineEntry, 'keyEvent'>) => entry.keyEvent === true;

/** True when an entry counts as a key event: listed and not retracted. */
export const isKeyEvent = (entry: Pick<TimelineEntry, 'keyEvent' | 'retraction'>) => entry.keyEvent === true && !entry.retraction;

/** How an entry's change (from `before`, absent for a new entry, to `after`) moves it in the key-events index, and the count's delta. */
function keyEventMove(before: TimelineEntry | undefined, after: TimelineEntry): { changes: KeyEventChange[]; delta: number } {
  const was = before && isListedKeyEvent(before) ? timelineKey(before) : undefined;
  const now = isListedKeyEvent(after) ? timelineKey(after) : undefined;
  const delta = (isKeyEvent(after) ? 1 : 0) - (before && isKeyEvent(before) ? 1 : 0);
  if (was === now) return { changes: [], delta };
  return {
    changes: [
      ...(was === undefined ? [] : [{ key: was, updateId: after.updateId, listed: false }]),
      ...(now === undefined ? [] : [{ key: now, updateId: after.updateId, listed: true }]),
    ],
    delta,
  };
}

/** A step that changes an entry: the entry, the key-events index and the head's key-event count follow it. */
function withKeyEvents(step: ViewStep & { entry: TimelineEntry }, before: TimelineEntry | undefined): ViewStep {
  const { changes, delta } = keyEventMove(before, step.entry);
  return {
    ...step,
    ...(delta === 0 ? {} : { head: { ...step.head, keyEventCount: (step.head.keyEventCount ?? 0) + delta } }),
    ...(changes.length === 0 ? {} : { keyEvents: changes }),
  };
}

export const keyOf = (name: string) => name.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' ');

export function timelineKey(entry: Pick<TimelineEntry, 'occurredAt' | 'recordedAt' | 'version'>): string {
  return `${entry.occurredAt ?? entry.recordedAt}#${String(entry.version).padStart(12, '0')}`;
}

/**
 * Timeline keys in the order DynamoDB keeps them (byte order: the timeline index, the key-events
 * index), so that views folded in memory (time travel) list entries as the stored indexes do. Not
 * localeCompare: the same instant written with and without milliseconds, or in two offsets, sorts
 * differently there.
 */
export function compareTimelineKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function changeKey(version: number): string {
  return String(version).padStart(12, '0');
}

export class ProjectionGapError extends Error {
  override name = 'ProjectionGapError';
  constructor(
    readonly storyId: string,
    readonly expected: number,
    readonly got: number,
  ) {
    super(`story ${storyId}: event version ${got} arrived before version ${expected}`);
  }
}

export function project(event: StoryEvent, reads: ProjectionReads): ViewStep {
  const m = event.metadata;
  const prev = reads.head;
  if (event.type !== 'StoryOpened') {
    if (!prev) throw new ProjectionGapError(m.storyId, 1, m.version);
    if (m.version !== prev.version + 1) throw new ProjectionGapError(m.storyId, prev.version + 1, m.version);
  } else if (m.version !== 1) {
    throw new ProjectionGapError(m.storyId, 1, m.version);
  }
  const bump = (head: StoryHead): StoryHead => ({ ...head, version: m.version, publicVersion: m.version, lastEventAt: m.recordedAt });
  // An embargo event changes nothing readers see, not even when the story last changed (feeds'
  // `updated`, Last-Modified): only the version moves on, and the pending update kept apart.
  const unseen = (change: Pick<ViewStep, 'pending' | 'unpending'> = {}): ViewStep => ({
    head: { ...prev!, version: m.version },
    people: [],
    sources: [],
    ...change,
  });
  const pendingOf = (target: string): TimelineEntry | undefined => {
    if (reads.pending) return reads.pending;
    if (reads.untracked) return undefined;
    throw new Error(`story ${m.storyId}: ${event.type} ${m.updateId} targets unknown pending update ${target}`);
  };

  switch (event.type) {
    case 'StoryOpened':
      return {
        head: {
          storyId: m.storyId,
          headline: event.data.headline,
          summary: event.data.summary,
          status: 'developing',
          language: event.data.language,
          topics: event.data.topics,
          version: m.version,
          publicVersion: m.version,
          openedAt: m.recordedAt,
          openedBy: m.recordedBy,
          lastEventAt: m.recordedAt,
          updateCount: 0,
          correctionCount: 0,
          retractionCount: 0,
          keyEventCount: 0,
        },
        keyPoint: { version: m.version, at: m.recordedAt, headline: event.data.headline, summary: event.data.summary },
        people: [],
        sources: [],
      };
    case 'ArticlePublished':
    case 'StatementRecorded': {
      const head = prev!;
      const entry = createdEntry(event);
      if (entry.releaseAt !== undefined) return unseen({ pending: entry });
      return withKeyEvents(
        {
          head: {
            ...bump(head),
            firstUpdateAt: head.firstUpdateAt ?? m.recordedAt,
            lastUpdateAt: m.recordedAt,
            updateCount: head.updateCount + 1,
          },
          entry,
          people: personDeltas(entry.content, 1),
          sources: sourceDeltas(entry.content, 1),
        },
        undefined,
      );
    }
    case 'UpdateCorrected': {
      const head = prev!;
      const target = reads.target;
      // The write side refused corrections of unknown or retracted updates; a target missing
      // here means the projection is broken, and skipping would hide that.
      if (!target) throw new Error(`story ${m.storyId}: correction ${m.updateId} targets unknown update ${event.data.target}`);
      const content = applyChanges(target.content, event.data.changes);
      const note: CorrectionNote = {
        version: m.version,
        updateId: m.updateId,
        note: event.data.note,
        recordedAt: m.recordedAt,
        recordedBy: m.recordedBy,
        fields: Object.keys(event.data.changes),
      };
      const occurredAt = occurredAtOf(content) ?? target.occurredAt;
      const entry: TimelineEntry = {
        ...target,
        content,
        ...(occurredAt === undefined ? {} : { occurredAt }),
        dateApproximate: event.data.changes.dateApproximate ?? target.dateApproximate,
        changeVersion: m.version,
        updatedAt: m.recordedAt,
        corrections: [...target.corrections, note].slice(-MAX_CORRECTION_NOTES),
        correctionCount: (target.correctionCount ?? target.corrections.length) + 1,
      };
      // A corrected date moves a key event in the index (its timelineKey changes).
      return withKeyEvents(
        {
          head: { ...bump(head), correctionCount: head.correctionCount + 1 },
          entry,
          people: [...personDeltas(target.content, -1), ...personDeltas(content, 1)].filter((d) => d.delta !== 0),
          sources: [...sourceDeltas(target.content, -1), ...sourceDeltas(content, 1)],
        },
        target,
      );
    }
    case 'UpdateRetracted': {
      const head = prev!;
      const target = reads.target;
      if (!target) throw new Error(`story ${m.storyId}: retraction ${m.updateId} targets unknown update ${event.data.target}`);
      const entry: TimelineEntry = {
        ...target,
        changeVersion: m.version,
        updatedAt: m.recordedAt,
        // A key event retracted is one no more (see TimelineEntry.keyEvent): the count drops, its
        // index item stays, so that the key-events lists and feeds show the notice.
        retraction: {
          version: m.version,
          updateId: m.updateId,
          reason: event.data.reason,
          recordedAt: m.recordedAt,
          recordedBy: m.recordedBy,
        },
      };
      // What the retracted update contributed to people and sources goes with it; so does its pin.
      return withKeyEvents(
        {
          head: { ...unpinned(bump(head), event.data.target), retractionCount: head.retractionCount + 1 },
          entry,
          people: personDeltas(target.content, -1),
          sources: sourceDeltas(target.content, -1),
        },
        target,
      );
    }
    case 'KeyEventMarked':
    case 'KeyEventUnmarked': {
      const target = reads.target;
      if (!target) throw new Error(`story ${m.storyId}: ${event.type} ${m.updateId} targets unknown update ${event.data.target}`);
      // The entry's content and `updatedAt` stay: feeds carry the same entry. changeVersion moves, so
      // that the entry as it stood before (a revision item) is kept for time travel.
      const entry: TimelineEntry = { ...target, keyEvent: event.type === 'KeyEventMarked', changeVersion: m.version };
      return withKeyEvents({ head: bump(prev!), entry, people: [], sources: [] }, target);
    }
    case 'UpdatePinned':
      return { head: { ...bump(prev!), pinned: event.data.target }, people: [], sources: [] };
    case 'UpdateUnpinned':
      return { head: unpinned(bump(prev!), event.data.target), people: [], sources: [] };
    case 'HeadlineChanged': {
      const head = prev!;
      return {
        head: {
          ...bump(head),
          headline: event.data.headline,
          ...(event.data.summary === undefined ? {} : { summary: event.data.summary }),
        },
        keyPoint: {
          version: m.version,
          at: m.recordedAt,
          headline: event.data.headline,
          ...(event.data.summary === undefined ? {} : { summary: event.data.summary }),
        },
        people: [],
        sources: [],
      };
    }
    case 'StatusChanged':
      return { head: { ...bump(prev!), status: event.data.status }, people: [], sources: [] };
    case 'ScheduledUpdateRevised': {
      const pending = pendingOf(event.data.target);
      if (!pending) return unseen();
      // Folded in silently: no note, no count (nothing of the update was public).
      const content = applyChanges(pending.content, event.data.changes);
      const occurredAt = occurredAtOf(content) ?? pending.occurredAt;
      return unseen({
        pending: {
          ...pending,
          content,
          ...(occurredAt === undefined ? {} : { occurredAt }),
          dateApproximate: event.data.changes.dateApproximate ?? pending.dateApproximate,
          changeVersion: m.version,
        },
      });
    }
    case 'UpdateRescheduled': {
      const pending = pendingOf(event.data.target);
      return pending ? unseen({ pending: { ...pending, releaseAt: event.data.releaseAt, changeVersion: m.version } }) : unseen();
    }
    case 'ReleaseCancelled': {
      // Kept, without its release time and with the cancellation, so that the write side still
      // knows it (a reschedule of it is a conflict, not an unknown update); never shown.
      const pending = pendingOf(event.data.target);
      if (!pending) return unseen();
      const { releaseAt: _, ...rest } = pending;
      const retraction: RetractionNotice = {
        version: m.version,
        updateId: m.updateId,
        reason: event.data.reason,
        recordedAt: m.recordedAt,
        recordedBy: m.recordedBy,
      };
      return unseen({ pending: { ...rest, changeVersion: m.version, retraction } });
    }
    case 'UpdateReleased': {
      const head = prev!;
      const pending = reads.pending;
      if (!pending) throw new Error(`story ${m.storyId}: release ${m.updateId} targets unknown pending update ${event.data.target}`);
      // Public from now on, as if posted at its release: published then, in the timeline then.
      const { releaseAt: _, ...rest } = pending;
      const entry: TimelineEntry = {
        ...rest,
        version: m.version,
        changeVersion: m.version,
        recordedAt: event.data.releaseAt,
        updatedAt: event.data.releaseAt,
      };
      return {
        ...withKeyEvents(
          {
            head: {
              ...bump(head),
              firstUpdateAt: head.firstUpdateAt ?? event.data.releaseAt,
              lastUpdateAt: event.data.releaseAt,
              updateCount: head.updateCount + 1,
            },
            entry,
            people: personDeltas(entry.content, 1),
            sources: sourceDeltas(entry.content, 1),
          },
          undefined,
        ),
        unpending: event.data.target,
        released: true,
      };
    }
    default:
      return assertNever(event, 'event');
  }
}

/** The head without its pin, if `updateId` is the pinned update. */
function unpinned(head: StoryHead, updateId: string): StoryHead {
  if (head.pinned !== updateId) return head;
  const { pinned: _, ...rest } = head;
  return rest;
}

/** The timeline entry an article or statement creates, before any correction. */
export function createdEntry(event: StoryEvent & { type: 'ArticlePublished' | 'StatementRecorded' }): TimelineEntry {
  const m = event.metadata;
  const { dateApproximate, keyEvent, releaseAt, ...fields } = event.data;
  const content: ArticleContent | StatementContent =
    event.type === 'ArticlePublished'
      ? { kind: 'article', ...(fields as Omit<ArticleContent, 'kind'>) }
      : { kind: 'statement', ...(fields as Omit<StatementContent, 'kind'>) };
  return {
    storyId: m.storyId,
    updateId: m.updateId,
    kind: content.kind,
    version: m.version,
    changeVersion: m.version,
    ...(m.occurredAt === undefined ? {} : { occurredAt: m.occurredAt }),
    dateApproximate: dateApproximate ?? false,
    recordedAt: m.recordedAt,
    recordedBy: m.recordedBy,
    updatedAt: m.recordedAt,
    content,
    corrections: [],
    correctionCount: 0,
    keyEvent: keyEvent === true,
    ...(releaseAt === undefined ? {} : { releaseAt }),
  };
}

/** True when a step changed an existing entry (a correction or retraction): it gets a revision item. */
export const isRevision = (step: ViewStep) => !!step.entry && (step.entry.version !== step.head.version || step.released === true);

/** True when an entry (a revision) is the state a retraction left it in: the retraction is indexed by its version. */
export const isRetractionRevision = (entry: TimelineEntry) => entry.retraction?.version === entry.changeVersion;

function occurredAtOf(content: ArticleContent | StatementContent): string | undefined {
  return content.kind === 'article' ? content.publishedAt : content.saidAt;
}

function applyChanges(content: ArticleContent | StatementContent, changes: CorrectionChanges) {
  const { dateApproximate: _, ...fields } = changes;
  return { ...content, ...fields } as ArticleContent | StatementContent;
}

function personDeltas(content: ArticleContent | StatementContent, delta: number): CountDelta[] {
  if (content.kind !== 'statement') return [];
  const { name, role } = content.speaker;
  return [{ key: keyOf(name), name, delta, ...(role ? { role } : {}) }];
}

function sourceDeltas(content: ArticleContent | StatementContent, delta: number): CountDelta[] {
  const names = [content.outlet, content.kind === 'statement' ? content.medium : undefined].filter(
    (name): name is string => !!name && name.trim().length > 0,
  );
  return [...new Set(names)].map((name) => ({
    key: keyOf(name),
    name,
    delta,
    ...(content.url && name === content.outlet ? { url: content.url } : {}),
  }));
}

/** The whole view in memory: for tests, time travel and "replay equals live" checks. */
export interface StoryView {
  head: StoryHead;
  entries: Map<string, TimelineEntry>;
  keyPoints: KeyPoint[];
  people: Map<string, PersonCount>;
  sources: Map<string, Source>;
  /** Pending (embargoed) updates by id; absent when none was folded (time travel does not track them). */
  pending?: Map<string, TimelineEntry>;
}

export function applyStep(view: StoryView | undefined, step: ViewStep): StoryView {
  const next: StoryView = view ?? { head: step.head, entries: new Map(), keyPoints: [], people: new Map(), sources: new Map() };
  next.head = step.head;
  if (step.entry) next.entries.set(step.entry.updateId, step.entry);
  if (step.keyPoint) next.keyPoints.push(step.keyPoint);
  if (step.pending) (next.pending ??= new Map()).set(step.pending.updateId, step.pending);
  if (step.unpending !== undefined) next.pending?.delete(step.unpending);
  for (const d of step.people) {
    const p = next.people.get(d.key) ?? { name: d.name, statementCount: 0, roleCounts: {} };
    p.statementCount += d.delta;
    if (d.role) p.roleCounts = { ...p.roleCounts, [d.role]: (p.roleCounts[d.role] ?? 0) + d.delta };
    next.people.set(d.key, p);
  }
  for (const d of step.sources) {
    const s = next.sources.get(d.key) ?? { outlet: d.name, updateCount: 0 };
    s.updateCount += d.delta;
    if (d.url && d.delta > 0) s.lastUrl = d.url;
    else if (d.url) delete s.lastUrl;
    next.sources.set(d.key, s);
  }
  return next;
}

/** An update retracted after the version a past view shows: its entry as it stood then, and the retraction. */
export interface LaterRetraction {
  entry: TimelineEntry;
  retraction: RetractionNotice;
}

/**
 * Public reads honour a retraction as it stands now, also when they show the story as it stood
 * before it (time travel): this takes from a past view what each later-retracted update
 * contributed to people and sources, and marks its entry (if the view holds it) retracted, so
 * that renderers withhold its content and show the notice.
 */
export function withdrawLater(view: StoryView, later: Iterable<LaterRetraction>): StoryView {
  let next = view;
  for (const { entry, retraction } of later) {
    next = applyStep(next, {
      head: next.head,
      ...(next.entries.has(entry.updateId) ? { entry: { ...next.entries.get(entry.updateId)!, retraction } } : {}),
      people: personDeltas(entry.content, -1),
      sources: sourceDeltas(entry.content, -1),
    });
  }
  return next;
}

/** Folds events (oldest first) into a view; `from` continues an earlier fold (a snapshot). */
export function foldStory(events: Iterable<StoryEvent>, from?: StoryView): StoryView | undefined {
  let view = from;
  for (const event of events) {
    const step = project(event, readsFor(event, view));
    view = applyStep(view, step);
  }
  return view;
}

/** What `project` needs of an in-memory view for `event`: the head, and the entry or pending update it targets. */
export function readsFor(event: StoryEvent, view: StoryView | undefined): ProjectionReads {
  const target = targetOf(event);
  const pending = pendingTargetOf(event);
  return {
    ...(view ? { head: view.head } : {}),
    ...(target && view?.entries.get(target) ? { target: view.entries.get(target)! } : {}),
    ...(pending && view?.pending?.get(pending) ? { pending: view.pending.get(pending)! } : {}),
  };
}
