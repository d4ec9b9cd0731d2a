/** Stream records of stored events, shaped as Lambda's event source mapping delivers them. */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { toItem } from '../../shared/adapters/dynamodb/event-store';
import type { StoryEvent } from '../../shared/domain/story/events';

let sequence = 0;

export function streamRecord(event: StoryEvent): DynamoDBRecord {
  sequence += 1;
  return {
    eventID: String(sequence),
    eventName: 'INSERT',
    eventSource: 'aws:dynamodb',
    dynamodb: {
      Keys: marshall({ storyId: event.metadata.storyId, version: event.metadata.version }) as Record<string, AttributeValue>,
      NewImage: marshall(toItem(event), { removeUndefinedValues: true }) as Record<string, AttributeValue>,
      SequenceNumber: String(sequence).padStart(21, '0'),
      StreamViewType: 'NEW_IMAGE',
    },
  };
}
