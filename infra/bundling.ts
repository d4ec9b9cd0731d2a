/**
 * esbuild settings for every Lambda bundle, in one place: the CDK construct uses them, and so does
 * the cold-start benchmark, so the bundle measured is the bundle deployed.
 */
export const LAMBDA_BUNDLE = {
  format: 'esm',
  target: 'node22',
  minify: true,
  mainFields: ['module', 'main'],
  // Some bundled CommonJS dependencies call require(); an ESM bundle has none unless it is defined.
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
  // The Node.js runtime ships AWS SDK v3; everything else, Powertools included, is bundled.
  external: ['@aws-sdk/*'],
} as const;

/** The Lambda entry points, relative to the checkout root. */
export const LAMBDA_ENTRIES = {
  write: 'functions/api/write.ts',
  read: 'functions/api/read.ts',
  projector: 'functions/projector/handler.ts',
  replay: 'functions/replay/handler.ts',
  edge: 'functions/edge/handler.ts',
  release: 'functions/release/handler.ts',
} as const;

/**
 * Files a function reads at run time, copied into its bundle: from a folder of the checkout to a
 * folder beside the bundle's entry. The read function serves the pages' stylesheet and live script
 * (shared/adapters/http/static-assets.ts reads `./assets/` relative to the running module).
 */
export const LAMBDA_FILES: Partial<Record<keyof typeof LAMBDA_ENTRIES, { from: string; to: string }[]>> = {
  read: [{ from: 'shared/adapters/http/assets', to: 'assets' }],
};
