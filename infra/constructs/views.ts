import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ACTIVITY_INDEX, VIEW_INDEXES } from '../../shared/adapters/dynamodb/tables.js';
import { grant } from './iam.js';
import { keepLogicalId } from './logical-id.js';

// Exact DynamoDB actions per access pattern (no code sends a transaction's ConditionCheck item:
// none is granted; the parity suite, test/parity/lambda-parity.test.ts, records what each uses).
const VIEWS_READ = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'];
const VIEWS_WRITE = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

export interface ViewsProps {
  /** Keep the table when the stack is deleted or the table replaced (prod: it is what readers are served). */
  readonly retain: boolean;
}

/**
 * The projections readers are served: the views table and its local indexes. Functions get at it
 * only through the grant methods below, each an exact list of actions.
 */
export class Views extends Construct {
  readonly table: dynamodb.Table;
  /** The table and its indexes by name: no index wildcard. */
  private readonly arns: string[];

  constructor(scope: Construct, id: string, props: ViewsProps) {
    super(scope, id);

    // Projections are disposable (replay rebuilds them from the events table), but they are also
    // what readers are served: RETAIN in prod so that a stack deletion or an accidental replacement
    // never takes the site down for the length of a full replay; DESTROY elsewhere so test stages
    // clean up. No PITR: replay is the recovery path.
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    keepLogicalId(this.table, 'ViewsTable7827252D');
    // The same indexes as the local tables (shared/adapters/dynamodb/tables.ts): one list for both.
    for (const { name, sortKey } of VIEW_INDEXES) {
      this.table.addLocalSecondaryIndex({
        indexName: name,
        sortKey: { name: sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
    // What changed last across stories (the story list's pages, the all-stories feeds): keys only.
    this.table.addGlobalSecondaryIndex({
      indexName: ACTIVITY_INDEX.name,
      partitionKey: { name: ACTIVITY_INDEX.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: ACTIVITY_INDEX.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });
    this.arns = [this.table.tableArn, ...[...VIEW_INDEXES, ACTIVITY_INDEX].map(({ name }) => `${this.table.tableArn}/index/${name}`)];
  }

  grantRead(grantee: iam.IGrantable): void {
    grant(grantee, 'ReadViews', VIEWS_READ, this.arns);
  }

  /** Read and write views (the projector, replay). */
  grantReadWrite(grantee: iam.IGrantable): void {
    grant(grantee, 'WriteViews', [...VIEWS_READ, ...VIEWS_WRITE], this.arns);
  }
}
