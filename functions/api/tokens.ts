/**
 * Editor token hashes on AWS, named by EDITOR_TOKENS_PARAMETER: either one SSM SecureString
 * parameter holding `name:sha256hex,…` (a Standard parameter's 4 KB hold about 53 editors), or, when
 * the name ends with `/`, a path under which each editor has a parameter of their own
 * (`/newsroom/prod/editors/anna` holding `sha256hex`), read with GetParametersByPath: no size limit
 * to outgrow (docs/deploy.md). It is read once per container and re-read every five minutes so a
 * rotated token takes effect without a deploy (without the parameter, NEWSROOM_EDITOR_TOKENS holds
 * plain `name:token` pairs, as locally).
 *
 * SSM failing is not a reason to lock every editor out: a refresh that fails keeps the last table
 * that loaded (an error log and a metric say so, and SSM is asked again a little later), and an
 * entry that does not parse is left out with an error log, the others kept. Only when no table has
 * ever loaded are writes refused, with 503 (StoreUnavailableError), not 500.
 */
import type { SSMClient } from '@aws-sdk/client-ssm';
import { AWS_TIMEOUTS, sdkTimeouts } from '../../shared/adapters/dynamodb/client';
import { parseTokenHashes, tokensFromPlain, type TokenTable } from '../../shared/adapters/http/auth';
import { StoreUnavailableError } from '../../shared/application/errors';
import type { Log } from '../../shared/application/ports';

/** The write function's metric (Powertools, its namespace and service) for a refresh that failed. */
export const EDITOR_TOKENS_STALE_METRIC = 'EditorTokensRefreshFailed';

/** How often a good table is refreshed. */
export const REFRESH_MS = 5 * 60_000;
/** After a failed refresh, how long the last good table serves before SSM is asked again. */
export const RETRY_MS = 30_000;

export interface TokenSourceOptions {
  /** The parameter's value (SSM GetParameter, decrypted). */
  read: () => Promise<string>;
  log: Log;
  /** A refresh failed and the last good table stays in use (the write function counts it as a metric). */
  onStale?: () => void;
  now?: () => number;
}

/** Editor tokens from a parameter, as the API functions' edge asks for them (once per request). */
export function editorTokenSource(options: TokenSourceOptions): () => Promise<TokenTable> {
  const now = options.now ?? Date.now;
  let good: { table: TokenTable; loadedAt: number } | undefined;
  let nextReadAt = 0;
  let reading: Promise<TokenTable> | undefined;

  async function refresh(): Promise<TokenTable> {
    const started = now();
    let value: string;
    try {
      value = await options.read();
    } catch (error) {
      if (!good) {
        options.log.error('editor tokens: the parameter could not be read and no table was ever loaded; writes answer 503', {
          error: String(error),
        });
        throw new StoreUnavailableError('the editor token parameter', { cause: error });
      }
      options.log.error('editor tokens: the parameter could not be read; the last table that loaded stays in use', {
        error: String(error),
        loadedSecondsAgo: Math.round((started - good.loadedAt) / 1000),
      });
      options.onStale?.();
      nextReadAt = started + RETRY_MS;
      return good.table;
    }
    const { table, skipped } = parseTokenHashes(value);
    for (const reason of skipped) options.log.error('editor tokens: an entry of the parameter is left out', { reason });
    if (table.hashes.length === 0) options.log.warn('editor tokens: the parameter names no editor; every write is refused (401)');
    good = { table, loadedAt: started };
    nextReadAt = started + REFRESH_MS;
    return table;
  }

  return () => {
    if (good && now() < nextReadAt) return Promise.resolve(good.table);
    // Concurrent requests (the local server, a busy container) share one read.
    reading ??= refresh().finally(() => (reading = undefined));
    return reading;
  };
}

/** Whether EDITOR_TOKENS_PARAMETER names a path of one parameter per editor (it ends with `/`). */
export const isTokenPath = (name: string) => name.endsWith('/');

/**
 * Reads the token hashes with the SDK bounds every store call has (client.ts): one SecureString
 * parameter's value, or for a path (isTokenPath) every parameter directly under it, as
 * `name:value,…` where the name is the parameter's last segment (so a bad one is left out by name,
 * like a bad entry of the single parameter; its value is never logged).
 */
export function ssmParameter(name: string, client?: SSMClient): () => Promise<string> {
  let ssm = client;
  return async () => {
    const { SSMClient, GetParameterCommand, paginateGetParametersByPath } = await import('@aws-sdk/client-ssm');
    ssm ??= new SSMClient(sdkTimeouts(AWS_TIMEOUTS));
    if (!isTokenPath(name)) {
      const out = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      return out.Parameter?.Value ?? '';
    }
    const entries: string[] = [];
    const pages = paginateGetParametersByPath({ client: ssm }, { Path: name.slice(0, -1), Recursive: false, WithDecryption: true });
    for await (const page of pages) {
      for (const parameter of page.Parameters ?? []) {
        const editor = (parameter.Name ?? '').slice((parameter.Name ?? '').lastIndexOf('/') + 1);
        // A value with separators in it would read as more than one editor: keep it one (malformed) entry.
        entries.push(`${editor}:${(parameter.Value ?? '').replace(/[,\s]/g, '')}`);
      }
    }
    return entries.join(',');
  };
}

/** The API functions' editor tokens: the SSM parameter on AWS, else NEWSROOM_EDITOR_TOKENS. */
export function editorTokensFromEnv(log: Log, onStale?: () => void, env: NodeJS.ProcessEnv = process.env): () => Promise<TokenTable> {
  const parameter = env.EDITOR_TOKENS_PARAMETER;
  if (parameter) return editorTokenSource({ read: ssmParameter(parameter), log, ...(onStale ? { onStale } : {}) });
  let table: TokenTable | undefined;
  return async () => (table ??= tokensFromPlain(env.NEWSROOM_EDITOR_TOKENS ?? ''));
}
