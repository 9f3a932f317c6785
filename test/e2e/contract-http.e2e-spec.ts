import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ERROR_CODES, type ErrorCode } from '#src/common/errors/error-codes.js';
import { http } from '../utils/http.js';
import { registerAndLogin, startWithAdmin, type AppWithAdmin } from '../utils/factories.js';

/**
 * Issue 13, items 5 and 7, and the paths declared ambiguous in the contract lint: what a
 * client team's tools meet over HTTP.
 */
const ADMIN = { email: 'contract-admin@example.com', password: 'Contract-Admin-Pass-9!' };
const WRITES = ['post', 'put', 'patch', 'delete'];

interface ErrorMedia {
  schema: { allOf: [unknown, { properties: { error_code: { enum: ErrorCode[] } } }] };
  examples: Record<string, { value: { error_code: ErrorCode; message: string } }>;
}

interface Operation {
  operationId: string;
  description?: string;
  requestBody?: unknown;
  parameters?: { in: string }[];
  security?: unknown[];
  responses: Record<string, { content?: { 'application/json'?: ErrorMedia }; headers?: Record<string, unknown> }>;
}

describe('HTTP contract for client tools', () => {
  let app: AppWithAdmin;
  let base: string;
  before(async () => {
    app = await startWithAdmin(ADMIN);
    base = app.t.url;
  });
  after(async () => {
    await app.close();
  });

  const adminToken = async (): Promise<string> => {
    const res = await http(base, 'POST', '/api/v1/auth/login', { body: ADMIN });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.access_token as string;
  };

  it('accepts an empty body with Content-Type: application/json on logout, logout-all and email/resend', async () => {
    for (const [path, status] of [
      ['/api/v1/auth/email/resend', 202],
      ['/api/v1/auth/logout', 204],
      ['/api/v1/auth/logout-all', 204],
    ] as const) {
      const user = await registerAndLogin(base);
      const res = await http(base, 'POST', path, { token: user.access, raw: '' });
      assert.equal(res.status, status, `POST ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    }
  });

  it('accepts an empty JSON body on every write route of the document that takes no body', async () => {
    const doc = (await (await fetch(`${base}/docs-json`)).json()) as {
      paths: Record<string, Record<string, Operation>>;
    };
    let checked = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        if (!WRITES.includes(method) || op.requestBody !== undefined) continue;
        // Unknown ids: the route answers 404 (or 2xx); what matters is that the body is not refused.
        const concrete = path.replace(/\{[^}]+\}/g, () => randomUUID());
        const res = await http(base, method.toUpperCase(), concrete, { token: await adminToken(), raw: '' });
        assert.ok(
          res.status < 400 || res.status === 404,
          `${method.toUpperCase()} ${path} with an empty JSON body: ${res.status} ${JSON.stringify(res.body)}`,
        );
        checked += 1;
      }
    }
    assert.ok(checked >= 5, `bodiless write routes checked: ${checked}`);
  });

  it('still refuses an empty body where the route requires one: 400 COMMON_1000 naming the fields', async () => {
    for (const path of ['/api/v1/auth/login', '/api/v1/auth/register', '/api/v1/auth/refresh']) {
      const res = await http(base, 'POST', path, { raw: '' });
      assert.equal(res.status, 400, `POST ${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error_code, 'COMMON_1000', path);
      assert.ok(Array.isArray(res.body.details) && res.body.details.length > 0, `${path}: ${JSON.stringify(res.body)}`);
    }
    // Whitespace is not empty: it is malformed JSON, as before.
    const blank = await http(base, 'POST', '/api/v1/auth/login', { raw: ' ' });
    assert.equal(blank.status, 400);
    assert.notEqual(blank.body.error_code, undefined);
  });

  it('lists the errors each operation can give, each code with an example under its own status', async () => {
    const doc = (await (await fetch(`${base}/docs-json`)).json()) as {
      paths: Record<string, Record<string, Operation>>;
    };
    const codesAt = (op: Operation, status: string): ErrorCode[] =>
      op.responses[status]?.content?.['application/json']?.schema.allOf[1].properties.error_code.enum ?? [];
    let operations = 0;
    const seen = new Set<ErrorCode>();
    for (const methods of Object.values(doc.paths)) {
      for (const op of Object.values(methods)) {
        operations += 1;
        const id = op.operationId;
        assert.ok((op.description ?? '').length > 0, `${id}: a description`);
        const takesInput =
          op.requestBody !== undefined || (op.parameters ?? []).some((p) => p.in === 'path' || p.in === 'query');
        if (takesInput) assert.ok(codesAt(op, '400').includes('COMMON_1000'), `${id}: 400 COMMON_1000`);
        if ((op.security ?? []).length > 0) assert.ok(codesAt(op, '401').includes('COMMON_1001'), `${id}: 401`);
        assert.ok(codesAt(op, '429').includes('COMMON_1029'), `${id}: 429 (every route is rate-limited)`);
        assert.ok(op.responses['429']?.headers?.['Retry-After'] !== undefined, `${id}: 429 with Retry-After`);
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) < 400) continue;
          const media = response.content?.['application/json'];
          assert.ok(media !== undefined, `${id} ${status}: the error body`);
          const listed = codesAt(op, status);
          assert.ok(listed.length > 0, `${id} ${status}: its codes`);
          assert.deepEqual(
            Object.keys(media.examples).sort(),
            [...listed].sort(),
            `${id} ${status}: one example per code`,
          );
          for (const [code, example] of Object.entries(media.examples)) {
            assert.equal(example.value.error_code, code, `${id} ${status}: example ${code}`);
            assert.equal(ERROR_CODES[code as ErrorCode].status, Number(status), `${id}: ${code} is not a ${status}`);
            assert.equal(example.value.message, ERROR_CODES[code as ErrorCode].message);
            seen.add(code as ErrorCode);
          }
        }
      }
    }
    assert.ok(operations >= 40, `operations: ${operations}`);
    // The domain codes are declared where they are thrown: each one shows up somewhere.
    for (const code of ['USER_1003', 'USER_1103', 'USER_1007', 'USER_1101', 'USER_1201', 'USER_1301'] as const) {
      assert.ok(seen.has(code), `${code} is listed on some operation`);
    }
  });

  it('serves the JWKS with Cache-Control and an ETag, and answers 304 to a matching If-None-Match', async () => {
    const first = await fetch(`${base}/.well-known/jwks.json`);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('cache-control'), 'public, max-age=300');
    assert.equal(first.headers.get('x-content-type-options'), 'nosniff', 'the security headers stay');
    const etag = first.headers.get('etag');
    assert.match(etag ?? '', /^"[A-Za-z0-9_-]+"$/);
    const keys = ((await first.json()) as { keys: { kid: string }[] }).keys;
    assert.ok(keys.length > 0);

    const again = await fetch(`${base}/.well-known/jwks.json`, { headers: { 'if-none-match': etag as string } });
    assert.equal(again.status, 304);
    assert.equal(await again.text(), '');
    assert.equal(again.headers.get('etag'), etag);
    assert.equal(again.headers.get('cache-control'), 'public, max-age=300');

    const weak = await fetch(`${base}/.well-known/jwks.json`, { headers: { 'if-none-match': `"stale", W/${etag}` } });
    assert.equal(weak.status, 304);
    const stale = await fetch(`${base}/.well-known/jwks.json`, { headers: { 'if-none-match': '"stale"' } });
    assert.equal(stale.status, 200);
    assert.deepEqual(((await stale.json()) as { keys: unknown[] }).keys, keys);
  });

  it('routes the paths the lint declares ambiguous to the static segment: by-username wins over {id}', async () => {
    const token = await adminToken();
    // Both `/users/by-username/{username}` and `/users/{id}/badges` match this path.
    const res = await http(base, 'GET', '/api/v1/users/by-username/badges', { token });
    assert.equal(res.status, 404, JSON.stringify(res.body));
    assert.equal(res.body.error_code, 'USER_1101', 'the username lookup of "badges", not the badges of "by-username"');
  });
});
