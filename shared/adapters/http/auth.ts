/**
 * Editor authentication: `Authorization: Bearer <token>`. Tokens are held only as SHA-256 hashes
 * and compared in constant time; the token itself is never stored or logged.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export interface Editor {
  name: string;
}

export interface TokenTable {
  /** name → SHA-256 of the token */
  hashes: ReadonlyArray<{ name: string; hash: Buffer }>;
}

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Parses `name:token,name2:token2` (plain tokens, hashed here and then forgotten). */
export function tokensFromPlain(spec: string): TokenTable {
  return { hashes: parsePairs(spec).map(([name, token]) => ({ name, hash: sha256(token) })) };
}

/**
 * Parses `name:sha256hex,…` (what AWS keeps in SSM) entry by entry: a malformed entry is left out,
 * and said why (by its position and name, never its hash), so that one typo in the parameter does
 * not lock every other editor out. An empty spec is an empty table: no token is accepted.
 */
export function parseTokenHashes(spec: string): { table: TokenTable; skipped: string[] } {
  const hashes: TokenTable['hashes'][number][] = [];
  const skipped: string[] = [];
  entries(spec).forEach((entry, n) => {
    try {
      const [name, hex] = parsePair(entry, n);
      if (!/^[0-9a-f]{64}$/i.test(hex)) throw new Error(`editor ${name}: token hash must be 64 hex digits`);
      hashes.push({ name, hash: Buffer.from(hex, 'hex') });
    } catch (error) {
      skipped.push((error as Error).message);
    }
  });
  return { table: { hashes }, skipped };
}

/**
 * Editor names are recorded on every event (`recordedBy`) and are part of keys: the idempotency
 * key is `editor#story#key`, the rate limiter's bucket is the name. So a name is a short token of
 * letters, digits, `.`, `_` and `-`: no `#`, no `:` or `,` (the table's own separators), no space.
 */
export const EDITOR_NAME = /^[A-Za-z0-9._-]{1,64}$/;

const entries = (spec: string) =>
  spec
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean);

/** `name:secret` pairs; an entry is named by its position and name in errors, never by its secret. */
function parsePairs(spec: string): [string, string][] {
  return entries(spec).map(parsePair);
}

function parsePair(pair: string, n: number): [string, string] {
  const at = pair.indexOf(':');
  if (at <= 0 || at === pair.length - 1) throw new Error(`editor tokens must look like name:token,name2:token2 (entry ${n + 1} does not)`);
  const name = pair.slice(0, at).trim();
  if (!EDITOR_NAME.test(name)) {
    throw new Error(`editor tokens: entry ${n + 1} has the name ${JSON.stringify(name)}; names must match ${String(EDITOR_NAME)}`);
  }
  return [name, pair.slice(at + 1).trim()];
}

export type AuthResult = { ok: true; editor: Editor } | { ok: false; reason: 'missing' | 'malformed' | 'invalid' };

export function authenticate(header: string | undefined, tokens: TokenTable): AuthResult {
  if (!header) return { ok: false, reason: 'missing' };
  // RFC 6750 b64token; the scheme name is case-insensitive (RFC 9110 §11.1).
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(header.trim());
  if (!match) return { ok: false, reason: 'malformed' };
  const presented = sha256(match[1]!);
  let found: Editor | undefined;
  // Compare against every hash so the time taken does not say which editor (if any) matched.
  for (const entry of tokens.hashes) {
    if (timingSafeEqual(presented, entry.hash) && !found) found = { name: entry.name };
  }
  return found ? { ok: true, editor: found } : { ok: false, reason: 'invalid' };
}
