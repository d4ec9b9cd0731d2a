/**
 * The newsroom's Node process SIGKILLed alone: its DynamoDB Local outlives it (orphaned, holding
 * its port and the data directory's databases). The next start on the data directory finds its
 * pid in endpoint.json, checks that it is that DynamoDB Local, stops it and serves the same data;
 * once that one stops, no DynamoDB Local is left on the data directory.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../functions/local/dynamodb-local';
import { allEvents, dynamoLocalsOn, endpointInfo, exited, killGroup, startNewsroomProcess, postStatement } from '../support/newsroom-process';

const STORY = 'kyrgyzstan-bakiyev-ouster-2010';
const TOKEN = 'reliability-token';
const dataDir = mkdtempSync(join(tmpdir(), 'newsroom-node-killed-'));
const children: ChildProcess[] = [];
let orphan: number | undefined;

afterAll(() => {
  children.forEach(killGroup);
  for (const pid of dynamoLocalsOn(dataDir)) process.kill(pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the Node process killed alone', () => {
  it('leaves an orphaned DynamoDB Local that the next start takes over', async () => {
    const port = await freePort();
    const first = await startNewsroomProcess({ port, dataDir, token: TOKEN });
    children.push(first.proc);
    const posted = await postStatement(first.url, STORY, TOKEN, 'Roza Otunbayeva', 'before the crash');
    expect(posted.status).toBe(201);
    const { updateId } = (await posted.json()) as { updateId: string };
    orphan = endpointInfo(dataDir).storePid;
    process.kill(first.proc.pid!, 'SIGKILL');
    await exited(first.proc);
    // The scenario: Node is gone, its DynamoDB Local is not.
    expect(dynamoLocalsOn(dataDir)).toEqual([orphan]);

    const second = await startNewsroomProcess({ port, dataDir, token: TOKEN });
    children.push(second.proc);
    expect(second.output()).toContain(`Stopped DynamoDB Local (pid ${orphan}) left running`);
    const serving = endpointInfo(dataDir).storePid;
    expect(serving).not.toBe(orphan);
    expect(dynamoLocalsOn(dataDir)).toEqual([serving]);
    expect((await allEvents(second.url, STORY)).map((e) => e.metadata.updateId)).toContain(updateId);

    process.kill(second.proc.pid!, 'SIGTERM');
    expect(await exited(second.proc)).toEqual({ code: 0, signal: null });
    expect(dynamoLocalsOn(dataDir)).toEqual([]);
  }, 90_000);
});
