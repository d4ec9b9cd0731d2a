/**
 * Editor token hashes on AWS: an SSM SecureString parameter named by EDITOR_TOKENS_PARAMETER holds
 * `name:sha256hex,…`. It is read once per container and re-read every five minutes so a rotated
 * token takes effect without a deploy.
 */
import { tokensFromHashes, tokensFromPlain, type TokenTable } from '../../shared/adapters/http/auth';

let cached: { table: TokenTable; at: number } | undefined;
const TTL_MS = 5 * 60_000;

export async function loadEditorTokens(): Promise<TokenTable> {
  if (cached && Date.now() - cached.at < TTL_MS) return cached.table;
  const parameter = process.env.EDITOR_TOKENS_PARAMETER;
  let table: TokenTable;
  if (parameter) {
    const { SSMClient, GetParameterCommand } = await import('@aws-sdk/client-ssm');
    const out = await new SSMClient({}).send(new GetParameterCommand({ Name: parameter, WithDecryption: true }));
    table = tokensFromHashes(out.Parameter?.Value ?? '');
  } else {
    table = tokensFromPlain(process.env.NEWSROOM_EDITOR_TOKENS ?? '');
  }
  cached = { table, at: Date.now() };
  return table;
}
