import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { STORY_CATALOG } from '../../shared/adapters/dynamodb/tables.js';
import { grant } from './iam.js';
import { keepLogicalId } from './logical-id.js';

// Exact DynamoDB actions per access pattern, each one used by a call the parity suite records
// (test/parity/lambda-parity.test.ts; docs/deploy.md's IAM table). Never grantWriteData/
// grantReadWriteData on the events table: they include UpdateItem and DeleteItem, and events are
// immutable. TransactWriteItems has no IAM action of its own: each item in a transaction is
// authorized as the PutItem / UpdateItem / DeleteItem / ConditionCheckItem it performs (no code
// sends a ConditionCheck item, so none is granted). Events are read by key range only (Query),
// never by GetItem.
const EVENTS_APPEND = ['dynamodb:PutItem'];
const EVENTS_READ = ['dynamodb:Query'];
const IDEMPOTENCY_RECORDS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];

/**
 * The write side's state: the events table (the source of truth), its story catalog index and
 * its stream, and the write API's idempotency records. Functions get at them only through the
 * grant methods below, each an exact list of actions.
 */
export class EventStore extends Construct {
  readonly eventsTable: dynamodb.Table;
  readonly idempotencyTable: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    // One item per event, never rewritten. The stream carries new images only (an event has no
    // old image worth sending).
    this.eventsTable = new dynamodb.Table(this, 'EventsTable', {
      partitionKey: { name: 'storyId', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'version', type: dynamodb.AttributeType.NUMBER },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      stream: dynamodb.StreamViewType.NEW_IMAGE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    keepLogicalId(this.eventsTable, 'EventsTableD24865E5');
    // The story catalog (shared/adapters/dynamodb/event-store.ts): one keys-only entry per story, from the
    // attribute only a story's first event carries. Replay lists stories with it instead of a scan.
    this.eventsTable.addGlobalSecondaryIndex({
      indexName: STORY_CATALOG.indexName,
      partitionKey: { name: STORY_CATALOG.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: STORY_CATALOG.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });

    // Idempotency records expire by TTL; losing them only shortens the retry window.
    this.idempotencyTable = new dynamodb.Table(this, 'IdempotencyTable', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: RemovalPolicy.DESTROY,
    });
    keepLogicalId(this.idempotencyTable, 'IdempotencyTable22A5A209');
  }

  /** Append events, with the reads that deciding them needs; never update or delete one. */
  grantAppend(grantee: iam.IGrantable): void {
    grant(grantee, 'AppendEvents', [...EVENTS_APPEND, ...EVENTS_READ], [this.eventsTable.tableArn]);
  }

  /** Read a story's events: the raw event log, time travel (?version, ?asOf), replay. */
  grantRead(grantee: iam.IGrantable): void {
    grant(grantee, 'ReadEvents', EVENTS_READ, [this.eventsTable.tableArn]);
  }

  /**
   * Read a range of a story's events by key, nothing else: the projector's gap fill
   * (shared/application/project-story.ts) queries the versions a record's predecessor left
   * unapplied. One Query on the table; it uses no index and never reads a single item.
   */
  grantReadRange(grantee: iam.IGrantable): void {
    grant(grantee, 'ReadEventRange', ['dynamodb:Query'], [this.eventsTable.tableArn]);
  }

  /** List the stories from the catalog index (replay), which needs no Scan. */
  grantListStories(grantee: iam.IGrantable): void {
    grant(grantee, 'ListStories', ['dynamodb:Query'], [`${this.eventsTable.tableArn}/index/${STORY_CATALOG.indexName}`]);
  }

  grantIdempotencyRecords(grantee: iam.IGrantable): void {
    grant(grantee, 'IdempotencyRecords', IDEMPOTENCY_RECORDS, [this.idempotencyTable.tableArn]);
  }
}
