/** `npm start`'s refusals: one clear line and exit code 1, before anything is started. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../functions/local/dynamodb-local';

const root = new URL('../../', import.meta.url).pathname;
const start = (env: Record<string, string>) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'functions/local/start.ts'], {
    cwd: root,
    env: { ...process.env, NEWSROOM_IN_MEMORY: '1', DYNAMODB_ENDPOINT: '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('npm start refuses clearly', () => {
  it('without Java: one line saying how to install it', async () => {
    // A PATH holding node and nothing else.
    const bin = mkdtempSync(join(tmpdir(), 'no-java-'));
    symlinkSync(process.execPath, join(bin, 'node'));
    const out = start({ PATH: bin, PORT: String(await freePort()) });
    expect(out.status).toBe(1);
    expect(out.stderr.trim().split('\n').at(-1)).toMatch(
      /needs Java 17 or newer: install it \(Debian\/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless\)/,
    );
  });

  it('when its port is taken: says so before starting anything', async () => {
    const port = await freePort();
    const holder = createServer().listen(port, '127.0.0.1');
    await new Promise((r) => holder.once('listening', r));
    try {
      const out = start({ PORT: String(port) });
      expect(out.status).toBe(1);
      expect(out.stderr).toMatch(new RegExp(`port ${port} on 127.0.0.1 is in use`));
    } finally {
      holder.close();
    }
  });
});
