/**
 * One HTTP request, sent two ways: as the API Gateway HTTP API (payload format 2.0) event the
 * synthesized template's routes would hand to a function, and over the wire to the local server
 * (node:http, so that the bytes come back as sent: no decompression, repeated headers as sent).
 */
import { request as httpRequest } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { PARITY_ACCOUNT, PARITY_REGION } from './aws-wire';
import type { Json, Template } from './stack';

export interface HttpRequest {
  method: string;
  /** Path and query string, as sent. */
  path: string;
  /** In order; a name may repeat (API Gateway joins the values with commas). */
  headers?: [string, string][];
  /** Sent as Cookie headers; API Gateway hands them over in `cookies`. */
  cookies?: string[];
  body?: string;
  /** API Gateway hands the body over base64-encoded (as it does for a body it takes for binary). */
  base64?: boolean;
}

export interface HttpAnswer {
  status: number;
  /** Lower-case names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  body: Buffer;
}

/** A route of the HTTP API in the template, and the function its integration invokes. */
export interface ApiRoute {
  method: string;
  /** `/api/stories/{id}/updates`, `/{proxy+}`. */
  path: string;
  routeKey: string;
  functionLogicalId: string;
}

export function apiRoutes(template: Template): ApiRoute[] {
  const resources = template.Resources;
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
    .map((r) => {
      const routeKey = String(r.Properties!.RouteKey);
      const join = (r.Properties!.Target as { 'Fn::Join': [string, Json[]] })['Fn::Join'][1];
      const integrationId = (join[1] as { Ref: string }).Ref;
      const integration = resources[integrationId]!.Properties!;
      if (integration.PayloadFormatVersion !== '2.0') throw new Error(`${routeKey}: payload format ${String(integration.PayloadFormatVersion)}`);
      const functionLogicalId = (integration.IntegrationUri as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const [method, path] = routeKey.split(' ') as [string, string];
      return { method, path, routeKey, functionLogicalId };
    });
}

/** The route API Gateway picks: full match, then path variables, then a greedy `{proxy+}`; a method before ANY. */
export function matchRoute(
  routes: ApiRoute[],
  method: string,
  path: string,
): { route: ApiRoute; pathParameters: Record<string, string> } | undefined {
  let best: { route: ApiRoute; pathParameters: Record<string, string>; score: number } | undefined;
  const segments = path.split('/').slice(1);
  for (const route of routes) {
    if (route.method !== 'ANY' && route.method !== method) continue;
    const pattern = route.path.split('/').slice(1);
    const params: Record<string, string> = {};
    let score = 0;
    let ok = true;
    for (let i = 0; i < pattern.length && ok; i++) {
      const part = pattern[i]!;
      const greedy = /^\{(\w+)\+\}$/.exec(part);
      if (greedy) {
        const rest = segments.slice(i).join('/');
        if (rest === '') ok = false;
        params[greedy[1]!] = decodeURIComponent(rest);
        score += 1;
        break;
      }
      const segment = segments[i];
      if (segment === undefined) ok = false;
      else if (/^\{\w+\}$/.test(part)) {
        params[part.slice(1, -1)] = decodeURIComponent(segment);
        score += 10;
      } else if (part === segment) score += 100;
      else ok = false;
      if (i === pattern.length - 1 && segments.length !== pattern.length) ok = false;
    }
    if (pattern.length === 1 && pattern[0] === '' && path !== '/') ok = false;
    if (!ok) continue;
    score = score * 2 + (route.method === 'ANY' ? 0 : 1);
    if (!best || score > best.score) best = { route, pathParameters: params, score };
  }
  return best && { route: best.route, pathParameters: best.pathParameters };
}

const API_ID = 'parity0api';
const API_DOMAIN = `${API_ID}.execute-api.${PARITY_REGION}.amazonaws.com`;

/** The event API Gateway hands over (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html). */
export function apiGatewayEvent(
  req: HttpRequest,
  route: ApiRoute,
  pathParameters: Record<string, string>,
  requestNumber: number,
): APIGatewayProxyEventV2 {
  const [rawPath, rawQueryString = ''] = req.path.split('?') as [string, string?];
  const headers: Record<string, string> = {
    host: API_DOMAIN,
    'x-forwarded-proto': 'https',
    'x-forwarded-port': '443',
    'x-forwarded-for': '198.51.100.7',
  };
  if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
  for (const [name, value] of req.headers ?? []) {
    const key = name.toLowerCase();
    // Repeated headers arrive as one, their values joined with commas.
    headers[key] = key in headers && !['host', 'content-length'].includes(key) ? `${headers[key]},${value}` : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) query[name] = name in query ? `${query[name]},${value}` : value;
  const now = new Date(Date.UTC(2026, 11, 2, 0, 0, requestNumber));
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath,
    rawQueryString,
    ...(req.cookies?.length ? { cookies: req.cookies } : {}),
    headers,
    ...(rawQueryString ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: PARITY_ACCOUNT,
      apiId: API_ID,
      domainName: API_DOMAIN,
      domainPrefix: API_ID,
      http: { method: req.method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent: headers['user-agent'] ?? '' },
      requestId: `parity-${requestNumber}`,
      routeKey: route.routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(Object.keys(pathParameters).length ? { pathParameters } : {}),
    ...(req.body === undefined ? {} : { body: req.base64 ? Buffer.from(req.body).toString('base64') : req.body }),
    isBase64Encoded: Boolean(req.base64 && req.body !== undefined),
  };
}

/** What API Gateway sends the client for a function's answer (payload format 2.0). */
export function fromLambdaResult(result: APIGatewayProxyStructuredResultV2): HttpAnswer {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies.join(', ');
  const body = Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8');
  return { status: result.statusCode ?? 200, headers, body };
}

/** The request over HTTP to `base`, the answer's bytes untouched. */
export function sendHttp(base: string, req: HttpRequest): Promise<HttpAnswer> {
  const url = new URL(req.path, base);
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of req.headers ?? []) {
    const key = name.toLowerCase();
    headers[key] = key in headers ? ([] as string[]).concat(headers[key]!, value) : value;
  }
  if (req.cookies?.length) headers.cookie = req.cookies.join('; ');
  return new Promise((resolve, reject) => {
    const out = httpRequest(
      { host: url.hostname, port: url.port, method: req.method, path: url.pathname + url.search, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const h: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) h[name] = Array.isArray(value) ? value.join(', ') : String(value);
          resolve({ status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      },
    );
    out.on('error', reject);
    out.end(req.body);
  });
}
