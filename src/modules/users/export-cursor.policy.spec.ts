import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomInt, randomUUID } from 'node:crypto';
import { decodeExportCursor, encodeExportCursor, EXPORT_CURSOR_PATTERN } from './export-cursor.policy.js';

describe('export cursor', () => {
  const id = '0d6e5c1a-1f7b-4c59-9a0e-3f0e2b7d9c11';

  it('round-trips a user id through 23 opaque characters', () => {
    const cursor = encodeExportCursor(id);
    assert.match(cursor, EXPORT_CURSOR_PATTERN);
    assert.equal(decodeExportCursor(cursor), id);
  });

  it('has a pattern that matches exactly the cursors that decode', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = 0; i < 2000; i++) {
      const candidate = Array.from({ length: 23 }, (_, k) =>
        k === 0 && i % 2 === 0 ? 'A' : alphabet[randomInt(alphabet.length)],
      ).join('');
      assert.equal(EXPORT_CURSOR_PATTERN.test(candidate), decodeExportCursor(candidate) !== null, candidate);
    }
    for (let i = 0; i < 200; i++) {
      const id = randomUUID();
      assert.match(encodeExportCursor(id), EXPORT_CURSOR_PATTERN);
    }
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
