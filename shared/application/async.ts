/** Bounded concurrency, read-ahead and patience with a store, for replay's orchestration and the stores that serve it. */
import { StoreUnavailableError } from './errors';

/** Runs `fn` over `items`, at most `limit` at a time. */
export async function forEachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** `fn` of each item, in order, at most `limit` at a time. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Iterates `source` while its next value is already being fetched (one ahead). */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let next = it.next();
  for (;;) {
    const current = await next;
    if (current.done) return;
    next = it.next();
    // If the consumer stops early (a write failed), the fetch in flight must not go unhandled.
    next.catch(() => undefined);
    yield current.value;
  }
}

/**
 * Pauses between attempts at a store call that found the store unavailable after the SDK's own
 * attempts (StoreUnavailableError: every attempt timed out, throttled past its retries, refused):
 * about 30 s in all. A long job (replay, a bulk load) rides out a DynamoDB Local stalled for
 * seconds on a busy 2-core machine, or a throttled table, instead of dying on one slow request.
 * Only for calls that may be sent again as they are: reads, and batch puts and deletes of whole items.
 */
export const UNAVAILABLE_PAUSES_MS: readonly number[] = [250, 500, 1_000, 2_000, 4_000, 8_000, 8_000, 8_000];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `call()`, called again after each of `pauses` while it throws StoreUnavailableError; any other error at once. */
export async function patiently<T>(call: () => Promise<T>, pauses: readonly number[] = UNAVAILABLE_PAUSES_MS): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof StoreUnavailableError) || attempt >= pauses.length) throw error;
      await sleep(pauses[attempt]!);
    }
  }
}

/**
 * The pages of `open(after)`, opened again after the last page it yielded when the store is
 * unavailable (as `patiently`, the pauses starting over after each page read): `open` reads a
 * sequence in order from after `after`, `positionOf` is the position of a page's last item.
 */
export async function* pagesPatiently<T>(
  open: (after: number) => AsyncIterable<T[]>,
  after: number,
  positionOf: (item: T) => number,
  pauses: readonly number[] = UNAVAILABLE_PAUSES_MS,
): AsyncGenerator<T[]> {
  for (let attempt = 0; ;) {
    try {
      for await (const page of open(after)) {
        attempt = 0;
        if (page.length > 0) after = positionOf(page.at(-1)!);
        yield page;
      }
      return;
    } catch (error) {
      if (!(error instanceof StoreUnavailableError) || attempt >= pauses.length) throw error;
      await sleep(pauses[attempt++]!);
    }
  }
}
