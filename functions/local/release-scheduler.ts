/**
 * The local server's release scheduler: a timer on the next due release (the soonest item of the
 * release index), not a poll. On start it releases what fell due while the server was down; the
 * projector wakes it whenever it applies an embargo event (a new, moved or cancelled release), so
 * the timer always points at the soonest one.
 *
 * While the store does not answer (DynamoDB Local restarting), it backs off (0.5 s, doubling, at
 * most 30 s) and tries again. Two processes releasing the same update append one release at most:
 * the release is decided against the log and is a no-op when nothing is pending (releases.ts).
 */
import { releaseDue, type ReleaseDeps } from '../../shared/application/releases';

/** setTimeout's longest delay is about 24.8 days; an embargo may be 30: re-read the index at least this often. */
const MAX_TIMER_MS = 6 * 60 * 60 * 1000;
const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;

export interface SchedulerOptions extends ReleaseDeps {
  /** Called after releases were appended (the server nudges its stream poller). */
  onReleased?: (count: number) => void;
  /** Logs a failed attempt (once per outage) and its recovery. */
  warn?: (message: string, extra?: Record<string, unknown>) => void;
}

export class ReleaseScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private backoffMs = 0;

  constructor(private readonly options: SchedulerOptions) {}

  /** Releases what is due now (what fell due while the server was down), then arms the timer. */
  start(): Promise<void> {
    this.stopped = false;
    return this.wake();
  }

  /** Releases what is due and re-arms the timer on the soonest release left; runs one at a time. */
  wake(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.wake();
      }
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async run(): Promise<void> {
    clearTimeout(this.timer);
    let delay: number;
    try {
      for (;;) {
        const outcome = await releaseDue(this.options);
        if (outcome.released.length > 0) this.options.onReleased?.(outcome.released.length);
        if (outcome.released.length + outcome.stale < 100) break;
      }
      const next = await this.options.index.next();
      const now = Date.parse((this.options.now ?? (() => new Date().toISOString()))());
      delay = next ? Math.min(MAX_TIMER_MS, Math.max(0, Date.parse(next.releaseAt) - now)) : MAX_TIMER_MS;
      if (this.backoffMs > 0) this.options.warn?.('release scheduler recovered');
      this.backoffMs = 0;
    } catch (error) {
      if (this.backoffMs === 0) this.options.warn?.('release scheduler failed; retrying', { error: String(error) });
      this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs === 0 ? MIN_BACKOFF_MS : this.backoffMs * 2);
      delay = this.backoffMs;
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.wake(), delay);
    this.timer.unref();
  }
}
