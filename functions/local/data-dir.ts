/**
 * Who has the local data directory's DynamoDB open. `<dataDir>/endpoint.json` is created
 * exclusively by the process that runs DynamoDB Local on `<dataDir>/dynamodb` (the newsroom
 * server, or a replay when no server runs) and removed when it stops, so that two DynamoDB Local
 * processes never open the same dbPath, and a replay can find the running store's endpoint.
 * A file left by a process that died (SIGKILL) is recognised by its pid and taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface EndpointInfo {
  /** Absent while the owner is still starting DynamoDB Local. */
  endpoint?: string;
  /** The views' database (absent in files written before the views had their own). */
  viewsEndpoint?: string;
  pid: number;
  owner: 'server' | 'replay';
  startedAt: string;
}

export class DataDirBusyError extends Error {
  override name = 'DataDirBusyError';
  constructor(
    readonly info: EndpointInfo,
    dataDir: string,
  ) {
    super(`the data directory ${dataDir} is in use by the ${info.owner} (pid ${info.pid}); wait for it to stop`);
  }
}

export const endpointFile = (dataDir: string) => join(dataDir, 'endpoint.json');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live owner of the data directory, if any. */
export function runningOwner(dataDir: string): EndpointInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(endpointFile(dataDir), 'utf8')) as EndpointInfo;
    return alive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

export interface DataDirClaim {
  setEndpoint(endpoint: string, viewsEndpoint: string): void;
  release(): void;
}

export function claimDataDir(dataDir: string, owner: EndpointInfo['owner']): DataDirClaim {
  mkdirSync(dataDir, { recursive: true });
  const file = endpointFile(dataDir);
  const info: EndpointInfo = { pid: process.pid, owner, startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(info), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      const current = runningOwner(dataDir);
      if (current) throw new DataDirBusyError(current, dataDir);
      rmSync(file, { force: true }); // left by a process that died
    }
  }
  let released = false;
  return {
    setEndpoint(endpoint, viewsEndpoint) {
      writeFileSync(file, JSON.stringify({ ...info, endpoint, viewsEndpoint }));
    },
    release() {
      if (released) return;
      released = true;
      rmSync(file, { force: true });
    },
  };
}
