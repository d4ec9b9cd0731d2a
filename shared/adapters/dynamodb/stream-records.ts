/** Turns DynamoDB stream records of the events table into story events. */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue as LambdaAttributeValue, DynamoDBRecord } from 'aws-lambda';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { StoryEvent } from '../../domain/story/events';
import { fromItem } from './event-store';

export function eventFromRecord(record: DynamoDBRecord): StoryEvent | undefined {
  const image = record.dynamodb?.NewImage;
  // Events are only ever inserted; anything else on the stream is not an event.
  if (record.eventName !== 'INSERT' || !image) return undefined;
  return fromItem(unmarshall(image as Record<string, AttributeValue> & Record<string, LambdaAttributeValue>));
}
