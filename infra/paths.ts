import { fileURLToPath } from 'node:url';

/** The checkout root, resolved from this file so synth works from any working directory. */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** Absolute path of a file given relative to the checkout root. */
export function fromRoot(relative: string): string {
  return fileURLToPath(new URL(relative, new URL('..', import.meta.url)));
}
