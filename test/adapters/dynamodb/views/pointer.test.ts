/**
 * The generation pointer's switch (replay) against DynamoDB Local: a switch whose answer was lost
 * (DynamoDB applied it, the SDK retried, the retry failed its own condition) is the switch done,
 * not a GenerationMovedError; another replay's switch still is one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GenerationMovedError } from '../../../../shared/application/errors';
import { clientConfig, documentClient } from '../../../../shared/adapters/dynamodb/client';
import { activeGeneration, DEFAULT_GENERATION, setActiveGeneration } from '../../../../shared/adapters/dynamodb/views/pointer';
import { createTestStore, type TestStore } from '../../../support/dynamo';
import { inject } from '../../../support/faults';

let store: TestStore;
beforeAll(async () => void (store = await createTestStore()));
afterAll(() => store?.drop());

describe('the generation pointer', () => {
  it('takes a switch whose answer was lost for the switch it was, and another replay’s switch for a move', async () => {
    const db = documentClient(clientConfig(store.endpoint));
    const table = store.tables.views;
    const fault = inject(db, 'PutItem', 'lose-answer');
    await setActiveGeneration(db, table, 'g2', DEFAULT_GENERATION);
    fault.remove();
    expect(fault.seen).toEqual({ sent: 2, faulted: 1 });
    expect(await activeGeneration(db, table)).toBe('g2');
    // Someone expecting the old generation lost the race: that stays a move.
    await expect(setActiveGeneration(db, table, 'g3', DEFAULT_GENERATION)).rejects.toBeInstanceOf(GenerationMovedError);
    expect(await activeGeneration(db, table)).toBe('g2');
    db.destroy();
  });
});
