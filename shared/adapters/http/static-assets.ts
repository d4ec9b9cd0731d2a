/**
 * The pages' static assets: the stylesheet and the live script, and the editor's desk's script
 * and stylesheet, files beside this module (`assets/`). The pages' CSP allows no inline script or style, so both are files of their own,
 * served under content-hashed names (`/assets/live.<hash>.js`) that may be cached for a year: a
 * new version is a new name, which the pages rendered after a deploy link.
 *
 * Read once, at the first page or asset request. In a Lambda bundle the files sit in `assets/`
 * beside the bundle's entry (infra/constructs/newsroom-function.ts copies them there), which is
 * where `./assets/` resolves from the bundle too.
 */
import { readFileSync } from 'node:fs';
import type { DeskPageAssets } from '../../domain/pages/desk';
import { represent, strongEtag, type Representation } from '../../application/representation';

/** Hashed names never change their bytes. */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

const FILES = {
  stylesheet: { file: 'page.css', type: 'text/css; charset=utf-8' },
  liveScript: { file: 'live.js', type: 'text/javascript; charset=utf-8' },
  deskScript: { file: 'desk.js', type: 'text/javascript; charset=utf-8' },
  deskStylesheet: { file: 'desk.css', type: 'text/css; charset=utf-8' },
} as const satisfies Record<keyof DeskPageAssets, { file: string; type: string }>;

export interface StaticAssets {
  /** Where pages link each asset. */
  paths: DeskPageAssets;
  /** Each asset by its path. */
  byPath: Map<string, Representation>;
}

let loaded: StaticAssets | undefined;

export function staticAssets(): StaticAssets {
  if (loaded) return loaded;
  const byPath = new Map<string, Representation>();
  const paths = {} as Record<keyof DeskPageAssets, string>;
  for (const [name, { file, type }] of Object.entries(FILES) as [keyof DeskPageAssets, (typeof FILES)[keyof DeskPageAssets]][]) {
    const text = readFileSync(new URL(`./assets/${file}`, import.meta.url), 'utf8');
    const hash = strongEtag(text)
      .slice(1, 13)
      .replace(/[^A-Za-z0-9]/g, '0');
    const dot = file.lastIndexOf('.');
    const path = `/assets/${file.slice(0, dot)}.${hash}${file.slice(dot)}`;
    paths[name] = path;
    byPath.set(path, represent(text, type, undefined, IMMUTABLE_CACHE_CONTROL));
  }
  loaded = { paths, byPath };
  return loaded;
}
