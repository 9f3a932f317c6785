import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { newCookieSecret } from '#src/crypto/cookie-secrets.js';
import { formatDataKey, newDataKey } from '#src/crypto/data-keys.js';
import { thumbprint } from '#src/modules/auth/signing-keys.js';

/**
 * `npm run keys:generate [-- --out <dir>] [--name <secret>] [--only signing-key|data-key|mfa-key|cookie-secret|service-token]`:
 * every secret production needs that is not an address (DATABASE_URL, REDIS_URL and
 * SMTP_URL come from whoever runs those), freshly drawn from node:crypto:
 *   JWT_PRIVATE_KEY / JWT_PUBLIC_KEY  an ES256 (P-256) pair; its kid is the RFC 7638 thumbprint
 *   DATA_ENCRYPTION_KEYS             one 32-byte AES-256-GCM key with a dated id
 *   MFA_ENCRYPTION_KEY               the 32-byte key that seals TOTP secrets (base64)
 *   COOKIE_SECRET                    signs the hosted pages' cookies (32 random bytes, base64url)
 *   ALLOWED_API_TOKENS               one service token (32 random bytes, base64url)
 * printed as .env lines and as a Kubernetes Secret manifest, or written to <dir>/secrets.env
 * and <dir>/secret.yaml (mode 0600). Nothing is sent anywhere or kept elsewhere.
 */
interface Secret {
  name: string;
  value: string;
  comment: string;
}

function signingKey(): Secret[] {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = thumbprint(createPublicKey(privateKey));
  return [
    {
      name: 'JWT_PRIVATE_KEY',
      value: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      comment: `ES256 signing key, kid ${kid}`,
    },
    {
      name: 'JWT_PUBLIC_KEY',
      value: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      comment: `its public key (kid ${kid}); after a rotation it moves to JWT_PREVIOUS_PUBLIC_KEYS`,
    },
  ];
}

const dataKey = (): Secret[] => [
  {
    name: 'DATA_ENCRYPTION_KEYS',
    value: formatDataKey(newDataKey()),
    comment: 'AES-256-GCM key for personal fields at rest (id:base64; prepend new keys to rotate)',
  },
];

const mfaKey = (): Secret[] => [
  {
    name: 'MFA_ENCRYPTION_KEY',
    value: randomBytes(32).toString('base64'),
    comment: 'AES-256-GCM key for TOTP secrets (32 bytes, base64)',
  },
];

const cookieSecret = (): Secret[] => [
  {
    name: 'COOKIE_SECRET',
    value: newCookieSecret(),
    comment: "signs the hosted pages' cookies (prepend a new one to rotate, comma-separated)",
  },
];

const serviceToken = (): Secret[] => [
  {
    name: 'ALLOWED_API_TOKENS',
    value: randomBytes(32).toString('base64url'),
    comment: 'service token for X-Service-Token (comma-separate several)',
  },
];

const PARTS: Record<string, () => Secret[]> = {
  'signing-key': signingKey,
  'data-key': dataKey,
  'mfa-key': mfaKey,
  'cookie-secret': cookieSecret,
  'service-token': serviceToken,
};

/** One .env line: PEM newlines written as \n, which the service reads back (contract §5). */
const envLine = (s: Secret): string => `# ${s.comment}\n${s.name}=${s.value.trim().replaceAll('\n', '\\n')}`;

function manifest(name: string, secrets: Secret[]): string {
  const lines = secrets.map((s) =>
    s.value.includes('\n')
      ? `  ${s.name}: |\n${s.value
          .trim()
          .split('\n')
          .map((l) => `    ${l}`)
          .join('\n')}`
      : `  ${s.name}: ${JSON.stringify(s.value)}`,
  );
  return `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\ntype: Opaque\nstringData:\n${lines.join('\n')}\n`;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      name: { type: 'string', default: 'user-service-secrets' },
      only: { type: 'string' },
    },
  });
  if (values.only !== undefined) {
    const part = PARTS[values.only];
    if (part === undefined) throw new Error(`--only: one of ${Object.keys(PARTS).join(', ')}`);
    // A single value (data-key, service-token) prints bare, for $(...) in a shell.
    const secrets = part();
    process.stdout.write(secrets.length === 1 ? `${secrets[0].value}\n` : `${secrets.map(envLine).join('\n')}\n`);
    return;
  }
  const secrets = Object.values(PARTS).flatMap((part) => part());
  const env = `${secrets.map(envLine).join('\n')}\n`;
  const yaml = manifest(values.name, secrets);
  if (values.out === undefined) {
    process.stdout.write(`${env}\n---\n${yaml}`);
    return;
  }
  mkdirSync(values.out, { recursive: true, mode: 0o700 });
  writeFileSync(join(values.out, 'secrets.env'), env, { mode: 0o600 });
  writeFileSync(join(values.out, 'secret.yaml'), yaml, { mode: 0o600 });
  process.stdout.write(`wrote ${join(values.out, 'secrets.env')} and ${join(values.out, 'secret.yaml')}\n`);
}

main();
