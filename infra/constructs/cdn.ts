import { Aws, Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53Targets from 'aws-cdk-lib/aws-route53-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { NewsroomConfig } from '../config.js';
import { keepLogicalId } from './logical-id.js';

/** A live feed's max-age (LIVE_MAX_AGE_SECONDS of shared/application/representation.ts; the stack test holds them equal). */
const LIVE_MAX_AGE_SECONDS = 30;
/** The pages' Content-Security-Policy (PAGE_CSP of shared/adapters/http/page-security.ts; the stack test holds them equal). */
const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * The paths the editor's desk writes to or reads with its token (shared/adapters/http/routes.ts:
 * openStory and the public story list share /api/stories; recordUpdate; whoAmI; the scheduled list).
 * The stack test holds them to the route table's editor routes.
 */
export const EDITOR_PATHS = ['/api/stories', '/api/stories/*/updates', '/api/stories/*/scheduled', '/api/editor'] as const;

/**
 * The query parameters each public read takes (the `query` schemas of shared/adapters/http/routes.ts;
 * the stack test holds them equal), by the path pattern that serves it, in CloudFront's order of
 * precedence (first match wins; `*` also matches `/`). Only these are in the cache key and
 * forwarded; anything else is dropped at the edge (and refused by the origin, if sent around it),
 * so `?x=<random>` is a cache hit, not an origin request. Every path not listed takes none.
 */
export const CACHE_KEY_QUERY: readonly { pathPattern: string; query: readonly string[] }[] = [
  { pathPattern: '/api/stories/*/events', query: ['after', 'limit'] },
  { pathPattern: '/api/stories/*/changes', query: ['since'] },
  { pathPattern: '/api/stories/*', query: ['version', 'asOf', 'limit', 'cursor'] },
  // A story's feeds (and their archive pages), key-events feeds and permalinks take none; they
  // come before the story page's pattern, which they also match.
  { pathPattern: '/stories/*/feed.*', query: [] },
  { pathPattern: '/stories/*/key-events.*', query: [] },
  { pathPattern: '/stories/*/updates/*', query: [] },
  { pathPattern: '/stories/*', query: ['order', 'cursor', 'version', 'filter'] },
  // The desk's story page pages its timeline (its answers are no-store: keyed, never kept).
  { pathPattern: '/desk/stories/*', query: ['cursor'] },
  { pathPattern: '/desk', query: [] },
  // The all-stories feeds and the OpenAPI document take none; the default behaviour keys on the
  // front page's cursor (DEFAULT_CACHE_QUERY), which they must not.
  { pathPattern: '/feed.*', query: [] },
  { pathPattern: '/api/openapi.json', query: [] },
];

/** What the default behaviour keys on: the front page's `?cursor` (older stories). */
export const DEFAULT_CACHE_QUERY: readonly string[] = ['cursor'];

/** What the editor behaviours key on besides Authorization: the story list's paging (`GET /api/stories`). */
export const EDITOR_CACHE_QUERY: readonly string[] = ['cursor', 'limit'];

/** The header CloudFront adds to every origin request (ORIGIN_VERIFY_HEADER of shared/adapters/http/origin.ts; the stack test holds them equal). */
export const ORIGIN_VERIFY_HEADER = 'X-Newsroom-Origin-Verify';

export interface CdnProps {
  readonly config: NewsroomConfig;
  /** The origin: CloudFront reaches it on its execute-api domain. */
  readonly api: apigw.IHttpApi;
}

/**
 * CloudFront in front of the HTTP API for the public reads (GET/HEAD only), caching what the
 * origin's Cache-Control allows, and for the editor's desk's writes (EDITOR_PATHS, every method,
 * the editor's headers forwarded); with a custom domain, its certificate and alias records.
 */
export class Cdn extends Construct {
  readonly distribution: cloudfront.Distribution;
  readonly hasCustomDomain: boolean;
  /** The URL feed links are built on: the configured one, else the custom domain, else the CloudFront domain. */
  readonly publicBaseUrl: string;
  /** The secret CloudFront sends the origin as ORIGIN_VERIFY_HEADER: the read function refuses requests without it. */
  readonly originSecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: CdnProps) {
    super(scope, id);
    const { config } = props;
    this.hasCustomDomain = Boolean(config.domainName && config.certificateArn);

    // The origin decides freshness: no default TTL (a response without Cache-Control is not
    // cached), no minimum (max-age=30, stale-while-revalidate=60 is honoured as sent), and at most
    // a live feed's max-age (LIVE_MAX_AGE_SECONDS in shared/application/representation.ts): a
    // retraction reaches every public read within that (docs/api.md, "Caching and retractions"),
    // even should the origin ever ask for longer; the projector's edge refresher invalidates a
    // retracted story's paths at once (functions/edge). Query strings: only those the path's route
    // reads (CACHE_KEY_QUERY), one policy per allow-list; headers and cookies are not in the key,
    // so every reader of a feed shares one cached copy. Conditional requests work end to end:
    // CloudFront answers a reader's If-None-Match / If-Modified-Since from its cache, and
    // revalidates an expired copy with the origin by sending If-None-Match / If-Modified-Since
    // built from the cached ETag / Last-Modified (which it only does while cookies are not
    // forwarded).
    // Compression: CloudFront compresses neither application/atom+xml nor application/feed+json,
    // so the origin does: with gzip and Brotli enabled here, the normalized Accept-Encoding (br,
    // gzip or none) is in the cache key and is forwarded to the origin, which compresses feeds,
    // pages and JSON itself (once per version, each coding with its own ETag, Vary:
    // Accept-Encoding); CloudFront keeps one copy per coding and compresses (`compress` below)
    // only what the origin sent uncompressed.
    const readPolicy = (id: string, query: readonly string[], comment: string) =>
      new cloudfront.CachePolicy(this, id, {
        comment,
        defaultTtl: Duration.seconds(0),
        minTtl: Duration.seconds(0),
        maxTtl: Duration.seconds(LIVE_MAX_AGE_SECONDS),
        queryStringBehavior: query.length ? cloudfront.CacheQueryStringBehavior.allowList(...query) : cloudfront.CacheQueryStringBehavior.none(),
        headerBehavior: cloudfront.CacheHeaderBehavior.none(),
        cookieBehavior: cloudfront.CacheCookieBehavior.none(),
        enableAcceptEncodingGzip: true,
        enableAcceptEncodingBrotli: true,
      });
    // The default behaviour (the front page, the desk, unknown paths): keyed on the front page's
    // ?cursor only. Every other public read has a behaviour of its own (CACHE_KEY_QUERY).
    const publicReads = readPolicy(
      'PublicReadsCachePolicy',
      DEFAULT_CACHE_QUERY,
      `Newsroom public reads: honour origin Cache-Control, keyed on ?${DEFAULT_CACHE_QUERY.join(', ?')}`,
    );
    const byQuery = new Map<string, cloudfront.ICachePolicy>([[DEFAULT_CACHE_QUERY.join('&'), publicReads]]);
    const policyFor = (query: readonly string[]) => {
      const key = query.join('&');
      let policy = byQuery.get(key);
      if (!policy) {
        policy = readPolicy(
          `ReadsCachePolicy${query.length ? query.map((q) => q[0]!.toUpperCase() + q.slice(1)).join('') : 'NoQuery'}`,
          query,
          query.length ? `Newsroom public reads keyed on ?${query.join(', ?')}` : 'Newsroom public reads: no query string',
        );
        byQuery.set(key, policy);
      }
      return policy;
    };

    // CloudFront proves itself to the origin with this header; the read function answers nothing
    // without it (docs/deploy.md, "The origin answers CloudFront only"). Generated once, kept in
    // Secrets Manager, resolved by CloudFormation into the distribution and the read function.
    this.originSecret = new secretsmanager.Secret(this, 'OriginVerifySecret', {
      description: `Newsroom ${config.stage}: the ${ORIGIN_VERIFY_HEADER} header CloudFront sends the API origin`,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });

    // Path, query and CloudFront's own conditional headers only; API Gateway must see its own Host.
    const origin = new origins.HttpOrigin(`${props.api.apiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`, {
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
      customHeaders: { [ORIGIN_VERIFY_HEADER]: this.originSecret.secretValue.unsafeUnwrap() },
      ...(config.originShieldRegion ? { originShieldRegion: config.originShieldRegion } : {}),
    });
    // The origin sends these with every page; CloudFront sends them with every answer too, so that
    // they hold whatever the origin (or an error page of CloudFront's own) sends.
    const securityHeaders = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Newsroom: the pages CSP and security headers',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: PAGE_CSP, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });
    // The pages' stylesheet and script have content-hashed names (shared/adapters/http/static-assets.ts):
    // kept as long as the origin says (a year, immutable), one copy whatever the query string.
    const staticAssets = new cloudfront.CachePolicy(this, 'StaticAssetsCachePolicy', {
      comment: 'Newsroom static assets: content-hashed, immutable',
      defaultTtl: Duration.days(1),
      minTtl: Duration.seconds(0),
      maxTtl: Duration.days(365),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.none(),
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    const readBehavior: cloudfront.BehaviorOptions = {
      origin,
      // Writes are not served here (editorBehavior below takes the write paths), so nothing cached can absorb one.
      // OPTIONS passes for CORS preflights of public reads (a script sending If-None-Match); the
      // origin's answer is the same for every Origin, so it is cached like the reads.
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
      cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD_OPTIONS,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      cachePolicy: publicReads,
      responseHeadersPolicy: securityHeaders,
      compress: true,
    };

    // The editor's desk (/desk, served by the read function like the pages) posts to the write API
    // on this same origin: the paths editors write to (and the editor-only reads the desk makes)
    // pass every method to the origin with the editor's Authorization, Idempotency-Key and If-Match.
    // CloudFront forwards Authorization only when it is in the cache key, so it is: a request with a
    // token never shares a cached answer with one without. What is cached still follows the origin's
    // Cache-Control, as for the public reads: writes and editor reads are answered no-store, and the
    // public story list on /api/stories keeps its max-age. Every other GET /api/* stays on readBehavior.
    const editorCache = new cloudfront.CachePolicy(this, 'EditorApiCachePolicy', {
      comment: 'Newsroom editor API: honour origin Cache-Control, keyed on Authorization',
      defaultTtl: Duration.seconds(0),
      minTtl: Duration.seconds(0),
      maxTtl: Duration.seconds(LIVE_MAX_AGE_SECONDS),
      // The story list's paging (GET /api/stories); the writes take none.
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.allowList(...EDITOR_CACHE_QUERY),
      headerBehavior: cloudfront.CacheHeaderBehavior.allowList('Authorization'),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    const editorRequest = new cloudfront.OriginRequestPolicy(this, 'EditorApiOriginRequestPolicy', {
      comment: 'Newsroom editor API: the write headers (never Host: API Gateway needs its own)',
      headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList('Content-Type', 'Idempotency-Key', 'If-Match', 'X-Correlation-Id'),
      queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.none(),
      cookieBehavior: cloudfront.OriginRequestCookieBehavior.none(),
    });
    const editorBehavior: cloudfront.BehaviorOptions = {
      ...readBehavior,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
      cachePolicy: editorCache,
      originRequestPolicy: editorRequest,
    };

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `Newsroom ${config.stage}`,
      defaultBehavior: readBehavior,
      additionalBehaviors: {
        // Health must reach the origin every time to mean anything.
        '/health': { ...readBehavior, cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED },
        '/assets/*': { ...readBehavior, cachePolicy: staticAssets },
        // The editor's paths (EDITOR_PATHS), for the desk: before the public reads' /api/stories/*,
        // which would otherwise take /api/stories/*/updates and …/scheduled first.
        ...Object.fromEntries(EDITOR_PATHS.map((path) => [path, editorBehavior])),
        ...Object.fromEntries(CACHE_KEY_QUERY.map(({ pathPattern, query }) => [pathPattern, { ...readBehavior, cachePolicy: policyFor(query) }])),
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      ...(config.domainName && config.certificateArn
        ? {
            domainNames: [config.domainName],
            certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', config.certificateArn),
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
    });

    // The ids these had before the stack was split into constructs. A new distribution would get a
    // new *.cloudfront.net host (the feeds' base URL without a custom domain) or clash on its alias.
    keepLogicalId(this.distribution, 'Distribution830FAC52');
    keepLogicalId(publicReads, 'PublicReadsCachePolicy9A85B194');

    if (config.domainName && config.hostedZoneId && config.hostedZoneName) {
      const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
        hostedZoneId: config.hostedZoneId,
        zoneName: config.hostedZoneName,
      });
      const target = route53.RecordTarget.fromAlias(new route53Targets.CloudFrontTarget(this.distribution));
      // Pinned like the distribution: a second record set of the same name would fail to create.
      keepLogicalId(new route53.ARecord(this, 'AliasA', { zone, recordName: config.domainName, target }), 'AliasAEAD92310');
      keepLogicalId(new route53.AaaaRecord(this, 'AliasAAAA', { zone, recordName: config.domainName, target }), 'AliasAAAA067338AF');
    }

    this.publicBaseUrl =
      config.publicBaseUrl ?? (config.domainName ? `https://${config.domainName}` : `https://${this.distribution.distributionDomainName}`);
  }
}
