/**
 * Who has the local data directory's DynamoDB open. `<dataDir>/endpoint.json` is created
 * exclusively by the process that runs DynamoDB Local on `<dataDir>/dynamodb` (the newsroom
 * server, or a replay when no server runs) and removed when it stops, so that two DynamoDB Local
 * processes never open the same dbPath, a replay can find the running store's endpoint, and the
 * `newsroom` CLI the running server's URL (whatever PORT it was started with).
 * A file left by a process that died (SIGKILL) is recognised by its pid and taken over: the
 * DynamoDB Local it had started (its pid is in the file too) outlives it, holding its port and
 * the data, and is stopped first. The file names the stores' secret access key: it is 0600.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDynamoLocalOn } from './dynamodb-local';

export interface EndpointInfo {
  /** Absent while the owner is still starting DynamoDB Local. */
  endpoint?: string;
  /** The views' database (absent in files written before the views had their own). */
  viewsEndpoint?: string;
  /** The server's HTTP URL, once it listens (the server only). */
  url?: string;
  pid: number;
  /** The DynamoDB Local process it runs on the data directory, if any. */
  storePid?: number;
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
  /** The server listens at `url`: the CLI finds it here. */
  setUrl(url: string): void;
  /** The DynamoDB Local process now serving the data directory (again, after a restart). */
  setStorePid(pid: number): void;
  /** The pid of an orphaned DynamoDB Local that the claim stopped, if any. */
  tookOver?: number;
  release(): void;
}

/**
 * Stops the DynamoDB Local that a dead owner left running on `<dataDir>/dynamodb`, if its pid
 * still names one (checked in /proc: a recycled pid is left alone). Returns its pid.
 */
function stopOrphan(info: EndpointInfo, dataDir: string): number | undefined {
  const pid = info.storePid;
  if (!pid || !isDynamoLocalOn(pid, join(dataDir, 'dynamodb'))) return undefined;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return undefined; // it went on its own
  }
  // SIGKILL is delivered at once, but the kernel frees its port and files when it is reaped.
  const deadline = Date.now() + 5_000;
  while (isDynamoLocalOn(pid, join(dataDir, 'dynamodb')) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  return pid;
}

const write = (file: string, info: EndpointInfo, flag = 'w') => {
  if (flag === 'wx') {
    // The claim itself: exclusive, so two servers never both take the directory.
    writeFileSync(file, JSON.stringify(info), { flag, mode: 0o600 });
    chmodSync(file, 0o600);
    return;
  }
  // An update replaces the file whole (a rename), so the CLI and tests never read it half written.
  const next = `${file}.${process.pid}.tmp`;
  writeFileSync(next, JSON.stringify(info), { mode: 0o600 });
  chmodSync(next, 0o600);
  renameSync(next, file);
};

export function claimDataDir(dataDir: string, owner: EndpointInfo['owner']): DataDirClaim {
  mkdirSync(dataDir, { recursive: true });
  const file = endpointFile(dataDir);
  let info: EndpointInfo = { pid: process.pid, owner, startedAt: new Date().toISOString() };
  let tookOver: number | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      write(file, info, 'wx');
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      const current = runningOwner(dataDir);
      if (current) throw new DataDirBusyError(current, dataDir);
      // Left by a process that died.
      try {
        tookOver = stopOrphan(JSON.parse(readFileSync(file, 'utf8')) as EndpointInfo, dataDir);
      } catch {
        // Torn or unreadable: nothing to take over.
      }
      rmSync(file, { force: true });
    }
  }
  let released = false;
  return {
    ...(tookOver ? { tookOver } : {}),
    setEndpoint(endpoint, viewsEndpoint) {
      info = { ...info, endpoint, viewsEndpoint };
      write(file, info);
    },
    setUrl(url) {
      info = { ...info, url };
      if (!released) write(file, info);
    },
    setStorePid(storePid) {
      info = { ...info, storePid };
      if (!released) write(file, info);
    },
    release() {
      if (released) return;
      released = true;
      rmSync(file, { force: true });
    },
  };
}

/**
 * The secret access key of the data directory's DynamoDB Local databases (see stores.ts), made
 * once and kept in `<dataDir>/dynamodb-key`, readable by its owner only. DynamoDB Local accepts
 * letters and digits in an access key.
 */
export function storeKey(dataDir: string): string {
  const file = join(dataDir, 'dynamodb-key');
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    if (/^[A-Za-z0-9]{16,}$/.test(key)) return key;
    throw new Error(`${file} does not hold a key (16 or more letters and digits): restore it, or remove it only with the dynamodb folder beside it`);
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(16).toString('hex');
  writeFileSync(file, key + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return key;
}
