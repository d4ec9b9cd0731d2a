import { Validations } from 'aws-cdk-lib';
import { HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import type { IConstruct } from 'constructs';
import type { NewsroomStack } from './newsroom-stack.js';

/**
 * Every cdk-nag AwsSolutions finding this stack accepts, each with the reason it is accepted.
 * cdk-nag 3 reads these acknowledgements from construct metadata (Validations API); an
 * unacknowledged finding fails `cdk synth` and the stack test.
 */
export function applyNagSuppressions(stack: NewsroomStack): void {
  const ack = (scope: IConstruct, id: string, reason: string) => Validations.of(scope).acknowledge({ id, reason });

  for (const fn of stack.functions) {
    ack(
      fn.role,
      'AwsSolutions-IAM5[Resource::*]',
      'Only actions that support no resource-level permissions are granted on "*": X-Ray ' +
        'xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing), and for the projector ' +
        'dynamodb:ListStreams (added by the DynamoDB event source mapping). Every table, index, ' +
        'stream, queue, parameter and function grant names its resource.',
    );
  }

  ack(
    stack.projector.role,
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${stack.releases.groupName}/*]`,
    "The projector creates, moves and deletes one schedule per embargoed update, named after it, in the stack's own " +
      'schedule group: the wildcard is the schedule names of that group only (scheduler:CreateSchedule, ' +
      'UpdateSchedule, DeleteSchedule), not other groups or actions.',
  );

  for (const route of stack.httpApi.node.findAll().filter((c) => c instanceof HttpRoute)) {
    ack(
      route,
      'AwsSolutions-APIG4',
      'Reads are public by contract (docs/api.md: feeds, pages, JSON views). The two POST ' +
        'routes authenticate in the write function: Authorization: Bearer <token>, checked against ' +
        'the SHA-256 hashes in the SSM SecureString parameter, 401 with WWW-Authenticate otherwise. ' +
        'An API Gateway authorizer would add a second Lambda invocation to every write for the same check.',
    );
  }

  ack(
    stack.projector.dlq,
    'AwsSolutions-SQS3',
    'This queue is itself a dead-letter queue: the on-failure destination of the projector event ' +
      "source mapping. cdk-nag only recognises queues named in another queue's redrive policy. Nothing " +
      'consumes it automatically; the DLQ depth alarm and the runbook in docs/deploy.md handle it.',
  );

  ack(
    stack.releases.dlq,
    'AwsSolutions-SQS3',
    'This queue is itself a dead-letter queue: the on-failure destination of the release ' +
      "function's asynchronous invocations. Nothing consumes it automatically: the release sweep " +
      'makes every due release anyway, and the runbook in docs/deploy.md explains the messages.',
  );

  ack(
    stack.views.table,
    'AwsSolutions-DDB3',
    'The views table is a disposable projection: the replay function rebuilds it from the events ' +
      'table, which has point-in-time recovery and deletion protection. PITR here would only add cost.',
  );
  ack(
    stack.eventStore.idempotencyTable,
    'AwsSolutions-DDB3',
    'Idempotency records expire by TTL within the retry window; there is nothing worth restoring.',
  );

  ack(
    stack.cdn.originSecret,
    'AwsSolutions-SMG4',
    'The origin header secret only tells CloudFront from a direct caller of the API URL; it guards ' +
      'no data (every read is public). A rotation must reach CloudFront and the read function in one ' +
      'deployment, so it is rotated by a deploy, not by a rotation Lambda (docs/deploy.md).',
  );
  ack(
    stack.cdn.distribution,
    'AwsSolutions-CFR1',
    'A public news site for a worldwide audience: there is no licensing or legal reason to restrict countries.',
  );
  ack(
    stack.cdn.distribution,
    'AwsSolutions-CFR2',
    'Content is public, read-only and cached (GET/HEAD only; writes go to the API URL, not through ' +
      'CloudFront); the origin stage is throttled. WAF would cost about $0.60 per million requests, ' +
      'roughly $1,700/month at the 96 million requests/day of docs/scale.md, for no data to protect. ' +
      'docs/deploy.md shows how to attach a web ACL if abuse appears.',
  );
  ack(
    stack.cdn.distribution,
    'AwsSolutions-CFR3',
    'Standard logs at internet scale are ~96 million lines/day (docs/scale.md); CloudFront metrics, ' +
      'the HTTP API access log (every origin request) and the alarms cover operations. Enable ' +
      'CloudFront standard logging to S3 when a request-level audit is needed (docs/deploy.md).',
  );
  if (!stack.cdn.hasCustomDomain) {
    ack(
      stack.cdn.distribution,
      'AwsSolutions-CFR4',
      'Without a custom domain the distribution serves the default *.cloudfront.net certificate, ' +
        'whose viewer security policy CloudFront fixes. With -c domainName/-c certificateArn the ' +
        'stack sets TLSv1.2_2021 and this acknowledgement is not made.',
    );
  }
}
