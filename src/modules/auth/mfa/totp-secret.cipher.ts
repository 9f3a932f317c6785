import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { devKey } from '#src/common/dev-key.js';
import { AppException } from '#src/common/errors/app.exception.js';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';

const VERSION = 'v1';

/**
 * AES-256-GCM for the stored TOTP secrets: `v1.<key id>.<iv>.<ciphertext>.<tag>` (base64url),
 * with the user id as associated data, so a secret copied onto another user's row does not
 * decrypt. The key id in the text lets a general key ring (several keys, rotation) take this
 * over without rewriting rows. MFA_ENCRYPTION_KEY, or outside production a key generated
 * under DATA_DIR/keys like the signing keys; in production without it, no secret can be
 * stored (setup answers 503) and the module refuses to start once secrets exist.
 */
@Injectable()
export class TotpSecretCipher {
  private readonly key: Buffer | null;
  private readonly kid: string;

  constructor(@InjectConfig() config: AppConfig) {
    this.key =
      config.mfa.encryptionKey ??
      (config.isProduction
        ? null
        : Buffer.from(
            devKey(config.dataDir, 'mfa-encryption.key', () => randomBytes(32).toString('base64url')),
            'base64url',
          ));
    this.kid = this.key === null ? '' : createHash('sha256').update(this.key).digest('base64url').slice(0, 8);
  }

  get available(): boolean {
    return this.key !== null;
  }

  encrypt(userId: string, secret: string): string {
    const key = this.requireKey();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(userId));
    const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return [VERSION, this.kid, iv, body, cipher.getAuthTag()]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  decrypt(userId: string, stored: string): string {
    const key = this.requireKey();
    const [version, kid, iv, body, tag] = stored.split('.');
    if (version !== VERSION || kid !== this.kid || iv === undefined || body === undefined || tag === undefined) {
      throw new Error('TOTP secret: unknown format or key id (was MFA_ENCRYPTION_KEY changed?)');
    }
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
      .setAAD(Buffer.from(userId))
      .setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }

  private requireKey(): Buffer {
    if (this.key === null) throw new AppException('COMMON_1503', 'MFA is unavailable: MFA_ENCRYPTION_KEY is not set');
    return this.key;
  }
}
