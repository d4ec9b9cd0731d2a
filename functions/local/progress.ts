/**
 * Progress for long work (seeding, replay): a live bar with rate and ETA on a terminal, plain
 * periodic lines when output is not a TTY (CI logs, pipes).
 */
import { SingleBar, Presets } from 'cli-progress';

export interface Progress {
  tick(n?: number): void;
  done(): void;
}

export function progress(label: string, total: number, quiet = false, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (quiet) return { tick() {}, done() {} };
  if (stream.isTTY) {
    const bar = new SingleBar(
      { format: `${label} [{bar}] {percentage}% | {value}/{total} | {speed}/s | ETA {eta_formatted}`, stream, hideCursor: true },
      Presets.shades_classic,
    );
    const started = Date.now();
    let value = 0;
    bar.start(total, 0, { speed: '0' });
    return {
      tick(n = 1) {
        value += n;
        bar.update(value, { speed: (value / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(0) });
      },
      done() {
        bar.stop();
      },
    };
  }
  const started = Date.now();
  let value = 0;
  let lastLine = 0;
  const line = () => {
    const seconds = Math.max(0.001, (Date.now() - started) / 1000);
    const rate = value / seconds;
    const eta = rate > 0 ? Math.round((total - value) / rate) : 0;
    stream.write(`${label}: ${value}/${total} (${Math.round((100 * value) / Math.max(1, total))}%), ${rate.toFixed(0)}/s, ETA ${eta}s\n`);
  };
  return {
    tick(n = 1) {
      value += n;
      if (Date.now() - lastLine > 2_000) {
        lastLine = Date.now();
        line();
      }
    },
    done() {
      line();
    },
  };
}
