/** How person items are read back, including those written before projection version 4. */
import { describe, expect, it } from 'vitest';
import { personCountOf, ROLE_PREFIX } from '../../../../shared/adapters/dynamodb/views/layout';

describe('person items', () => {
  it('count statements per role (r#<role>), as projection version 4 writes them', () => {
    const item = { pk: 'g#story#s', sk: 'p#ivan', name: 'Ivan', statementCount: 3, [`${ROLE_PREFIX}mayor`]: 2, [`${ROLE_PREFIX}minister`]: 0 };
    expect(personCountOf(item)).toEqual({ name: 'Ivan', statementCount: 3, roleCounts: { mayor: 2, minister: 0 } });
  });

  it('written before version 4 (a set of roles) still show their roles until a replay rebuilds them', () => {
    const item = { pk: 'g#story#s', sk: 'p#ivan', name: 'Ivan', statementCount: 2, roles: new Set(['mayor', 'minister']) };
    expect(personCountOf(item)).toEqual({ name: 'Ivan', statementCount: 2, roleCounts: { mayor: 1, minister: 1 } });
  });
});
