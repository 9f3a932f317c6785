/**
 * `npm run bench:oidc`: the latency of the authorization code flow's token call (POST
 * /oidc/token, grant_type=authorization_code with PKCE, client_secret_basic), measured from
 * openid-client over loopback, one flow at a time: a bounded loop (BENCH_OIDC_FLOWS, default
 * 200) after one sign-in, each flow getting its code through the provider session (no
 * password check in the loop). Prints p50/p90/p99 in ms. Not a test: nothing asserts a time.
 */
import * as oidc from 'openid-client';
import { freePort } from '../test/utils/app.js';
import { createTestDatabase } from '../test/utils/database.js';
import { registerAndLogin, startWithAdmin } from '../test/utils/factories.js';
import { http } from '../test/utils/http.js';
import { FormBrowser, formAction, hiddenFields } from '../test/utils/oidc-browser.js';

const FLOWS = Number(process.env.BENCH_OIDC_FLOWS ?? 200);
const REDIRECT = 'https://rp.example.com/callback';
const ADMIN = { email: 'bench-admin@example.com', password: 'Admin-Passw0rd-Long' };

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
// A database of its own, migrated by the service at start (no test template outside `npm test`).
const db = await createTestDatabase({ empty: true });
const s = await startWithAdmin(ADMIN, {
  port,
  databaseUrl: db.url,
  env: { PUBLIC_URL: base, LOG_LEVEL: 'silent', RUN_MIGRATIONS: 'true' },
});
try {
  const registered = await http(base, 'POST', '/api/v1/oauth-clients', {
    token: s.admin,
    body: { name: 'bench', redirect_uris: [REDIRECT], grant_types: ['authorization_code'], first_party: true },
  });
  const { client_id: clientId, client_secret: secret } = registered.body as {
    client_id: string;
    client_secret: string;
  };
  const config = await oidc.discovery(new URL(`${base}/oidc`), clientId, secret, undefined, {
    execute: [oidc.allowInsecureRequests],
  });
  const user = await registerAndLogin(base);
  const browser = new FormBrowser();
  const times: number[] = [];
  for (let i = 0; i < FLOWS + 1; i++) {
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    let step = await browser.go(url.href);
    if (step.location === null) {
      step = await browser.go(new URL(formAction(step.body, '/login'), base).href, {
        method: 'POST',
        form: {
          ...hiddenFields(step.body, '/login'),
          identifier: user.identity.email,
          password: user.identity.password,
        },
      });
    }
    const callback = new URL(step.location as string);
    const started = performance.now();
    await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier });
    // The first flow warms the JIT and the pools; it is not counted.
    if (i > 0) times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q: number): string =>
    (times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)] ?? 0).toFixed(1);
  process.stdout.write(
    `OIDC token call (authorization_code + PKCE, client_secret_basic), ${times.length} flows, one at a time:\n` +
      `  p50 ${at(0.5)} ms  p90 ${at(0.9)} ms  p99 ${at(0.99)} ms  max ${at(1)} ms\n`,
  );
} finally {
  await s.close();
  await db.drop();
}
