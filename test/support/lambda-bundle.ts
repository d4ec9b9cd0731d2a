/**
 * A Lambda function's bundle as CDK builds it (infra/bundling.ts: the deployed esbuild settings,
 * and the files the function reads at run time copied beside it), inside the checkout so that
 * `@aws-sdk/*` resolves from node_modules as the Lambda runtime resolves it from its own copy.
 */
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';
import { LAMBDA_BUNDLE, LAMBDA_ENTRIES, LAMBDA_FILES } from '../../infra/bundling';

const root = new URL('../../', import.meta.url);

/** Builds the bundle of function `name` into `dir` (emptied first); returns the path of its entry module. */
export async function buildLambdaBundle(name: keyof typeof LAMBDA_ENTRIES, dir: URL): Promise<string> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const file = new URL('index.mjs', dir).pathname;
  await build({
    entryPoints: [new URL(LAMBDA_ENTRIES[name], root).pathname],
    bundle: true,
    platform: 'node',
    outfile: file,
    logLevel: 'warning',
    format: LAMBDA_BUNDLE.format,
    target: LAMBDA_BUNDLE.target,
    minify: LAMBDA_BUNDLE.minify,
    mainFields: [...LAMBDA_BUNDLE.mainFields],
    banner: { js: LAMBDA_BUNDLE.banner },
    external: [...LAMBDA_BUNDLE.external],
  });
  for (const { from, to } of LAMBDA_FILES[name] ?? []) cpSync(new URL(from, root), new URL(to, dir), { recursive: true });
  return file;
}
