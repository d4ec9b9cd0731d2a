/** `npm start`: the whole newsroom on this machine. */
import { JavaMissingError } from './dynamodb-local';
import { optionsFromEnv, startNewsroom, type Newsroom } from './server';
import { displayEndpoint } from './stores';

// Local runs target Node 20 on purpose (Lambda runs nodejs22.x): the SDK's notice says nothing new.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Per-request INFO logs are for CloudWatch; on a terminal, warnings and errors are enough.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
// CloudWatch metrics and X-Ray traces are AWS's; locally they would only print EMF lines.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';

const started = Date.now();
const running: { newsroom?: Newsroom } = {};
let signals = 0;
// The first signal drains (up to 10 s) and stops in order; a second one exits at once, taking
// DynamoDB Local along (it ignores SIGINT and SIGTERM, see dynamodb-local.ts, and must not be left behind).
// Registered before the start, so that a Ctrl-C while starting stops what was started.
const shutdown = async (signal: string) => {
  signals += 1;
  if (signals > 1) {
    console.error(`${signal} again: exiting now`);
    const pid = running.newsroom?.storePid;
    if (pid) process.kill(pid, 'SIGKILL');
    process.exit(1);
  }
  console.log(`\n${signal}: stopping the newsroom (finishing requests in progress; ${signal} again exits at once)…`);
  if (!running.newsroom) return; // still starting: it stops once started
  await running.newsroom.stop();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

try {
  let lost = false;
  const newsroom = await startNewsroom({
    ...optionsFromEnv(),
    handlesSignals: true,
    // An in-memory store that died took its data along: exit non-zero, for a supervisor to start afresh.
    onStoreLost: () => {
      lost = true;
      if (!running.newsroom) return; // still starting: reported below
      console.error('DynamoDB Local (in memory) exited and its data is gone: stopping the newsroom');
      void running.newsroom.stop().finally(() => process.exit(1));
    },
  });
  running.newsroom = newsroom;
  if (lost) throw new Error('DynamoDB Local (in memory) exited while the newsroom was starting');
  if (signals > 0) {
    await newsroom.stop();
    process.exit(0);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const story = `${newsroom.url}/stories/kyrgyzstan-bakiyev-ouster-2010`;
  console.log(
    [
      '',
      `  Front page   ${newsroom.url}/`,
      `  Story page   ${story}`,
      `  Feeds        ${story}/feed.atom  (also feed.rss, feed.json; all stories: ${newsroom.url}/feed.atom)`,
      `  API          ${newsroom.url}/api/stories  (OpenAPI: ${newsroom.url}/api/openapi.json; docs/api.md)`,
      `  Post         npx newsroom post kyrgyzstan-bakiyev-ouster-2010 --statement "…" --speaker "…"`,
      `  Desk         ${newsroom.url}/desk  (sign in with the editor token; docs/desk.md)`,
      '',
      `  Data ${process.env.NEWSROOM_IN_MEMORY === '1' ? 'in memory' : newsroom.dataDir} · DynamoDB ${displayEndpoint(newsroom.endpoint)} · started in ${seconds} s · Ctrl-C stops everything`,
      '',
    ].join('\n'),
  );
  console.log(`Newsroom ready at ${newsroom.url}`);
} catch (error) {
  if (error instanceof JavaMissingError) {
    console.error(error.message);
  } else {
    console.error(`The newsroom could not start: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
}
