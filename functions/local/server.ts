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
import { Hono } from 'hono';
import { feedChangeNotifier } from '../../shared/adapters/websub';
import { readApp } from '../../shared/adapters/http/read-app';
import { writeApp } from '../../shared/adapters/http/write-app';
import { unmatched } from '../../shared/adapters/http/methods';
import { tokensFromPlain, type TokenTable } from '../../shared/adapters/http/auth';
import { tablesFromEnv } from '../../shared/adapters/dynamodb/client';
import { PROJECTION_VERSION } from '../../shared/domain/projection/story-view';
import { DEFAULT_GENERATION, readPointer, setActiveGeneration } from '../../shared/adapters/dynamodb/views/pointer';
import { claimDataDir } from './data-dir';
import { prepareTables, startLocalStores, type LocalStores, type StoreEndpoints } from './stores';
import { StreamPoller } from './stream-poller';
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
}

export interface Newsroom {
  url: string;
  /** The events' DynamoDB. */
  endpoint: string;
  viewsEndpoint: string;
  dataDir: string;
  /** The generated editor token, when one was generated or read from the data directory. */
  editorToken?: string;
  poller: StreamPoller;
  stop(): Promise<void>;
}

export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): NewsroomOptions {
  return {
    port: env.PORT ? Number(env.PORT) : 3000,
    host: env.HOST ?? '127.0.0.1',
    dataDir: env.NEWSROOM_DATA_DIR ?? resolve(new URL('../..', import.meta.url).pathname, '.newsroom'),
    inMemory: env.NEWSROOM_IN_MEMORY === '1' || env.NEWSROOM_IN_MEMORY === 'true',
    ...(env.DYNAMODB_ENDPOINT ? { endpoint: env.DYNAMODB_ENDPOINT } : {}),
    ...(env.DYNAMODB_VIEWS_ENDPOINT ? { viewsEndpoint: env.DYNAMODB_VIEWS_ENDPOINT } : {}),
    ...(env.NEWSROOM_EDITOR_TOKENS ? { editorTokens: env.NEWSROOM_EDITOR_TOKENS } : {}),
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
    let stores: StoreEndpoints;
    if (options.endpoint) {
      stores = { endpoint: options.endpoint, viewsEndpoint: options.viewsEndpoint ?? options.endpoint };
    } else {
      const local: LocalStores = await startLocalStores(options.inMemory ? undefined : dataDir);
      stack.push(() => local.stop());
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
    const { handler: projector } = await import('../projector/handler');
    const rt = createRuntime();
    // One feed context for the reader and the WebSub pings; its base URL is fixed below once the port is known.
    const feeds = feedContext();
    const reader = createReader(rt, feeds, { headTtlMs: Number.POSITIVE_INFINITY });
    const feedHub = feedChangeNotifier(feeds, { log: (message, extra) => logger.warn(message, extra) });
    const writer = createWriter(rt);

    const poller = new StreamPoller({
      endpoint,
      table: tables.events,
      handler: projector,
      // Under a write burst, project up to 100 records per write to the views table; freshness stays well under 1 s.
      batchWindowMs: 100,
      ...(options.inMemory ? {} : { checkpointFile: join(dataDir, 'stream-checkpoints.json'), quarantineFile: join(dataDir, 'quarantine.ndjson') }),
      // The projector moved these stories: drop their cached heads so the next read sees it.
      // Then tell the WebSub hub (if any) that their feeds changed; it never throws.
      onBatch: (storyIds) => {
        storyIds.forEach((id) => reader.invalidate(id));
        void feedHub.storiesChanged(storyIds);
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
    app.notFound(unmatched);
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

    const server: ServerType = await new Promise((resolveServer, reject) => {
      const s = serve({ fetch: app.fetch, port: options.port ?? 3000, hostname: host }, () => resolveServer(s));
      s.once('error', reject);
    });
    stack.push(
      () =>
        new Promise<void>((done) => {
          server.close(() => done());
          (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        }),
    );
    const port = (server.address() as AddressInfo).port;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
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
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
