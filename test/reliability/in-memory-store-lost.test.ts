/**
 * An in-memory newsroom whose DynamoDB Local dies cannot recover (its data went with it): it says
 * so and exits non-zero, for a supervisor to start it afresh, rather than answering errors forever.
 */
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { DYNAMODB_LOCAL_JAR, freePort } from '../../functions/local/dynamodb-local';
import { exited, killGroup, startNewsroomProcess } from '../support/newsroom-process';

let child: ChildProcess | undefined;
afterAll(() => killGroup(child));

/** The in-memory DynamoDB Local that `parent` started (it writes no endpoint.json). */
function childDynamoLocal(parent: number): number | undefined {
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const ppid = Number(/^\d+ \(.*\) \S (\d+)/.exec(readFileSync(`/proc/${name}/stat`, 'utf8'))?.[1]);
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (ppid === parent && args.some((a) => a.endsWith(DYNAMODB_LOCAL_JAR)) && args.includes('-inMemory')) return Number(name);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

describe('an in-memory store lost', () => {
  it('exits with status 1', async () => {
    const newsroom = await startNewsroomProcess({ port: await freePort(), dataDir: '/nonexistent', token: 't', env: { NEWSROOM_IN_MEMORY: '1' } });
    child = newsroom.proc;
    const java = childDynamoLocal(newsroom.proc.pid!);
    expect(java).toBeDefined();
    process.kill(java!, 'SIGKILL');
    expect(await exited(newsroom.proc)).toEqual({ code: 1, signal: null });
    expect(newsroom.output()).toContain('its data is gone');
  }, 60_000);
});
