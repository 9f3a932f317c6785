import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { erasedIdentity, erasurePatches, PERSONAL_FIELDS_BY_TYPE, USER_EVENT_TYPES } from './user-events.js';

const USER_ID = 'f3c1e2d4-1111-4222-8333-944455556666';

describe('erasure patches of recorded events', () => {
  it('overwrite exactly the personal fields of every event type', () => {
    const patches = erasurePatches(USER_ID) as Record<string, Record<string, unknown> | undefined>;
    assert.deepEqual(Object.keys(PERSONAL_FIELDS_BY_TYPE).sort(), [...USER_EVENT_TYPES].sort());
    for (const type of USER_EVENT_TYPES) {
      const fields = PERSONAL_FIELDS_BY_TYPE[type] as string[];
      assert.deepEqual(Object.keys(patches[type] ?? {}).sort(), [...fields].sort(), type);
    }
  });

  it('leave only values derived from the user id', () => {
    const identity = erasedIdentity(USER_ID);
    assert.equal(identity.email, `erased+${USER_ID}@erased.invalid`);
    const text = JSON.stringify(erasurePatches(USER_ID));
    assert.doesNotMatch(text.replaceAll(USER_ID, ''), /@(?!erased\.invalid)/);
    for (const patch of Object.values(erasurePatches(USER_ID))) {
      for (const value of Object.values(patch as Record<string, unknown>)) {
        assert.ok(value === null || value === identity.email || value === identity.name, String(value));
      }
    }
  });
});
