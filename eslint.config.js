// Lint: a modest general rule set, plus the rules that keep the layers apart:
// domain ← application ← adapters ← entry points (functions/, bin/), infra/ beside them, no cycles.
// test/tooling/layers.test.ts proves each layer rule still fires.
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const root = import.meta.dirname;

// A zone forbids files under `target` to import files under `from` (except the listed sub-paths of `from`).
const zone = (target, from, message, except = []) => ({ target, from, except, message });

const layerZones = [
  zone('shared/domain', 'shared', 'The domain is pure: it imports only the domain.', ['domain']),
  zone('shared/application', 'shared', 'The application imports only the domain and the application (ports live here).', ['domain', 'application']),
  // Adapters meet only in the entry points' wiring (functions/runtime.ts, writer.ts, reader.ts, replay/context.ts): HTTP never reaches DynamoDB itself.
  zone('shared/adapters/http', 'shared/adapters', 'The HTTP adapter talks to the application, not to other adapters.', ['http']),
  zone('shared/adapters/dynamodb', 'shared/adapters', 'The DynamoDB adapter does not import other adapters.', ['dynamodb']),
  ...['functions', 'bin', 'infra'].map((from) => zone('shared', from, `Nothing in shared/ imports the entry points or the stack (${from}/).`)),
  zone('infra', 'functions', 'The stack names Lambda entry files by path (infra/bundling.ts); it does not import them.'),
  zone('infra', 'bin', 'The stack does not import the CLI.'),
  zone('infra', 'shared', 'The stack takes only the table and index declarations from shared/.', ['adapters/dynamodb/tables.ts']),
];

// Packages that make code impure or tie it to a runtime; the pure layers do without them.
const runtimePackages = [
  '@aws-sdk/*',
  'aws-lambda',
  'hono',
  'hono/*',
  '@hono/*',
  '@aws-lambda-powertools/*',
  ...['fs', 'child_process', 'net'].flatMap((m) => [m, `${m}/*`, `node:${m}`, `node:${m}/*`]),
];
// zod's classic API cannot be tree-shaken (each schema carries every method, so every check and
// schema type comes along): some 50 KB of each Lambda bundle that imports it. shared/ builds its
// schemas with zod's mini API, and its English messages with them (shared/domain/validation-messages.ts).
const zodClassic = ['zod', 'zod/v4', 'zod/v4/classic'].map((name) => ({
  name,
  message: "Build schemas with 'zod/mini' (types from 'zod/v4/core'): the classic API adds some 50 KB to every Lambda bundle that imports it.",
}));
const noRuntimePackages = (layer) => ({
  files: [`shared/${layer}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: zodClassic,
        patterns: [
          {
            group: runtimePackages,
            message: `The ${layer} layer does not touch AWS, HTTP, Lambda or the file system: declare a port and let an adapter implement it.`,
          },
        ],
      },
    ],
  },
});

export default defineConfig(
  { ignores: ['node_modules/', 'cdk.out/', '.newsroom/', 'coverage/', 'dist/', '.tmp/'] },
  js.configs.recommended,
  // Not the type-checked configs: they would build a TypeScript program of the whole tree on every run.
  tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    plugins: { 'import-x': importX },
    settings: {
      // Without these the cycle rule reads only .js files and never sees a TypeScript import graph.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: `${root}/tsconfig.json` })],
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { basePath: root, zones: layerZones }],
    },
  },
  noRuntimePackages('domain'),
  noRuntimePackages('application'),
  { files: ['shared/adapters/**/*.ts'], rules: { 'no-restricted-imports': ['error', { paths: zodClassic }] } },
  {
    // The pages' static scripts run in the reader's browser, as they are (no build step): a classic script, ES2022.
    files: ['shared/adapters/http/assets/**/*.js'],
    languageOptions: { sourceType: 'script', ecmaVersion: 2022, globals: globals.browser },
  },
);
