import type { App } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/**
 * Deployment configuration, read from CDK context (`-c key=value` or cdk.json) or passed as props.
 * Nothing here names an AWS resource the stack creates: CloudFormation generates those names, so
 * several stages can live in one account.
 */
export interface NewsroomConfig {
  /** Stage label (`dev`, `prod`, …): part of the stack name, tags, metric namespace. */
  readonly stage: string;
  /** Custom domain served by CloudFront (needs `certificateArn`). */
  readonly domainName?: string;
  /** ACM certificate for `domainName`; CloudFront only accepts certificates from us-east-1. */
  readonly certificateArn?: string;
  /** Route 53 hosted zone to create alias records in; given explicitly, never looked up. */
  readonly hostedZoneId?: string;
  readonly hostedZoneName?: string;
  /** Public URL used in feed links. Defaults to https://domainName, else the CloudFront domain. */
  readonly publicBaseUrl?: string;
  /** WebSub hub announced in feeds (optional). */
  readonly hubUrl?: string;
  /**
   * With a hub, how a change is fresh at the edge before the hub is pinged: `wait` (default) pings
   * once the edge's copies are past their TTL (free, pushes about 100 s after the change);
   * `invalidate` invalidates the changed feeds first (pushes within seconds, $0.005 a path).
   * Retractions are invalidated at once either way. docs/scale.md §7.
   */
  readonly edgeFreshness: 'wait' | 'invalidate';
  /** SSM SecureString parameter holding `name:sha256hex,…` editor token hashes. */
  readonly editorTokensParameter: string;
  /** Customer-managed KMS key of that parameter, if any (the AWS-managed aws/ssm key needs no grant). */
  readonly editorTokensKmsKeyArn?: string;
  /** E-mail address subscribed to the alarm topic (optional). */
  readonly alarmEmail?: string;
  /** CloudFront Origin Shield region (optional; see docs/scale.md). */
  readonly originShieldRegion?: string;
  /**
   * Stories a full replay rebuilds at once: the maximum concurrency of the replay queue's event
   * source mapping (2–1000, default 5; see docs/deploy.md §8).
   */
  readonly replayConcurrency: number;
  /** Each story's write budget in a replay, in write units per second (default 400). */
  readonly replayWriteUnitsPerSecond: number;
  /** Steady-state request rate limit of the HTTP API's reads: every route but the writes (burst is twice this). */
  readonly apiRateLimit: number;
  /** Steady-state request rate limit of each write route (POST), apart from the reads' (burst is twice this). */
  readonly apiWriteRateLimit: number;
  /** Powertools log level. */
  readonly logLevel: string;
  readonly logRetention: RetentionDays;
}

const CONTEXT_KEYS = [
  'stage',
  'domainName',
  'certificateArn',
  'hostedZoneId',
  'hostedZoneName',
  'publicBaseUrl',
  'hubUrl',
  'edgeFreshness',
  'editorTokensParameter',
  'editorTokensKmsKeyArn',
  'alarmEmail',
  'originShieldRegion',
  'replayConcurrency',
  'replayWriteUnitsPerSecond',
  'apiRateLimit',
  'apiWriteRateLimit',
  'logLevel',
] as const;

/**
 * A full replay's defaults: 5 stories at once (on a new account whose concurrency quota is 10,
 * that leaves half to the live path; set 2 there), each writing at most 400 WRU/s: 2,000 WRU/s in
 * all, half of what a new on-demand table serves at once, and far from a partition's 1,000.
 */
export const DEFAULT_REPLAY_CONCURRENCY = 5;
export const DEFAULT_REPLAY_WRITE_UNITS = 400;

type RawConfig = Partial<Record<(typeof CONTEXT_KEYS)[number], string>>;

function optional(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(value).trim();
  return text === '' ? undefined : text;
}

/** Reads and validates the configuration; throws with a clear message on a bad combination. */
export function resolveConfig(raw: RawConfig): NewsroomConfig {
  const stage = optional(raw.stage) ?? 'dev';
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(stage)) {
    throw new Error(`stage must match ^[a-z][a-z0-9-]{0,19}$, got "${stage}"`);
  }
  const domainName = optional(raw.domainName);
  const certificateArn = optional(raw.certificateArn);
  if (domainName && !certificateArn) {
    throw new Error('domainName needs certificateArn (an ACM certificate in us-east-1 covering it)');
  }
  if (certificateArn && !domainName) {
    throw new Error('certificateArn is only used together with domainName');
  }
  const hostedZoneId = optional(raw.hostedZoneId);
  const hostedZoneName = optional(raw.hostedZoneName);
  if ((hostedZoneId || hostedZoneName) && !(hostedZoneId && hostedZoneName && domainName)) {
    throw new Error('hostedZoneId and hostedZoneName go together, and need domainName');
  }
  for (const key of ['publicBaseUrl', 'hubUrl'] as const) {
    const url = optional(raw[key]);
    if (url && !/^https?:\/\/[^\s/]+/.test(url)) throw new Error(`${key} must be an absolute http(s) URL`);
  }
  const parameter = optional(raw.editorTokensParameter) ?? `/newsroom/${stage}/editor-tokens`;
  if (!/^\/?[a-zA-Z0-9_.\-/]+$/.test(parameter) || parameter.startsWith('arn:')) {
    throw new Error('editorTokensParameter must be an SSM parameter name such as /newsroom/prod/editor-tokens');
  }
  // SQS event source mappings accept a maximum concurrency of 2 to 1,000.
  const replayConcurrency = Number(optional(raw.replayConcurrency) ?? DEFAULT_REPLAY_CONCURRENCY);
  if (!(Number.isInteger(replayConcurrency) && replayConcurrency >= 2 && replayConcurrency <= 1000)) {
    throw new Error('replayConcurrency must be an integer from 2 to 1000 (the replay queue mapping’s maximum concurrency)');
  }
  const replayWriteUnitsPerSecond = Number(optional(raw.replayWriteUnitsPerSecond) ?? DEFAULT_REPLAY_WRITE_UNITS);
  if (!(Number.isInteger(replayWriteUnitsPerSecond) && replayWriteUnitsPerSecond >= 25)) {
    throw new Error('replayWriteUnitsPerSecond must be an integer of at least 25 (one BatchWriteItem call of small items)');
  }
  const rate = Number(optional(raw.apiRateLimit) ?? 1000);
  if (!(Number.isInteger(rate) && rate > 0)) throw new Error('apiRateLimit must be a positive integer');
  // Editors and a wire feed write some 5-20 updates/s at a burst (docs/scale.md §4): 50/s leaves
  // room, and keeps a runaway client from writing at the reads' rate.
  const writeRate = Number(optional(raw.apiWriteRateLimit) ?? 50);
  if (!(Number.isInteger(writeRate) && writeRate > 0)) throw new Error('apiWriteRateLimit must be a positive integer');
  const edgeFreshness = optional(raw.edgeFreshness) ?? 'wait';
  if (edgeFreshness !== 'wait' && edgeFreshness !== 'invalidate') throw new Error('edgeFreshness must be wait or invalidate');
  const logLevel = (optional(raw.logLevel) ?? 'INFO').toUpperCase();
  if (!['DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'].includes(logLevel)) {
    throw new Error(`logLevel must be a Powertools level, got "${logLevel}"`);
  }
  const prod = stage === 'prod';
  return {
    stage,
    domainName,
    certificateArn,
    hostedZoneId,
    hostedZoneName,
    publicBaseUrl: optional(raw.publicBaseUrl)?.replace(/\/+$/, ''),
    hubUrl: optional(raw.hubUrl),
    edgeFreshness,
    editorTokensParameter: parameter,
    editorTokensKmsKeyArn: optional(raw.editorTokensKmsKeyArn),
    alarmEmail: optional(raw.alarmEmail),
    originShieldRegion: optional(raw.originShieldRegion),
    replayConcurrency,
    replayWriteUnitsPerSecond,
    apiRateLimit: rate,
    apiWriteRateLimit: writeRate,
    logLevel,
    logRetention: prod ? RetentionDays.THREE_MONTHS : RetentionDays.TWO_WEEKS,
  };
}

/** Configuration from the app's context (cdk.json plus `-c` flags). */
export function configFromContext(app: App): NewsroomConfig {
  const raw: RawConfig = {};
  for (const key of CONTEXT_KEYS) {
    const value = optional(app.node.tryGetContext(key));
    if (value !== undefined) raw[key] = value;
  }
  return resolveConfig(raw);
}
