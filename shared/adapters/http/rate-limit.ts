/**
 * Write rate limit: a token bucket per editor, held in the memory of one process.
 *
 * Why in memory and not a DynamoDB counter: a shared counter is one more write per append, and
 * the append bar (p50 ≤ 1.5 × one conditional PutItem) leaves no room for it. The cost is that
 * on Lambda each warm container has its own buckets, so an editor's real ceiling is the limit
 * times the number of containers serving them; API Gateway's stage throttle bounds the total.
 * That is enough for what the limit is for: stopping a runaway script or a leaked token from
 * flooding a story, not metering.
 */
export interface RateLimit {
  /** Sustained writes per second per editor. */
  perSecond: number;
  /** Writes an editor may make in a burst. */
  burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { perSecond: 20, burst: 100 };

/** `NEWSROOM_WRITE_RATE` (per second) and `NEWSROOM_WRITE_BURST`, else the defaults. */
export function rateLimitFromEnv(env: NodeJS.ProcessEnv = process.env): RateLimit {
  const number = (value: string | undefined, fallback: number) => {
    const n = Number(value);
    return value !== undefined && Number.isFinite(n) && n > 0 ? n : fallback;
  };
  return {
    perSecond: number(env.NEWSROOM_WRITE_RATE, DEFAULT_RATE_LIMIT.perSecond),
    burst: number(env.NEWSROOM_WRITE_BURST, DEFAULT_RATE_LIMIT.burst),
  };
}

export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number };

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limit: RateLimit,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  take(editor: string): Admission {
    const now = this.clock();
    const bucket = this.buckets.get(editor) ?? { tokens: this.limit.burst, at: now };
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.limit.perSecond);
    bucket.at = now;
    this.buckets.set(editor, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.limit.perSecond)) };
  }
}
