import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeExportCursor, encodeExportCursor } from './export-cursor.policy.js';

describe('export cursor', () => {
  const id = '0d6e5c1a-1f7b-4c59-9a0e-3f0e2b7d9c11';

  it('round-trips a user id through 23 opaque characters', () => {
    const cursor = encodeExportCursor(id);
    assert.match(cursor, /^[A-Za-z0-9_-]{23}$/);
    assert.equal(decodeExportCursor(cursor), id);
  });

  it('refuses what it did not issue: other lengths, alphabets, versions, non-canonical forms, SQL', () => {
    const cursor = encodeExportCursor(id);
    const otherVersion = Buffer.concat([Buffer.of(2), Buffer.from(id.replaceAll('-', ''), 'hex')]).toString(
      'base64url',
    );
    const last = cursor.at(-1) ?? '';
    const nonCanonical = cursor.slice(0, -1) + (last === 'B' ? 'C' : String.fromCharCode(last.charCodeAt(0) + 1));
    for (const bad of [
      '',
      cursor.slice(1),
      `${cursor}A`,
      `${cursor.slice(0, -1)}=`,
      `${cursor.slice(0, -2)}+/`,
      otherVersion,
      nonCanonical,
      "1' OR '1'='1' --AAAAAAAA",
      Buffer.from(`x' OR 1=1;--${'a'.repeat(5)}`).toString('base64url'),
    ]) {
      assert.equal(decodeExportCursor(bad), null, bad);
    }
  });
});
