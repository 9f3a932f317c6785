import { Inject, Injectable } from '@nestjs/common';
import { AppException } from '#src/common/errors/app.exception.js';
import { KV_STORE, type KvStore } from '#src/kv/kv-store.js';
import { hashToken, isOpaqueTokenShape, newOpaqueToken } from '#src/modules/sessions/token-hash.js';

/** Five minutes to type the code. */
export const MFA_TOKEN_TTL_SECONDS = 300;

export interface MfaChallenge {
  userId: string;
  /** The password hash's fingerprint when the password was checked: a change in between kills the token. */
  passwordFingerprint: string;
}

const key = (token: string): string => `mfa:challenge:${hashToken(token)}`;
const spentKey = (token: string): string => `mfa:challenge-spent:${hashToken(token)}`;

/**
 * The `mfa_token` between the password and the second step: opaque, kept only as a hash in
 * the shared store for five minutes, bound to the user and the password check, and good
 * for one successful second step. Wrong codes do not spend it; the lockout bounds them.
 */
@Injectable()
export class MfaChallengeService {
  constructor(@Inject(KV_STORE) private readonly kv: KvStore) {}

  async issue(challenge: MfaChallenge): Promise<string> {
    const token = newOpaqueToken();
    await this.guard(() => this.kv.set(key(token), JSON.stringify(challenge), MFA_TOKEN_TTL_SECONDS));
    return token;
  }

  /** The live challenge of a token, or null (unknown, spent or expired). */
  async find(token: string): Promise<MfaChallenge | null> {
    if (!isOpaqueTokenShape(token)) return null;
    const raw = await this.guard(() => this.kv.get(key(token)));
    return raw === null ? null : (JSON.parse(raw) as MfaChallenge);
  }

  /** Spends the token; false when another request spent it first. */
  async spend(token: string): Promise<boolean> {
    const first = await this.guard(() => this.kv.setIfAbsent(spentKey(token), '1', MFA_TOKEN_TTL_SECONDS));
    if (first) await this.kv.del(key(token)).catch(() => undefined);
    return first;
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch {
      throw new AppException('COMMON_1503', 'The second login step is unavailable right now');
    }
  }
}
