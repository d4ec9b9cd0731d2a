/**
 * CloudFront against the route table (shared/adapters/http/routes.ts): every public GET route is
 * served by a distribution behaviour, over HTTPS, with the cache policy meant for it; every write
 * goes where docs/deploy.md says (the HTTP API URL, to the write function) and CloudFront refuses it.
 * Table-driven: a route added to the table fails here until its row says how it is served, and a
 * change of policy or of where writes go is a change of one row.
 */
import { CachePolicy } from 'aws-cdk-lib/aws-cloudfront';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { createNewsroomApp } from '../../infra/newsroom-app.js';
import { routes, type RouteId } from '../../shared/adapters/http/routes.js';
import { FEED_FORMATS } from '../../shared/domain/feeds/urls.js';
import { logicalId } from './template-helpers.js';

type Method = (typeof routes)[RouteId]['method'];
type RouteOf<M extends Method> = { [K in RouteId]: (typeof routes)[K]['method'] extends M ? K : never }[RouteId];

/**
 * The cache policy each public read is meant to be served with, by the id of its CachePolicy
 * construct in infra/constructs/cdn.ts (or the managed policy's name).
 */
const READ_POLICY: Record<RouteOf<'get'>, string> = {
  // An editor path too (the desk opens stories here): Authorization is in its cache key, so the
  // public list is one cached copy and an editor's answer another.
  listStories: 'EditorApiCachePolicy',
  // Each path keyed on the query parameters its route reads (CACHE_KEY_QUERY of infra/constructs/cdn.ts).
  getStory: 'ReadsCachePolicyVersionAsOfLimitCursor',
  listEvents: 'ReadsCachePolicyAfterLimit',
  storyFeed: 'ReadsCachePolicyNoQuery',
  keyEventsFeed: 'ReadsCachePolicyNoQuery',
  storyArchiveFeed: 'ReadsCachePolicyNoQuery',
  allFeed: 'ReadsCachePolicyNoQuery',
  frontPage: 'PublicReadsCachePolicy',
  storyPage: 'ReadsCachePolicyOrderCursorVersionFilter',
  updatePage: 'ReadsCachePolicyNoQuery',
  storyChanges: 'ReadsCachePolicySince',
  // Content-hashed, immutable: a year, one copy whatever the query string.
  asset: 'StaticAssetsCachePolicy',
  openApi: 'ReadsCachePolicyNoQuery',
  // Must reach the origin every time to mean anything.
  health: 'CachingDisabled',
  // The desk's pages are public shells (no-store from the origin); the editor's data comes with the token.
  deskHome: 'ReadsCachePolicyNoQuery',
  // Keyed on ?cursor, as the front page (the same policy).
  deskStory: 'PublicReadsCachePolicy',
  whoAmI: 'EditorApiCachePolicy',
  // An editor's read (token required): the editor behaviour, Authorization in its key.
  listScheduled: 'EditorApiCachePolicy',
};

/**
 * Where each write is sent (docs/deploy.md): to the HTTP API's write function, either at the API URL
 * (`ApiUrl`, curl and the CLI) or through CloudFront's editor behaviours (the desk), which pass it on
 * uncached by anyone else (Authorization in the cache key).
 */
const WRITE_GOES_TO: Record<RouteOf<'post'>, 'api and editor behaviour'> = {
  openStory: 'api and editor behaviour',
  recordUpdate: 'api and editor behaviour',
};

const { stack } = createNewsroomApp({ context: { stage: 'dev', 'aws:cdk:bundling-stacks': [] } });
const template = Template.fromStack(stack);
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;

interface Behaviour {
  PathPattern?: string;
  CachePolicyId: unknown;
  AllowedMethods: string[];
  ViewerProtocolPolicy: string;
}
const distribution = Object.values(resources).find((r) => r.Type === 'AWS::CloudFront::Distribution')!.Properties.DistributionConfig as {
  DefaultCacheBehavior: Behaviour;
  CacheBehaviors?: Behaviour[];
};

/** The policy's name as READ_POLICY gives it. */
const policyNames = new Map<string, string>();
for (const c of stack.node.findAll()) if (c instanceof CachePolicy) policyNames.set(logicalId(stack, c), c.node.id);
for (const [name, managed] of Object.entries({ CachingDisabled: CachePolicy.CACHING_DISABLED, CachingOptimized: CachePolicy.CACHING_OPTIMIZED })) {
  policyNames.set(managed.cachePolicyId, name);
}
const policyOf = (b: Behaviour) => {
  const id = typeof b.CachePolicyId === 'string' ? b.CachePolicyId : (b.CachePolicyId as { Ref: string }).Ref;
  return policyNames.get(id) ?? `unknown policy ${JSON.stringify(b.CachePolicyId)}`;
};

/** CloudFront's path patterns: `*` any run of characters (`/` too), `?` one; case-sensitive. */
const matches = (pattern: string, path: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  ).test(path);

/** The behaviour CloudFront picks for a path: the first cache behaviour whose pattern matches, else the default. */
const behaviourFor = (path: string) =>
  (distribution.CacheBehaviors ?? []).find((b) => matches(b.PathPattern!, path)) ?? distribution.DefaultCacheBehavior;

/** Concrete paths of a route of the table: one per feed format, its parameters filled in. */
function samplePaths(path: string): string[] {
  const filled = path
    .replace('{id}', 'bakiyev-flees')
    .replace('{updateId}', '01ARZ3NDEKTSV4RRFFQ69G5FAV')
    .replace('{range}', '1-50')
    .replace('{asset}', 'page.0123abcd.css');
  return filled.includes('{format}') ? FEED_FORMATS.map((f) => filled.replace('{format}', f)) : [filled];
}

describe('CloudFront serves every public read of the route table', () => {
  const gets = Object.entries(routes).filter(([, r]) => r.method === 'get') as [RouteOf<'get'>, (typeof routes)[RouteOf<'get'>]][];

  it('each GET route has its row here', () => {
    expect(gets.map(([id]) => id).sort()).toEqual(Object.keys(READ_POLICY).sort());
  });

  it.each(gets.flatMap(([id, route]) => samplePaths(route.path).map((path) => [id, path] as const)))(
    '%s (%s) with its cache policy, GET and HEAD, HTTPS',
    (id, path) => {
      const behaviour = behaviourFor(path);
      expect(policyOf(behaviour), path).toBe(READ_POLICY[id]);
      expect(behaviour.AllowedMethods).toEqual(expect.arrayContaining(['GET', 'HEAD']));
      expect(behaviour.ViewerProtocolPolicy).toBe('redirect-to-https');
    },
  );
});

describe('writes go where docs/deploy.md says', () => {
  const posts = Object.entries(routes).filter(([, r]) => r.method === 'post') as [RouteOf<'post'>, (typeof routes)[RouteOf<'post'>]][];
  const apiRoutes = Object.values(resources)
    .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
    .map((r) => {
      const join = (r.Properties.Target as { 'Fn::Join': [string, { Ref: string }[]] })['Fn::Join'][1];
      const integration = resources[join[1]!.Ref]!.Properties;
      return { routeKey: String(r.Properties.RouteKey), fn: (integration.IntegrationUri as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0] };
    });

  it('each POST route has its row here', () => {
    expect(posts.map(([id]) => id).sort()).toEqual(Object.keys(WRITE_GOES_TO).sort());
  });

  it.each(posts)('%s: a POST route of the HTTP API to the write function, and CloudFront takes it only on an editor behaviour', (id, route) => {
    expect(WRITE_GOES_TO[id]).toBe('api and editor behaviour');
    expect(apiRoutes).toContainEqual({ routeKey: `POST ${route.path}`, fn: logicalId(stack, stack.httpApi.writeApi.function) });
    for (const path of samplePaths(route.path)) {
      const behaviour = behaviourFor(path);
      expect(behaviour.AllowedMethods, path).toContain('POST');
      expect(policyOf(behaviour), path).toBe('EditorApiCachePolicy');
    }
  });

  it('no other behaviour takes a POST', () => {
    const others = [distribution.DefaultCacheBehavior, ...(distribution.CacheBehaviors ?? [])].filter((b) => policyOf(b) !== 'EditorApiCachePolicy');
    for (const b of others) expect(b.AllowedMethods, b.PathPattern ?? 'default').not.toContain('POST');
  });

  it('the stack outputs the API URL editors POST to', () => {
    template.hasOutput('ApiUrl', { Description: 'HTTP API URL: editors POST here' });
  });
});
