// The layer and cycle rules in eslint.config.js must keep firing: a rule that silently stops matching
// (a moved folder, a renamed option, a resolver that no longer finds files) would let the layers drift.
// Each case lints a virtual file in a real folder through ESLint's Node API, as `npm run lint` does.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const LAYER_RULES = ['import-x/no-restricted-paths', 'no-restricted-imports', 'import-x/no-cycle'];

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

/** The layer-rule messages for `code` linted as if it were the file at `filePath` (relative to the repo). */
async function layerFindings(filePath: string, code: string): Promise<{ ruleId: string | null; message: string }[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
  return result!.messages.filter((m) => m.ruleId === null || LAYER_RULES.includes(m.ruleId)).map(({ ruleId, message }) => ({ ruleId, message }));
}

/** An import of a real file (path zones only fire for imports that resolve), checked to exist so a move fails loudly here. */
function importOf(fromFile: string, target: string): string {
  expect(existsSync(join(root, `${target}.ts`)), `${target}.ts exists`).toBe(true);
  const specifier = relative(dirname(fromFile), target);
  return `import '${specifier.startsWith('.') ? specifier : `./${specifier}`}';\n`;
}

describe('layer boundaries (import-x/no-restricted-paths)', () => {
  const refused: [file: string, target: string][] = [
    ['shared/domain/x.ts', 'shared/adapters/http/problem'],
    ['shared/domain/x.ts', 'shared/application/story-writer'],
    ['shared/domain/story/x.ts', 'shared/adapters/dynamodb/tables'],
    ['shared/application/x.ts', 'shared/adapters/dynamodb/event-store'],
    ['shared/application/x.ts', 'shared/adapters/http/problem'],
    ['shared/application/x.ts', 'functions/runtime'],
    ['shared/adapters/http/x.ts', 'functions/runtime'],
    ['shared/adapters/http/x.ts', 'shared/adapters/dynamodb/event-store'],
    ['shared/adapters/dynamodb/x.ts', 'shared/adapters/http/problem'],
    ['shared/adapters/x.ts', 'bin/newsroom'],
    ['shared/domain/x.ts', 'infra/config'],
    ['infra/x.ts', 'functions/runtime'],
    ['infra/x.ts', 'bin/newsroom'],
    ['infra/x.ts', 'shared/adapters/dynamodb/event-store'],
    ['infra/constructs/x.ts', 'shared/domain/errors'],
  ];
  it.each(refused)('%s may not import %s', async (file, target) => {
    const findings = await layerFindings(file, importOf(file, target));
    expect(findings).toEqual([expect.objectContaining({ ruleId: 'import-x/no-restricted-paths' })]);
  });

  it('a type-only import counts too', async () => {
    const code = importOf('shared/domain/x.ts', 'shared/adapters/dynamodb/views/reads').replace("import '", "import type {} from '");
    expect(await layerFindings('shared/domain/x.ts', code)).toEqual([expect.objectContaining({ ruleId: 'import-x/no-restricted-paths' })]);
  });

  const allowed: [file: string, target: string][] = [
    ['shared/domain/x.ts', 'shared/domain/errors'],
    ['shared/application/x.ts', 'shared/domain/errors'],
    ['shared/application/x.ts', 'shared/application/story-writer'],
    ['shared/adapters/http/x.ts', 'shared/application/story-writer'],
    ['shared/adapters/http/x.ts', 'shared/adapters/http/problem'],
    ['shared/adapters/http/x.ts', 'shared/domain/errors'],
    ['functions/x.ts', 'shared/adapters/http/problem'],
    ['infra/x.ts', 'shared/adapters/dynamodb/tables'],
  ];
  it.each(allowed)('%s may import %s', async (file, target) => {
    expect(await layerFindings(file, importOf(file, target))).toEqual([]);
  });
});

describe('runtime packages stay out of the pure layers (no-restricted-imports)', () => {
  const packages = [
    '@aws-sdk/lib-dynamodb',
    '@aws-sdk/client-dynamodb',
    'aws-lambda',
    'hono',
    'hono/utils/http-status',
    '@hono/node-server',
    '@aws-lambda-powertools/logger',
    'node:fs',
    'node:fs/promises',
    'fs',
    'node:child_process',
    'node:net',
  ];
  const cases = ['domain', 'application'].flatMap((layer) => packages.map((pkg) => [`shared/${layer}/x.ts`, pkg] as const));
  it.each(cases)('%s may not import %s', async (file, pkg) => {
    const findings = await layerFindings(file, `import type {} from '${pkg}';\nimport '${pkg}';\n`);
    expect(findings).toEqual([
      expect.objectContaining({ ruleId: 'no-restricted-imports' }),
      expect.objectContaining({ ruleId: 'no-restricted-imports' }),
    ]);
  });

  it('the adapters and the entry points may', async () => {
    for (const file of ['shared/adapters/dynamodb/x.ts', 'functions/x.ts']) {
      expect(await layerFindings(file, `import '@aws-sdk/lib-dynamodb';\nimport 'hono';\nimport 'node:fs';\n`)).toEqual([]);
    }
  });

  it('the pure layers may use zod (its mini API), xmldom and node:crypto', async () => {
    const code = `import 'zod/mini';\nimport type {} from 'zod/v4/core';\nimport '@xmldom/xmldom';\nimport 'node:crypto';\n`;
    expect(await layerFindings('shared/domain/x.ts', code)).toEqual([]);
    expect(await layerFindings('shared/application/x.ts', code)).toEqual([]);
  });
});

describe("zod's classic API stays out of shared/ (no-restricted-imports): it would weigh on every bundle", () => {
  const files = ['shared/domain/story/x.ts', 'shared/application/x.ts', 'shared/adapters/http/x.ts', 'shared/adapters/dynamodb/x.ts'];
  const cases = files.flatMap((file) => ['zod', 'zod/v4', 'zod/v4/classic'].map((pkg) => [file, pkg] as const));
  it.each(cases)('%s may not import %s', async (file, pkg) => {
    expect(await layerFindings(file, `import * as z from '${pkg}';\nexport const s = z.string();\n`)).toEqual([
      expect.objectContaining({ ruleId: 'no-restricted-imports', message: expect.stringContaining("'zod/mini'") }),
    ]);
  });

  it('outside shared/ the rule does not apply (the local scripts use the classic API)', async () => {
    expect(await layerFindings('functions/local/x.ts', `import * as z from 'zod';\nexport const s = z.string();\n`)).toEqual([]);
  });
});

describe('import cycles (import-x/no-cycle)', () => {
  it('a module that imports itself back through another is refused', async () => {
    // The cycle rule follows imports on disk, so both modules are real files for the time of the test.
    const dir = mkdtempSync(join(root, 'test/tooling/cycle-'));
    try {
      const a = `import { b } from './b';\nexport const a = (): number => b() + 1;\n`;
      writeFileSync(join(dir, 'a.ts'), a);
      writeFileSync(join(dir, 'b.ts'), `import { a } from './a';\nexport const b = (): number => a() - 1;\n`);
      const [result] = await eslint.lintText(a, { filePath: join(dir, 'a.ts') });
      expect(result!.messages).toEqual([expect.objectContaining({ ruleId: 'import-x/no-cycle' })]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
