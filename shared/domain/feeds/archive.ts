/**
 * RFC 5005 archive pages of a story feed, cut by the version of the event that CREATED each entry:
 * page `first-last` holds the entries recorded by events `first..last`, `size` versions per page.
 *
 * Membership of a page never changes once the story's head has passed `last` (no later event can
 * create an entry in that range), so a page is "complete" from then on and its URL is stable. The
 * entries it holds are shown as they stand now: a later correction or retraction changes the page's
 * bytes (and ETag) too, because republishing retracted text from an archive is worse than a cache
 * miss; such an entry also re-enters the subscription feed, which lists entries by latest change.
 *
 * Coverage: the subscription feed lists the latest `size` changed entries. Fewer than `size` events
 * follow the newest complete page, so every entry created after it changed after it and is among
 * those `size`: subscription feed + archive pages together hold every entry.
 */
export interface ArchiveRange {
  first: number;
  last: number;
}

/** The newest complete page at this head version, if the story has one. */
export function newestCompleteArchive(headVersion: number, size: number): ArchiveRange | undefined {
  const k = Math.floor(headVersion / size) - 1;
  return k < 0 ? undefined : { first: k * size + 1, last: (k + 1) * size };
}

export function previousArchive(range: ArchiveRange): ArchiveRange | undefined {
  const size = range.last - range.first + 1;
  return range.first === 1 ? undefined : { first: range.first - size, last: range.first - 1 };
}

/** The next page, when it is complete too (else the subscription feed is the next document). */
export function nextArchive(range: ArchiveRange, headVersion: number): ArchiveRange | undefined {
  const size = range.last - range.first + 1;
  return range.last + size <= headVersion ? { first: range.last + 1, last: range.last + size } : undefined;
}

/** Parses `first-last` from a URL; only page boundaries of this page size are archive pages. */
export function parseArchiveRange(text: string, size: number): ArchiveRange | undefined {
  const match = /^([1-9][0-9]{0,11})-([1-9][0-9]{0,11})$/.exec(text);
  if (!match) return undefined;
  const first = Number(match[1]);
  const last = Number(match[2]);
  if ((first - 1) % size !== 0 || last !== first + size - 1) return undefined;
  return { first, last };
}

export const isComplete = (range: ArchiveRange, headVersion: number) => range.last <= headVersion;
