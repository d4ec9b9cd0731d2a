/**
 * The documented walkthroughs, run as a reader runs them: the README's "Try it", then docs/api.md's
 * worked session and docs/operations.md's loading of a story fixture, copied from the markdown and run with bash, in order, against a newsroom started by
 * `npm start`'s own entry point on a free port, from a directory whose `.newsroom/` is its data
 * directory (so `cut -d: -f2 .newsroom/editor-token` reads the token it generated, as in a checkout).
 *
 * The blocks' own convention is what is checked: each `# → NNN [output]` line ends a step, every
 * request of that step (curl is wrapped to report each status on stderr) must answer NNN (of a step
 * that waits for the projector, its last request), and an output written in full (no "…") must be
 * printed by the step.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../functions/local/dynamodb-local';
import { exited, startNewsroomProcess } from '../support/newsroom-process';

const root = new URL('../../', import.meta.url).pathname;
const DOCUMENTED_SERVER = 'http://127.0.0.1:3000';
const dir = mkdtempSync(join(tmpdir(), 'newsroom-walkthrough-'));
let server: ChildProcess | undefined;
let url = '';

beforeAll(async () => {
  // No token given: the walkthroughs read the one `npm start` generates.
  const started = await startNewsroomProcess({ port: await freePort(), dataDir: join(dir, '.newsroom'), readyWithinMs: 90_000 });
  server = started.proc;
  url = started.url;
}, 120_000);

afterAll(async () => {
  if (server?.pid && server.exitCode === null && server.signalCode === null) {
    process.kill(-server.pid, 'SIGTERM');
    await exited(server);
  }
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

/** The first ```bash block after `heading` in a markdown file of the repository. */
function block(file: string, heading: string): string {
  const markdown = readFileSync(join(root, file), 'utf8');
  const at = markdown.indexOf(`\n${heading}\n`);
  expect(at, `${file} has a section "${heading}"`).toBeGreaterThanOrEqual(0);
  const match = /\n```bash\n([\s\S]*?)\n```\n/.exec(markdown.slice(at));
  expect(match, `${file} "${heading}" has a bash block`).not.toBeNull();
  return match![1]!;
}

interface Step {
  source: string;
  status: number;
  output?: string;
}

/** The block cut into steps, each ending at its `# → NNN [output]` line; what follows the last one is a step with no expectation. */
function steps(source: string): { steps: Step[]; rest: string } {
  const out: Step[] = [];
  let lines: string[] = [];
  for (const line of source.split('\n')) {
    lines.push(line);
    const expected = /^# → (\d{3})(?: (.*))?$/.exec(line);
    if (!expected) continue;
    const output = expected[2]?.trim();
    out.push({ source: lines.join('\n'), status: Number(expected[1]), ...(output && !output.includes('…') ? { output } : {}) });
    lines = [];
  }
  return { steps: out, rest: lines.join('\n') };
}

/** Runs the block in one bash, as a reader pastes it, and returns each step's printed output and answered statuses. */
function run(source: string): { steps: (Step & { stdout: string; statuses: number[] })[]; status: number | null; stderr: string } {
  expect(source, `the block talks to ${DOCUMENTED_SERVER}`).toContain(DOCUMENTED_SERVER);
  const parsed = steps(source.replaceAll(DOCUMENTED_SERVER, url));
  const marker = (i: number) => `echo @@step${i}; echo @@step${i} >&2`;
  const script = [
    'set -euo pipefail',
    // Every request reports its status on stderr, after whatever the block does with its output.
    `curl() { command curl -w '%{stderr}@@status %{http_code}\\n' "$@"; }`,
    ...parsed.steps.flatMap((step, i) => [marker(i), step.source]),
    marker(parsed.steps.length),
    parsed.rest,
  ].join('\n');
  const result = spawnSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  const section = (text: string, i: number) => text.split(`@@step${i}\n`)[1]?.split(`@@step${i + 1}\n`)[0] ?? '';
  return {
    status: result.status,
    stderr: result.stderr,
    steps: parsed.steps.map((step, i) => ({
      ...step,
      stdout: section(result.stdout, i),
      statuses: [...section(result.stderr, i).matchAll(/^@@status (\d{3})$/gm)].map((m) => Number(m[1])),
    })),
  };
}

function expectAsDocumented(file: string, heading: string, minimumSteps: number): void {
  const result = run(block(file, heading));
  expect(result.status, result.stderr).toBe(0);
  expect(result.steps.length).toBeGreaterThanOrEqual(minimumSteps);
  for (const step of result.steps) {
    const where = `${file} "${heading}", the step:\n${step.source}\nprinted:\n${step.stdout}`;
    expect(step.statuses.length, where).toBeGreaterThan(0);
    // A step that waits for the projector (an `until` loop) may be answered otherwise while it waits;
    // what it finally reads, and every request of any other step, answers as documented.
    const checked = /^until /m.test(step.source) ? step.statuses.slice(-1) : step.statuses;
    expect(checked, where).toEqual(checked.map(() => step.status));
    if (step.output) expect(step.stdout, where).toContain(step.output);
  }
}

describe('the documented walkthroughs, run in order as a reader would', () => {
  it("README's Try it", () => {
    expectAsDocumented('README.md', '## Try it', 5);
  });

  it("docs/api.md's worked session, after it", () => {
    expectAsDocumented('docs/api.md', '## A worked session', 15);
  });

  it("docs/operations.md's loading of a story fixture", () => {
    expectAsDocumented('docs/operations.md', '## Adding a story', 3);
  });

  it('each runs again as it is: a second run of the worked session answers the same', () => {
    expectAsDocumented('docs/api.md', '## A worked session', 15);
  });
});
