import { createHmac } from 'node:crypto';

/**
 * An RFC 6238 implementation of the tests' own (node:crypto HMAC, RFC 4226 dynamic
 * truncation), so the tests never compute codes with the library the service uses. Checked
 * against the RFC's appendix B vectors in mfa.e2e-spec.ts.
 */

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32Decode(text: string): Buffer {
  const clean = text.toUpperCase().replace(/=+$/, '');
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const index = BASE32.indexOf(ch);
    if (index < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** HOTP (RFC 4226) with SHA-1 over the 8-byte big-endian counter, `digits` long. */
export function hotp(key: Buffer, counter: number, digits: number): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(message).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The time step of `unixSeconds` (30 s steps from T0 = 0). */
const stepOf = (unixSeconds: number): number => Math.floor(unixSeconds / 30);

/** The 6-digit code of a base32 secret at a time step. */
export function totpAt(secretBase32: string, step: number): string {
  return hotp(base32Decode(secretBase32), step, 6);
}

const used = new Map<string, Set<number>>();

/**
 * A code the service has not seen yet for this secret: the current step's, else the next
 * or the previous one (both inside the ±1 window). Each step is handed out once, as the
 * service accepts each once. Throws when the three are spent (wait for the next step).
 */
export function freshCode(secretBase32: string): string {
  const now = stepOf(Date.now() / 1000);
  const spent = used.get(secretBase32) ?? new Set<number>();
  used.set(secretBase32, spent);
  for (const step of [now, now + 1, now - 1]) {
    if (!spent.has(step)) {
      spent.add(step);
      return totpAt(secretBase32, step);
    }
  }
  throw new Error('every code of the window is spent for this secret');
}

/** A 6-digit code that is none of the window's codes for this secret. */
export function wrongCode(secretBase32: string): string {
  const now = stepOf(Date.now() / 1000);
  const valid = new Set([-2, -1, 0, 1, 2].map((d) => totpAt(secretBase32, now + d)));
  for (let n = 0; ; n += 1) {
    const candidate = String((123456 + n * 7919) % 1_000_000).padStart(6, '0');
    if (!valid.has(candidate)) return candidate;
  }
}
