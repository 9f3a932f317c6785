import { createPrivateKey, createHmac, sign } from 'node:crypto';

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/** Builds a JWT by hand so tests can forge every kind of bad token. */
export function forgeJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  signer: { es256Pem?: string; hmacSecret?: string | Buffer; none?: true },
): string {
  const input = `${b64(header)}.${b64(payload)}`;
  if (signer.none === true) return `${input}.`;
  if (signer.hmacSecret !== undefined) {
    return `${input}.${createHmac('sha256', signer.hmacSecret).update(input).digest('base64url')}`;
  }
  const key = createPrivateKey(signer.es256Pem as string);
  return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

export function decodePayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}
