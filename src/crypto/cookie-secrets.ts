import { randomBytes } from 'node:crypto';
import type { AppConfig } from '#src/config/app-config.js';
import { devKey } from '#src/common/dev-key.js';

/** A fresh cookie secret: 32 random bytes, base64url (43 characters). */
export const newCookieSecret = (): string => randomBytes(32).toString('base64url');

/**
 * The secrets that sign the hosted pages' cookies (the first signs, all verify): COOKIE_SECRET,
 * or outside production one generated once under DATA_DIR/keys, like the other dev keys.
 */
export function resolveCookieSecrets(config: AppConfig): string[] {
  if (config.cookieSecrets !== undefined) return config.cookieSecrets;
  if (config.isProduction) throw new Error('COOKIE_SECRET: required in production');
  return [devKey(config.dataDir, 'cookie-secret', newCookieSecret).trim()];
}
