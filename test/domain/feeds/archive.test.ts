/**
 * Archive pages (RFC 5005) by creation version: pure page arithmetic, and the property that the
 * subscription feed plus the complete archive pages always hold every entry of a story.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isComplete, newestCompleteArchive, nextArchive, parseArchiveRange, previousArchive } from '../../../shared/domain/feeds/archive';

describe('archive page arithmetic', () => {
  it('cuts fixed ranges of versions and links them both ways', () => {
    expect(newestCompleteArchive(49, 50)).toBeUndefined();
    expect(newestCompleteArchive(50, 50)).toEqual({ first: 1, last: 50 });
    expect(newestCompleteArchive(149, 50)).toEqual({ first: 51, last: 100 });
    expect(previousArchive({ first: 51, last: 100 })).toEqual({ first: 1, last: 50 });
    expect(previousArchive({ first: 1, last: 50 })).toBeUndefined();
    expect(nextArchive({ first: 1, last: 50 }, 149)).toEqual({ first: 51, last: 100 });
    expect(nextArchive({ first: 51, last: 100 }, 149)).toBeUndefined();
    expect(isComplete({ first: 101, last: 150 }, 149)).toBe(false);
  });

  it('accepts only page boundaries of the configured size in URLs', () => {
    expect(parseArchiveRange('51-100', 50)).toEqual({ first: 51, last: 100 });
    for (const bad of ['50-99', '1-49', '1-1000', '0-49', '01-50', '1-50x', '-1-50', '99999999999999-99999999999999']) {
      expect(parseArchiveRange(bad, 50), bad).toBeUndefined();
    }
  });
});

describe('subscription feed + archive pages', () => {
  it('cover every entry, whatever the mix of creations and changes', () => {
    // Each event creates an entry or changes an earlier one (correction/retraction) or neither.
    const event = fc.oneof(
      fc.constant({ kind: 'create' as const }),
      fc.record({ kind: fc.constant('change' as const), pick: fc.nat() }),
      fc.constant({ kind: 'other' as const }),
    );
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 400 }), fc.integer({ min: 1, max: 30 }), (events, size) => {
        const entries = new Map<number, number>(); // creation version → change version
        events.forEach((e, i) => {
          const version = i + 1;
          if (e.kind === 'create') entries.set(version, version);
          else if (e.kind === 'change' && entries.size > 0) {
            const keys = [...entries.keys()];
            entries.set(keys[e.pick % keys.length]!, version);
          }
        });
        const head = events.length;
        const subscription = [...entries]
          .sort((a, b) => b[1] - a[1])
          .slice(0, size)
          .map(([created]) => created);
        const seen = new Set(subscription);
        for (let page = newestCompleteArchive(head, size); page; page = previousArchive(page)) {
          for (const created of entries.keys()) if (created >= page.first && created <= page.last) seen.add(created);
        }
        expect([...entries.keys()].filter((v) => !seen.has(v))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
