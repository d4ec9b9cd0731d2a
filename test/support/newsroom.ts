/** `npm start`'s entry point as a real process, for the tests that need a whole local newsroom. */
import { spawn, type ChildProcess } from 'node:child_process';

const root = new URL('../../', import.meta.url).pathname;

/**
 * Starts functions/local/start.ts from the checkout in its own process group (so killing the group
 * stops its DynamoDB Local too) with `env` over the test's environment, and resolves with the URL
 * of its ready line.
 */
export async function startNewsroom(env: NodeJS.ProcessEnv, readyWithinMs = 60_000): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'functions/local/start.ts'], {
    cwd: root,
    detached: true,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line in ${readyWithinMs / 1000} s:\n${output}`)), readyWithinMs);
    proc.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      const match = /Newsroom ready at (\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    proc.once('exit', (code) => reject(new Error(`exited ${code}:\n${output}`)));
  });
  return { url, proc };
}

/** Resolves once the process has exited, even if it already has. */
export const exited = (proc: ChildProcess) =>
  new Promise<void>((resolve) => (proc.exitCode !== null || proc.signalCode !== null ? resolve() : proc.once('exit', () => resolve())));
