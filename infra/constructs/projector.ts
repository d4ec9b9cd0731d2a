import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { EventStore } from './event-store.js';
import { keepLogicalId } from './logical-id.js';
import { NewsroomFunction } from './newsroom-function.js';
import type { FunctionSettings } from './newsroom-function.js';
import type { Views } from './views.js';

/** The projector's stream settings; docs/deploy.md and docs/scale.md explain the numbers. */
export const PROJECTOR_STREAM = {
  batchSize: 100,
  retryAttempts: 10,
  maxRecordAge: Duration.hours(1),
  parallelizationFactor: 1,
} as const;

export interface ProjectorProps {
  readonly settings: FunctionSettings;
  readonly eventStore: EventStore;
  readonly views: Views;
}

/**
 * The projector function on the events table's stream: it folds each new event into the views.
 * Its stream mapping reports partial batch failures, and sends a batch it gave up on to its DLQ.
 */
export class Projector extends NewsroomFunction {
  readonly dlq: sqs.Queue;

  constructor(scope: Construct, id: string, props: ProjectorProps) {
    super(scope, id, {
      settings: props.settings,
      name: 'projector',
      description: 'Newsroom projector: folds the events stream into the views table',
      timeout: Duration.seconds(60),
    });

    // Where the event source mapping sends the description (shard, sequence numbers) of a batch
    // it gave up on. docs/deploy.md has the runbook.
    this.dlq = new sqs.Queue(this, 'Dlq', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    keepLogicalId(this.dlq, 'ProjectorDlq9B83E867');

    props.views.grantReadWrite(this);
    // A record whose predecessor was never applied (its batch went to the DLQ, or a redelivery
    // arrives first) is filled from the events table: without this the story freezes there.
    props.eventStore.grantReadRange(this);
    this.function.addEventSource(
      new DynamoEventSource(props.eventStore.eventsTable, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: PROJECTOR_STREAM.batchSize,
        parallelizationFactor: PROJECTOR_STREAM.parallelizationFactor,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: PROJECTOR_STREAM.retryAttempts,
        maxRecordAge: PROJECTOR_STREAM.maxRecordAge,
        onFailure: new SqsDlq(this.dlq),
        // Events are only ever inserted; anything else on the stream is not an event.
        filters: [lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.isEqual('INSERT') })],
      }),
    );
  }
}
