import { decodeTime, isValid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { newUpdateId } from '../../shared/adapters/update-ids';

describe('newUpdateId', () => {
  it('makes ULIDs of now, each after the one before, even within one millisecond', () => {
    const before = Date.now();
    const ids = Array.from({ length: 5_000 }, () => newUpdateId());
    const after = Date.now();
    for (const id of ids) expect(isValid(id), id).toBe(true);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!, `${ids[i - 1]} then ${ids[i]}`).toBe(true);
    expect(decodeTime(ids[0]!)).toBeGreaterThanOrEqual(before);
    expect(decodeTime(ids.at(-1)!)).toBeLessThanOrEqual(after);
  });

  it('draws the random part afresh in every millisecond: no two milliseconds share it', async () => {
    const randomParts = new Set<string>();
    for (let i = 0; i < 20; i++) {
      randomParts.add(newUpdateId().slice(10));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(randomParts.size).toBe(20);
    // Every symbol of the alphabet turns up in the random parts: nothing is stuck or biased to a few.
    const symbols = new Set([...randomParts].join(''));
    expect(symbols.size).toBeGreaterThan(25);
  });
});
