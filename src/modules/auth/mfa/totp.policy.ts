import { Secret, TOTP } from 'otpauth';

/**
 * TOTP as contract §1 fixes it (RFC 6238): SHA-1, 6 digits, 30 s steps, a code of the step
 * before or after the server's accepted. `otpauth` computes codes and otpauth:// URLs.
 */
const TOTP_PERIOD_SECONDS = 30;
const DIGITS = 6;
const WINDOW = 1;
/** 160 bits, the HMAC-SHA-1 block RFC 4226 recommends. */
const SECRET_BYTES = 20;

/** How long an accepted step stays refused: past the last moment the window accepts it. */
export const USED_STEP_TTL_SECONDS = TOTP_PERIOD_SECONDS * (2 * WINDOW + 2);

export function newTotpSecret(): string {
  return new Secret({ size: SECRET_BYTES }).base32;
}

function totpOf(secret: string, issuer = '', label = 'account'): TOTP {
  return new TOTP({
    issuer,
    label,
    algorithm: 'SHA1',
    digits: DIGITS,
    period: TOTP_PERIOD_SECONDS,
    secret: Secret.fromBase32(secret),
  });
}

/** The URL authenticator apps read (usually from the QR code). */
export function otpauthUrl(secret: string, issuer: string, label: string): string {
  return totpOf(secret, issuer, label).toString();
}

/** Spaces are allowed in what users type ("123 456"); anything else that is not 6 digits fails. */
function normaliseCode(code: string): string {
  return code.replace(/\s+/g, '');
}

/**
 * The time step a code belongs to when it is valid at `nowMs` (±1 step), else null. The
 * step, not the code, is what replay protection remembers.
 */
export function matchingStep(secret: string, code: string, nowMs: number): number | null {
  const token = normaliseCode(code);
  if (!/^\d{6}$/.test(token)) return null;
  const totp = totpOf(secret);
  const delta = totp.validate({ token, timestamp: nowMs, window: WINDOW });
  return delta === null ? null : totp.counter({ timestamp: nowMs }) + delta;
}
