import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../utils/app.js';
import { newIdentity } from '../utils/factories.js';
import { http } from '../utils/http.js';

/** The login counters a metrics reader sees; each series by its name and labels. */
const LOGIN_SERIES = /^((?:login_attempts_total|failed_logins_total|account_lockouts_total)(?:\{[^}]*\})?) (\S+)$/gm;

async function loginSeries(t: TestApp): Promise<Map<string, number>> {
  const text = await (await fetch(`${t.metricsUrl}/metrics`)).text();
  return new Map([...text.matchAll(LOGIN_SERIES)].map((m) => [m[1], Number(m[2])]));
}

/** The series that moved between two scrapes, and by how much. */
function moved(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [series, value] of after) {
    const delta = value - (before.get(series) ?? 0);
    if (delta !== 0) out[series] = delta;
  }
  return out;
}

/** Runs `attempt` between two scrapes and returns what moved. */
async function movedBy(t: TestApp, attempt: () => Promise<void>): Promise<Record<string, number>> {
  const before = await loginSeries(t);
  await attempt();
  return moved(before, await loginSeries(t));
}

describe('metrics on their own port, without an enumeration oracle', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t.close();
  });

  it('serves /metrics only on METRICS_PORT (loopback here), not on the API port', async () => {
    assert.equal(t.running.metrics?.host, '127.0.0.1');
    assert.notEqual(new URL(t.metricsUrl).port, new URL(t.url).port);

    const api = await http(t.url, 'GET', '/metrics');
    assert.equal(api.status, 404);
    assert.equal(api.body.error_code, 'COMMON_1004');
    const docs = (await http(t.url, 'GET', '/docs-json')).body as { paths: Record<string, unknown> };
    assert.equal(docs.paths['/metrics'], undefined, 'not documented as an API route');

    const res = await fetch(`${t.metricsUrl}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(await res.text(), /process_resident_memory_bytes/);
  });

  it('serves nothing else on the metrics port', async () => {
    assert.equal((await fetch(`${t.metricsUrl}/`)).status, 404);
    assert.equal((await fetch(`${t.metricsUrl}/health/liveness`)).status, 404);
    assert.equal((await fetch(`${t.metricsUrl}/api/v1/auth/login`, { method: 'POST', body: '{}' })).status, 404);
    const post = await fetch(`${t.metricsUrl}/metrics`, { method: 'POST', body: 'x' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
  });

  it('moves the same series for a wrong password and an unknown account, by email and by username', async () => {
    const known = newIdentity('mk');
    assert.equal((await http(t.url, 'POST', '/api/v1/auth/register', { body: known })).status, 201);
    const fail = async (body: Record<string, string>): Promise<void> => {
      assert.equal((await http(t.url, 'POST', '/api/v1/auth/login', { body })).status, 401);
    };
    const stranger = newIdentity('mu');
    const byEmail = {
      known: await movedBy(t, () => fail({ email: known.email, password: 'Wrong-Passw0rd-1' })),
      unknown: await movedBy(t, () => fail({ email: stranger.email, password: 'Wrong-Passw0rd-1' })),
    };
    const byUsername = {
      known: await movedBy(t, () => fail({ username: known.username, password: 'Wrong-Passw0rd-1' })),
      unknown: await movedBy(t, () => fail({ username: stranger.username, password: 'Wrong-Passw0rd-1' })),
    };
    console.log('series moved by one failed login:', JSON.stringify(byEmail.known));
    const expected = {
      'login_attempts_total{result="failure"}': 1,
      'failed_logins_total{reason="invalid_credentials"}': 1,
    };
    assert.deepEqual(byEmail.known, expected);
    assert.deepEqual(byEmail.unknown, expected);
    assert.deepEqual(byUsername.known, expected);
    assert.deepEqual(byUsername.unknown, expected);

    const text = await (await fetch(`${t.metricsUrl}/metrics`)).text();
    assert.doesNotMatch(text, /unknown_account|bad_password/);
  });

  it('moves the same series when a known and an unknown email get locked', async () => {
    const known = newIdentity('ml');
    assert.equal((await http(t.url, 'POST', '/api/v1/auth/register', { body: known })).status, 201);
    const lock = (email: string) => async (): Promise<void> => {
      let status = 0;
      for (let i = 0; i < 6; i += 1) {
        status = (await http(t.url, 'POST', '/api/v1/auth/login', { body: { email, password: 'Wrong-Passw0rd-1' } }))
          .status;
      }
      assert.equal(status, 423, 'locked after MAX_LOGIN_ATTEMPTS');
    };
    const knownMoved = await movedBy(t, lock(known.email));
    const unknownMoved = await movedBy(t, lock(newIdentity('mv').email));
    console.log('series moved by a lockout:', JSON.stringify(knownMoved));
    assert.deepEqual(unknownMoved, knownMoved);
    assert.equal(knownMoved.account_lockouts_total, 1);
    assert.equal(knownMoved['failed_logins_total{reason="locked"}'], 1);
  });
});
