/**
 * The generation pointer (pk `meta`, sk `generation`): which projection generation readers and
 * the projector use. Replay builds a new generation beside the live one and moves the pointer in
 * one conditional PutItem (see layout.ts).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { PROJECTION_VERSION } from '../../../domain/projection/story-view';
import { GenerationMovedError } from '../../../application/errors';
import { isConditionFailure } from '../client';

export const POINTER = { pk: 'meta', sk: 'generation' };
/** The generation of a store with no pointer item yet. */
export const DEFAULT_GENERATION = 'v1';

export interface GenerationPointer {
  generation: string;
  /** PROJECTION_VERSION of the code that built it; 1 for stores from before the pointer recorded it. */
  projectionVersion: number;
  switchedAt?: string;
  previous?: string;
}

export async function readPointer(db: DynamoDBDocumentClient, table: string): Promise<GenerationPointer | undefined> {
  const out = await db.send(new GetCommand({ TableName: table, Key: POINTER, ConsistentRead: true }));
  if (!out.Item) return undefined;
  return { ...(out.Item as GenerationPointer), projectionVersion: Number(out.Item.projectionVersion ?? 1) };
}

export async function activeGeneration(db: DynamoDBDocumentClient, table: string): Promise<string> {
  return (await readPointer(db, table))?.generation ?? DEFAULT_GENERATION;
}

/**
 * Points readers and the projector at `generation`, atomically (one conditional PutItem), only if
 * the pointer is still at `expected`; else throws GenerationMovedError.
 */
export async function setActiveGeneration(
  db: DynamoDBDocumentClient,
  table: string,
  generation: string,
  expected: string,
  extra: Partial<GenerationPointer> = {},
) {
  const pointer: GenerationPointer = { generation, projectionVersion: PROJECTION_VERSION, ...extra };
  try {
    await db.send(
      new PutCommand({
        TableName: table,
        Item: { ...POINTER, ...pointer },
        // No pointer item yet means the default generation is active.
        ConditionExpression: expected === DEFAULT_GENERATION ? 'attribute_not_exists(pk) OR generation = :expected' : 'generation = :expected',
        ExpressionAttributeValues: { ':expected': expected },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) {
      // The SDK's retry of our own switch, whose answer was lost, finds the pointer where we put it:
      // that is our switch, done (generation names are never reused).
      const found = (error as { Item?: Record<string, AttributeValue> }).Item;
      if (found && unmarshall(found).generation === generation) return;
      throw new GenerationMovedError(`the active generation is no longer ${expected}`);
    }
    throw error;
  }
}
