/**
 * Replay progress: one bar over the events to rebuild, where reading and folding an event is half
 * of its work and writing the items it produced the other half (replay writes while it reads).
 * On a terminal a live bar with events/s and ETA; otherwise a plain line every 2 s.
 */
import { Presets, SingleBar } from 'cli-progress';
import type { RebuildProgress } from '../../shared/application/replay';

export interface ReplayBar extends RebuildProgress {
  stop(): void;
}

export function replayBar(totalEvents: number, stream: NodeJS.WriteStream = process.stderr): ReplayBar {
  const total = Math.max(1, totalEvents * 2);
  const started = performance.now();
  let units = 0;
  const rate = () => units / 2 / Math.max(0.001, (performance.now() - started) / 1000);
  const eta = () => {
    const perUnit = (performance.now() - started) / 1000 / Math.max(units, 1);
    return Math.round((total - units) * perUnit);
  };
  let bar: SingleBar | undefined;
  let lastLine = 0;
  let stopped = false;
  const line = () =>
    stream.write(
      `Replay: ${Math.round(units / 2)}/${totalEvents} events (${Math.floor((100 * units) / total)}%), ${rate().toFixed(0)} events/s, ETA ${eta()}s\n`,
    );
  if (stream.isTTY) {
    bar = new SingleBar(
      { format: 'Replay [{bar}] {percentage}% | {events}/{totalEvents} events | {speed} events/s | ETA {eta_formatted}', stream, hideCursor: true },
      Presets.shades_classic,
    );
    bar.start(total, 0, { events: 0, totalEvents, speed: '0' });
  }
  const advance = (n: number) => {
    units = Math.min(total, units + n);
    if (bar) bar.update(Math.round(units), { events: Math.round(units / 2), speed: rate().toFixed(0) });
    else if (performance.now() - lastLine > 2_000) {
      lastLine = performance.now();
      line();
    }
  };
  return {
    read: (events) => advance(events),
    written: (events) => advance(events),
    stop() {
      if (stopped) return;
      stopped = true;
      if (bar) bar.stop();
      else line();
    },
  };
}
