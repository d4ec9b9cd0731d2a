/**
 * The release index on the views table (pk `releases`, sk `<releaseAt>#<storyId>#<updateId>`, see
 * layout.ts): the projector and replay put an item for each pending update, the schedulers query
 * what is due and forget what they handled. One partition for every story: a newsroom's pending
 * releases are few (tens, not millions), and each item is written, read and deleted about once.
 */
import { DeleteCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DueRelease, ReleaseIndex } from '../../../application/ports';
import { RELEASES_PK } from './layout';

export class DynamoReleaseIndex implements ReleaseIndex {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async due(at: string, limit: number): Promise<DueRelease[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        // '#~' sorts after every '#<storyId>…' of the same instant: releases due at `at` exactly are in.
        KeyConditionExpression: 'pk = :pk AND sk <= :at',
        ExpressionAttributeValues: { ':pk': RELEASES_PK, ':at': `${new Date(Date.parse(at)).toISOString()}#~` },
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map(releaseOf);
  }

  async next(): Promise<DueRelease | undefined> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': RELEASES_PK },
        ConsistentRead: true,
        Limit: 1,
      }),
    );
    const item = out.Items?.[0];
    return item ? releaseOf(item) : undefined;
  }

  async forget(release: DueRelease): Promise<void> {
    await this.db.send(
      new DeleteCommand({ TableName: this.table, Key: { pk: RELEASES_PK, sk: `${release.releaseAt}#${release.storyId}#${release.updateId}` } }),
    );
  }
}

function releaseOf(item: Record<string, unknown>): DueRelease {
  return { storyId: String(item.storyId), updateId: String(item.updateId), releaseAt: String(item.releaseAt) };
}
