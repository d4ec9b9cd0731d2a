/** The replay function's settings from its environment (infra/constructs/replay.ts sets them). */
import { DEFAULT_RESERVE_MS, type ReplayDeps } from './fan-out';

/** Defaults on AWS: a story's writes stay well below a partition's 1,000 WRU/s, and five stories below a new on-demand table's 4,000. */
export const REPLAY_DEFAULTS = { writeConcurrency: 4, writeUnitsPerSecond: 400, maxReceiveCount: 3 } as const;

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

export function replaySettings(env: NodeJS.ProcessEnv): Pick<ReplayDeps, 'write' | 'maxReceiveCount' | 'reserveMs'> {
  return {
    write: {
      concurrency: positiveInt(env, 'REPLAY_WRITE_CONCURRENCY', REPLAY_DEFAULTS.writeConcurrency),
      unitsPerSecond: positiveInt(env, 'REPLAY_WRITE_UNITS_PER_SECOND', REPLAY_DEFAULTS.writeUnitsPerSecond),
    },
    maxReceiveCount: positiveInt(env, 'REPLAY_MAX_RECEIVE_COUNT', REPLAY_DEFAULTS.maxReceiveCount),
    reserveMs: positiveInt(env, 'REPLAY_RESERVE_MS', DEFAULT_RESERVE_MS),
  };
}
