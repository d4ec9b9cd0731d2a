/**
 * The whole newsroom on one machine: DynamoDB Local (embedded, with the events and the views in
 * databases of their own, see stores.ts; or DYNAMODB_ENDPOINT), the tables,
 * the write and read APIs on one Node server, and the projector driven by the real stream.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Server as HttpServer } from 'node:http';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { problems } from '../../shared/adapters/http/problem';
import { feedChangeNotifier } from '../../shared/adapters/websub';
import { readApp } from '../../shared/adapters/http/read-app';
import { writeApp } from '../../shared/adapters/http/write-app';
import { notFound } from '../../shared/adapters/http/base';
import { tokensFromPlain, type TokenTable } from '../../shared/adapters/http/auth';
import { tablesFromEnv } from '../../shared/adapters/dynamodb/client';
import { PROJECTION_VERSION } from '../../shared/domain/projection/story-view';
import { DEFAULT_GENERATION, readPointer, setActiveGeneration } from '../../shared/adapters/dynamodb/views/pointer';
import { claimDataDir } from './data-dir';
import type { LocalDynamo } from './dynamodb-local';
import { prepareTables, startLocalStores, type LocalStores, type StoreEndpoints } from './stores';
import { StreamPoller, type PollerOptions } from './stream-poller';
import { BAKIYEV_FIXTURE, loadFixture, readFixture } from './seed';

export interface NewsroomOptions {
  port?: number;
  host?: string;
  dataDir?: string;
  inMemory?: boolean;
  /** Use this DynamoDB instead of starting DynamoDB Local (for every table, unless `viewsEndpoint` is given). */
  endpoint?: string;
  viewsEndpoint?: string;
  editorTokens?: string;
  /** Load events/ fixtures into an empty store (default true). */
  seed?: boolean;
  quiet?: boolean;
  log?: (line: string) => void;
  /** The HTTP server's limits against slow or greedy clients (defaults: serverLimits). */
  limits?: Partial<ServerLimits>;
  /** How the stream poller retries a failing record before quarantining it (defaults: PollerOptions'). */
  projectorRetries?: Pick<PollerOptions, 'maxAttempts' | 'retryBaseMs' | 'maxRetryDelayMs'>;
  /**
   * The caller handles SIGINT and SIGTERM and stops the newsroom itself (`npm start`: drain first).
   * The embedded DynamoDB Local then ignores them, so that one sent to the whole process group
   * (Ctrl-C) does not take the store away from requests in progress; otherwise it goes with them.
   */
  handlesSignals?: boolean;
  /** How long a stop waits for in-flight requests before cutting them (default 10 s). */
  drainMs?: number;
  /**
   * The store is gone for good (an in-memory DynamoDB Local exited: its data went with it). `npm
   * start` exits non-zero so that a supervisor can start it afresh; by default it is only logged.
   */
  onStoreLost?: () => void;
}

/** Limits of the node:http server. */
export interface ServerLimits {
  /** A client has this long to send the request's headers (slowloris), else 408. */
  headersTimeoutMs: number;
  /** … and this long to send the whole request, body included, else 408. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
  /** Connections beyond this many are refused (closed at once). */
  maxConnections: number;
}

export const serverLimits: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1_000,
};

/** Seconds a client is asked to wait while the local store restarts (a JVM start takes one or two). */
const STORE_RETRY_AFTER_S = 2;

export interface Newsroom {
  url: string;
  /** The events' DynamoDB. */
  endpoint: string;
  viewsEndpoint: string;
  dataDir: string;
  /** The generated editor token, when one was generated or read from the data directory. */
  editorToken?: string;
  poller: StreamPoller;
  /** The embedded DynamoDB Local's process id now (undefined with DYNAMODB_ENDPOINT). */
  readonly storePid: number | undefined;
  /** Drains in-flight requests (up to `drainMs`), then stops the poller at a checkpoint and the store. */
  stop(): Promise<void>;
}

export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): NewsroomOptions {
  return {
    port: env.PORT ? Number(env.PORT) : 3000,
    host: env.HOST ?? '127.0.0.1',
    dataDir: env.NEWSROOM_DATA_DIR ?? resolve(new URL('../..', import.meta.url).pathname, '.newsroom'),
    inMemory: env.NEWSROOM_IN_MEMORY === '1' || env.NEWSROOM_IN_MEMORY === 'true',
    // NEWSROOM_SEED=0: start empty, without the example story (tests that need a store of their own).
    ...(env.NEWSROOM_SEED === '0' ? { seed: false } : {}),
    ...(env.DYNAMODB_ENDPOINT ? { endpoint: env.DYNAMODB_ENDPOINT } : {}),
    ...(env.DYNAMODB_VIEWS_ENDPOINT ? { viewsEndpoint: env.DYNAMODB_VIEWS_ENDPOINT } : {}),
    ...(env.NEWSROOM_EDITOR_TOKENS ? { editorTokens: env.NEWSROOM_EDITOR_TOKENS } : {}),
    limits: {
      ...(env.NEWSROOM_HEADERS_TIMEOUT_MS ? { headersTimeoutMs: Number(env.NEWSROOM_HEADERS_TIMEOUT_MS) } : {}),
      ...(env.NEWSROOM_REQUEST_TIMEOUT_MS ? { requestTimeoutMs: Number(env.NEWSROOM_REQUEST_TIMEOUT_MS) } : {}),
      ...(env.NEWSROOM_MAX_CONNECTIONS ? { maxConnections: Number(env.NEWSROOM_MAX_CONNECTIONS) } : {}),
    },
  };
}

/** Editor tokens: from the environment, else one generated once and kept in the data directory. */
function editorTokens(options: NewsroomOptions, dataDir: string, log: (line: string) => void): { table: TokenTable; generated?: string } {
  if (options.editorTokens) return { table: tokensFromPlain(options.editorTokens) };
  const file = join(dataDir, 'editor-token');
  if (!options.inMemory && existsSync(file)) {
    const spec = readFileSync(file, 'utf8').trim();
    log(`Editor token: the one in ${file}`);
    return { table: tokensFromPlain(spec), generated: spec.slice(spec.indexOf(':') + 1) };
  }
  const token = randomBytes(24).toString('base64url');
  const spec = `editor:${token}`;
  if (!options.inMemory) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, spec + '\n', { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  log(`Editor token (shown once${options.inMemory ? '' : `, kept in ${file}`}): ${token}`);
  return { table: tokensFromPlain(spec), generated: token };
}

/**
 * Views built by an older PROJECTION_VERSION are rebuilt in the background (blue/green: readers
 * keep the old generation until the new one is complete). Returns how to stop it: an interrupted
 * rebuild resumes on the next start.
 */
async function rebuildIfOutdated(
  rt: import('../runtime').Runtime,
  empty: boolean,
  log: (line: string) => void,
  switched: () => void,
): Promise<() => Promise<void>> {
  const pointer = await readPointer(rt.viewsDb, rt.tables.views);
  if (!pointer && empty) {
    // A new store: the live projector builds it with this code.
    await setActiveGeneration(rt.viewsDb, rt.tables.views, DEFAULT_GENERATION, DEFAULT_GENERATION);
    return async () => undefined;
  }
  const built = pointer?.projectionVersion ?? 1;
  if (built >= PROJECTION_VERSION) return async () => undefined;
  const { replayAll } = await import('../../shared/application/replay');
  const abort = new AbortController();
  log(
    pointer
      ? `Views were built by projection version ${built}; rebuilding them for version ${PROJECTION_VERSION} in the background`
      : `The views of the stored events are missing; building them in the background`,
  );
  const { replayContext } = await import('../replay/context');
  const run = replayAll(replayContext(rt, log), { signal: abort.signal, cleanupDelayMs: 2_500 }).then(
    (s) => {
      switched();
      log(`Views rebuilt: ${s.stories} stories, ${s.events} events in ${s.seconds.toFixed(1)} s; now serving generation ${s.generation}`);
    },
    (error: unknown) => {
      if (!abort.signal.aborted) log(`Background rebuild failed (the old views stay active): ${String(error)}`);
    },
  );
  return async () => {
    abort.abort();
    await run;
  };
}

async function assertPortFree(host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${port} on ${host} is in use: stop what holds it, or set PORT to another port`) : error),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/**
 * While the embedded DynamoDB Local is down (it is being restarted), requests answer 503 with
 * Retry-After at once instead of waiting out the SDK's retries; a request that failed because it
 * went down under it (it exited while the request ran) gets the same answer, not a 500.
 */
function storeOutage(dynamo: LocalDynamo): MiddlewareHandler {
  const unavailable = (c: Context) => {
    const body = { ...problems.unavailable(), detail: 'DynamoDB Local is restarting; retry shortly', instance: c.req.path };
    return new Response(JSON.stringify(body), {
      status: 503,
      headers: { 'Content-Type': 'application/problem+json; charset=utf-8', 'Cache-Control': 'no-store', 'Retry-After': String(STORE_RETRY_AFTER_S) },
    });
  };
  return async (c, next) => {
    if (!dynamo.up) return unavailable(c);
    const startedAt = Date.now();
    await next();
    if (c.res.status >= 500 && (!dynamo.up || (dynamo.lastExitAt ?? 0) >= startedAt)) {
      c.res = undefined; // replace the answer whole (assigning over it would keep its headers)
      c.res = unavailable(c);
    }
  };
}

async function listen(app: Hono, port: number, host: string, limits: ServerLimits): Promise<ServerType> {
  const server: ServerType = await new Promise((resolveServer, reject) => {
    const s = serve(
      {
        fetch: app.fetch,
        port,
        hostname: host,
        serverOptions: {
          headersTimeout: limits.headersTimeoutMs,
          requestTimeout: limits.requestTimeoutMs,
          keepAliveTimeout: limits.keepAliveTimeoutMs,
          // Node checks the two timeouts above on this interval (30 s by default, which would let a
          // slow client hold its connection that much longer than asked).
          connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
        },
      },
      () => resolveServer(s),
    );
    s.once('error', reject);
  });
  server.maxConnections = limits.maxConnections;
  return server;
}

/**
 * Stops accepting, lets in-flight requests finish for up to `drainMs` (closing each keep-alive
 * connection as soon as it is idle), then cuts what is left.
 */
async function drain(server: ServerType, drainMs: number, log: (line: string) => void): Promise<void> {
  const http = server as HttpServer;
  const closed = new Promise<void>((done) => http.close(() => done()));
  // A keep-alive connection that finishes its request after close() would otherwise stay open.
  const idle = setInterval(() => http.closeIdleConnections(), 50);
  http.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const cut = new Promise<'cut'>((done) => (timer = setTimeout(() => done('cut'), drainMs)));
  if ((await Promise.race([closed, cut])) === 'cut') {
    log(`Requests still running after ${drainMs / 1000} s: cut`);
    http.closeAllConnections();
    await closed;
  }
  clearTimeout(timer);
  clearInterval(idle);
}

export async function startNewsroom(options: NewsroomOptions = {}): Promise<Newsroom> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dataDir = resolve(options.dataDir ?? '.newsroom');
  const host = options.host ?? '127.0.0.1';
  const stack: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stack.reverse()) await stop().catch(() => undefined);
    stack.length = 0;
  };

  try {
    // Fail fast, before DynamoDB Local and the seed, when the port is taken.
    if (options.port !== 0) await assertPortFree(host, options.port ?? 3000);
    // Held before DynamoDB Local starts, so a replay never opens the same dbPath (see data-dir.ts).
    const claim = options.inMemory ? undefined : claimDataDir(dataDir, 'server');
    if (claim) stack.push(async () => claim.release());
    if (claim?.tookOver) log(`Stopped DynamoDB Local (pid ${claim.tookOver}) left running on ${dataDir} by a newsroom that died`);
    let stores: StoreEndpoints;
    let local: LocalStores | undefined;
    if (options.endpoint) {
      stores = { endpoint: options.endpoint, viewsEndpoint: options.viewsEndpoint ?? options.endpoint };
    } else {
      local = await startLocalStores(options.inMemory ? undefined : dataDir, {
        log,
        outliveGroupSignals: options.handlesSignals ?? false,
        onSpawn: (pid) => claim?.setStorePid(pid),
        onExit: ({ lost }) => {
          if (lost) options.onStoreLost?.();
        },
      });
      const started = local;
      stack.push(() => started.stop());
      stores = local;
    }
    const { endpoint, viewsEndpoint } = stores;
    claim?.setEndpoint(endpoint, viewsEndpoint);
    // The handlers read their configuration from the environment, as on Lambda.
    process.env.DYNAMODB_ENDPOINT = endpoint;
    process.env.DYNAMODB_VIEWS_ENDPOINT = viewsEndpoint;
    const tables = tablesFromEnv();
    await prepareTables(stores, tables, log);

    const baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${options.port ?? 3000}`;
    process.env.PUBLIC_BASE_URL ??= baseUrl;
    const { createRuntime, feedContext, logger, storeIsReachable } = await import('../runtime');
    const { createWriter } = await import('../writer');
    const { createReader, pageOptions } = await import('../reader');
    const { handler: projector, projectorHooks } = await import('../projector/handler');
    const { DynamoReleaseIndex } = await import('../../shared/adapters/dynamodb/views/releases');
    const { ReleaseScheduler } = await import('./release-scheduler');
    const rt = createRuntime();
    // One feed context for the reader and the WebSub pings; its base URL is fixed below once the port is known.
    const feeds = feedContext();
    const reader = createReader(rt, feeds, { headTtlMs: Number.POSITIVE_INFINITY });
    const feedHub = feedChangeNotifier(feeds, { log: (message, extra) => logger.warn(message, extra) });
    // Group commit as on Lambda: the runtime's clients answer a transaction on DynamoDB Local only
    // once it is written (durableTransactions in shared/adapters/dynamodb/client.ts), so a SIGKILL
    // loses no acknowledged group.
    const writer = createWriter(rt);
    // Stories whose projected events changed what readers see (embargo events do not): pinged below.
    const publicChanges = new Set<string>();
    const scheduler = new ReleaseScheduler({
      writer,
      index: new DynamoReleaseIndex(rt.viewsDb, rt.tables.views),
      log: logger,
      // The release appended: project it now (the poller is made below, before any release can be).
      onReleased: () => poller.nudge(),
      warn: (message, extra) => logger.warn(message, extra ?? {}),
    });
    projectorHooks.afterBatch = (results) => {
      for (const r of results) if (r.publicChanges > 0) publicChanges.add(r.storyId);
      // A release created, moved or cancelled: the timer follows the soonest.
      if (results.some((r) => r.embargoEvents.length > 0)) void scheduler.wake();
    };

    const poller = new StreamPoller({
      endpoint,
      table: tables.events,
      handler: projector,
      // Under a write burst, project up to 100 records per write to the views table; freshness stays well under 1 s.
      batchWindowMs: 100,
      ...options.projectorRetries,
      ...(options.inMemory ? {} : { checkpointFile: join(dataDir, 'stream-checkpoints.json'), quarantineFile: join(dataDir, 'quarantine.ndjson') }),
      // The projector moved these stories: drop their cached heads so the next read sees it.
      // Then tell the WebSub hub (if any) that their feeds changed; it never throws.
      onBatch: (storyIds) => {
        storyIds.forEach((id) => reader.invalidate(id));
        // No ping for embargo events alone: no feed changed (the release pings).
        const changed = [...storyIds].filter((id) => publicChanges.delete(id));
        if (changed.length > 0) void feedHub.storiesChanged(changed);
      },
      log: (message, extra) => logger.warn(message, extra ?? {}),
    });
    await poller.start();
    stack.push(() => poller.stop());
    if (poller.quarantined.length > 0) {
      log(
        `Quarantine: ${poller.quarantined.length} stream record(s) failed repeatedly and were set aside in ${join(dataDir, 'quarantine.ndjson')} (see docs/projections.md, "Poison records")`,
      );
    }

    const tokens = editorTokens(options, dataDir, log);
    const app = new Hono();
    // The mounted apps' routes come here; what none of them matches gets this app's fallback,
    // the same 404/405 problem+json as on Lambda.
    app.notFound(notFound);
    if (local) app.use(storeOutage(local.dynamo));
    app.route('/', writeApp({ writer, tokens: () => tokens.table, log: logger, onWrite: () => poller.nudge() }));
    app.route(
      '/',
      readApp({
        reader,
        log: logger,
        health: () => storeIsReachable(rt),
        projection: () => ({ quarantined: poller.quarantined.length }),
        tokens: () => tokens.table,
        pages: pageOptions(),
      }),
    );

    const empty = await rt.events.isEmpty();
    if (options.seed !== false && empty) {
      const fixture = readFixture(BAKIYEV_FIXTURE);
      await loadFixture(writer, fixture, { quiet: options.quiet ?? false });
      poller.nudge();
    }
    stack.push(await rebuildIfOutdated(rt, empty, log, () => reader.invalidate()));
    // Releases what fell due while the server was down, then waits for the next one.
    await scheduler.start();
    stack.push(() => scheduler.stop());

    const limits = { ...serverLimits, ...options.limits };
    const server = await listen(app, options.port ?? 3000, host, limits);
    stack.push(() => drain(server, options.drainMs ?? 10_000, log));
    const port = (server.address() as AddressInfo).port;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    // The CLI on this machine follows the server to whatever port it listens on (removed with the claim on stop).
    claim?.setUrl(url);
    if (url !== baseUrl && process.env.PUBLIC_BASE_URL === baseUrl) {
      process.env.PUBLIC_BASE_URL = url;
      feeds.baseUrl = url;
    }
    return {
      url,
      endpoint,
      viewsEndpoint,
      dataDir,
      ...(tokens.generated ? { editorToken: tokens.generated } : {}),
      poller,
      get storePid() {
        return local?.dynamo.process.pid;
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
