import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { AppWithAdmin } from '../utils/factories.js';
import { registerClient, relyingPartyTools, startOidcApp, TOOLS_TIMEOUT_MS } from '../utils/relying-parties.js';

const ROOT = new URL('../../..', import.meta.url).pathname;
const ADMIN = { email: 'authlib-admin@example.com', password: 'Admin-Passw0rd-Long' };

/** Runs scripts/relying-parties/authlib_client.py with the venv's Python; its JSON report and exit code. */
async function runAuthlib(args: string[]): Promise<{ code: number | null; report: any; output: string }> {
  const python = process.env.RP_AUTHLIB_PYTHON;
  assert.ok(python, 'RP_AUTHLIB_PYTHON is not set');
  const child = spawn(python, [`${ROOT}scripts/relying-parties/authlib_client.py`, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearTimeout(timer);
  let report: unknown = null;
  try {
    report = JSON.parse(out.trim().split('\n').pop() ?? 'null');
  } catch {
    // reported below through the exit code and output
  }
  return { code, report, output: `${out}\n${err}` };
}

/**
 * A Python service as a relying party (Authlib's OAuth2Session, PyPI): discovery validated by
 * Authlib's metadata rules, client_credentials, introspection (RFC 7662) before and after
 * revocation (RFC 7009), and a wrong secret refused as `invalid_client`.
 */
describe('authlib (Python) against our provider', () => {
  let app: AppWithAdmin & { issuer: string };

  before(
    async () => {
      await relyingPartyTools('authlib');
      app = await startOidcApp(ADMIN);
    },
    { timeout: TOOLS_TIMEOUT_MS },
  );
  after(async () => {
    await app?.close();
  });

  it('gets a client_credentials token, introspects it, revokes it and sees it inactive', async (ctx) => {
    const client = await registerClient(app.t.url, app.admin, {
      name: 'reports-service (authlib)',
      grant_types: ['client_credentials'],
      redirect_uris: [],
      scopes: ['users:read'],
      audience: 'https://reports.example.com',
      first_party: true,
    });
    const run = await runAuthlib([app.issuer, client.clientId, client.clientSecret, 'users:read']);
    ctx.diagnostic(run.output.trim());
    assert.equal(run.code, 0, run.output);
    assert.equal(run.report.discovery.issuer, app.issuer);
    // OpenID Connect Discovery 1.0 §3 requires RS256 in id_token_signing_alg_values_supported;
    // with ES256 keys only, the provider lists ES256 (docs/decisions.md, "Relying-party and
    // browser tests"). Any other field Authlib refuses fails the test.
    assert.deepEqual(
      run.report.metadata_errors.filter((e: string) => !/"RS256" MUST be included/.test(e)),
      [],
      'discovery fields Authlib refuses',
    );
    assert.equal(run.report.introspection.active, true);
    assert.equal(run.report.introspection.client_id, client.clientId);
    assert.equal(run.report.introspection.aud, 'https://reports.example.com', 'the per-client audience');
    assert.match(String(run.report.introspection.scope), /\busers:read\b/);
    assert.deepEqual(run.report.after_revocation, { active: false });
    assert.deepEqual(run.report.unknown_token, { active: false });
    assert.equal(run.report.wrong_secret, 'invalid_client');
  });
});
