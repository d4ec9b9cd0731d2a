/** API Gateway HTTP API (payload 2.0) events and a Lambda context, for invoking the API handlers. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

/** The API handlers as the tests call them. */
export type ApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export const lambdaContext = { awsRequestId: 'test', functionName: 'newsroom-test', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

/** A request as API Gateway hands it over; a body is sent as JSON. */
export function apiGatewayEvent(
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): APIGatewayProxyEventV2 {
  const [rawPath, rawQueryString = ''] = path.split('?') as [string, string?];
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers: { host: 'api.example', ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example',
      domainPrefix: 'api',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'req',
      routeKey: '$default',
      stage: '$default',
      time: '02/Dec/2026:00:00:00 +0000',
      timeEpoch: 0,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    isBase64Encoded: false,
  };
}
