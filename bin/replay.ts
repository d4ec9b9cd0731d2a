/**
 * `npm run replay` — rebuild every story's view into a new generation and switch to it;
 * `npm run replay -- --story <id>` — rebuild one story in place.
 *
 * Finds the store through the data directory: if the newsroom is running, its endpoint.json names
 * its DynamoDB Local (the events' and the views' databases); otherwise this starts it on the data directory
 * itself (and holds the directory while it runs). DYNAMODB_ENDPOINT (with DYNAMODB_VIEWS_ENDPOINT,
 * if the views are elsewhere) overrides both. Options: --data-dir <dir>, --quiet.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { printable } from './newsroom-client';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({
  options: { story: { type: 'string' }, 'data-dir': { type: 'string' }, quiet: { type: 'boolean', default: false } },
  strict: true,
});

const { tablesFromEnv } = await import('../shared/adapters/dynamodb/client');
const { createRuntime } = await import('../functions/runtime');
const { replayContext } = await import('../functions/replay/context');
const { optionsFromEnv } = await import('../functions/local/server');
const { claimDataDir, runningOwner } = await import('../functions/local/data-dir');
const { displayEndpoint, prepareTables, startLocalStores } = await import('../functions/local/stores');
type StoreEndpoints = import('../functions/local/stores').StoreEndpoints;
const { rebuildStoryInPlace, replayAll } = await import('../shared/application/replay');
const { replayBar } = await import('../functions/replay/progress');

const dataDir = resolve(values['data-dir'] ?? optionsFromEnv().dataDir ?? '.newsroom');
const say = (line: string) => console.log(line);
const cleanup: (() => Promise<void> | void)[] = [];

async function connect(): Promise<StoreEndpoints> {
  const { DYNAMODB_ENDPOINT: endpoint, DYNAMODB_VIEWS_ENDPOINT: viewsEndpoint } = process.env;
  if (endpoint) return { endpoint, viewsEndpoint: viewsEndpoint ?? endpoint };
  for (let waited = 0; waited < 30_000; waited += 250) {
    const running = runningOwner(dataDir);
    if (!running) break;
    if (running.endpoint) {
      const stores = { endpoint: running.endpoint, viewsEndpoint: running.viewsEndpoint ?? running.endpoint };
      say(`Using the running ${running.owner}'s DynamoDB at ${displayEndpoint(stores.endpoint)} (pid ${running.pid})`);
      return stores;
    }
    await new Promise((r) => setTimeout(r, 250)); // it is still starting DynamoDB Local
  }
  const claim = claimDataDir(dataDir, 'replay');
  cleanup.push(() => claim.release());
  if (claim.tookOver) say(`Stopped DynamoDB Local (pid ${claim.tookOver}) left running on ${dataDir} by a process that died`);
  const stores = await startLocalStores(dataDir, { log: say, onSpawn: (pid) => claim.setStorePid(pid) });
  cleanup.unshift(() => stores.stop());
  claim.setEndpoint(stores.endpoint, stores.viewsEndpoint);
  say(`The newsroom is not running: started DynamoDB Local on ${join(dataDir, 'dynamodb')}`);
  return stores;
}

try {
  const stores = await connect();
  const tables = tablesFromEnv();
  await prepareTables(stores, tables, say);
  // The same wiring as the handlers: clients from the environment.
  process.env.DYNAMODB_ENDPOINT = stores.endpoint;
  process.env.DYNAMODB_VIEWS_ENDPOINT = stores.viewsEndpoint;
  const rt = createRuntime();
  cleanup.push(() => {
    rt.db.destroy();
    rt.viewsDb.destroy();
  });
  const ctx = replayContext(rt, say);
  if (values.story) {
    const started = performance.now();
    const out = await rebuildStoryInPlace(ctx, values.story);
    const seconds = (performance.now() - started) / 1000;
    say(
      `Rebuilt ${values.story} in generation ${out.generation}: ${out.events} events → ${out.items} items (${out.deleted} stale removed, ${out.caughtUp} caught up) in ${seconds.toFixed(1)} s, ${(out.events / seconds).toFixed(0)} events/s`,
    );
  } else {
    let bar: ReturnType<typeof replayBar> | undefined;
    const summary = await replayAll(ctx, {
      cleanupDelayMs: 2_500,
      onRebuilt: () => bar?.stop(),
      onPlan: (plan) => {
        say(
          `Replaying ${plan.events} events of ${plan.stories} stories into generation ${plan.generation}${plan.resumed ? ` (resuming: ${plan.resumed} stories already done)` : ''}`,
        );
        if (!values.quiet) bar = replayBar(plan.events);
        return bar;
      },
    });
    bar?.stop();
    say(
      `Replay done: ${summary.stories} stories, ${summary.events} events → ${summary.items} items in ${summary.seconds.toFixed(1)} s ` +
        `(${summary.eventsPerSecond.toFixed(0)} events/s); ${summary.caughtUp} live events caught up; active generation ${summary.generation} ` +
        `(was ${summary.previous}: its ${summary.deleted} items deleted in ${summary.cleanupSeconds.toFixed(1)} s more)`,
    );
  }
} catch (error) {
  // The message may carry a store's text (DYNAMODB_ENDPOINT can be any server): no terminal controls.
  console.error(`Replay failed: ${printable(error instanceof Error ? error.message : String(error))}`);
  process.exitCode = 1;
} finally {
  for (const step of cleanup) await step();
}
