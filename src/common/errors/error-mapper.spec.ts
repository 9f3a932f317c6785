import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpException, NotFoundException } from '@nestjs/common';
import { AppException } from './app.exception.js';
import { mapError } from './error-mapper.js';

describe('error mapper', () => {
  it('maps domain codes to their status and keeps headers', () => {
    const mapped = mapError(new AppException('USER_1003', undefined, null, { 'Retry-After': '60' }));
    assert.equal(mapped.status, 423);
    assert.equal(mapped.code, 'USER_1003');
    assert.deepEqual(mapped.headers, { 'Retry-After': '60' });
  });

  it('maps unknown routes, body errors and size limits', () => {
    assert.equal(mapError(new NotFoundException('Cannot GET /x')).code, 'COMMON_1004');
    const tooLarge = new HttpException('too large', 413, {
      cause: Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE' }),
    });
    assert.equal(mapError(tooLarge).code, 'COMMON_1413');
    const badJson = new HttpException('bad', 400, {
      cause: Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY' }),
    });
    assert.equal(mapError(badJson).code, 'COMMON_1400');
  });

  it('answers 400 for text PostgreSQL cannot store (NUL, invalid UTF-8), not 500', () => {
    const nul = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), {
      driverError: { code: '22021' },
    });
    const mapped = mapError(nul);
    assert.equal(mapped.status, 400);
    assert.equal(mapped.code, 'COMMON_1000');
    assert.equal(mapped.unexpected, false);
  });

  it('turns database outages into 503 and anything else into a 500 that leaks nothing', () => {
    assert.equal(
      mapError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })).status,
      503,
    );
    assert.equal(mapError(new Error('timeout exceeded when trying to connect')).code, 'COMMON_1503');
    const internal = mapError(new Error('secret detail: password=hunter2'));
    assert.equal(internal.status, 500);
    assert.equal(internal.code, 'COMMON_1500');
    assert.doesNotMatch(internal.message, /hunter2/);
    assert.equal(internal.details, null);
  });
});
