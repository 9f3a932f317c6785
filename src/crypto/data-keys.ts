import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '#src/config/app-config.js';
import type { DataKey } from './field-cipher.js';

/** `id:base64` pairs, comma-separated, the first one active: the DATA_ENCRYPTION_KEYS format. */
export function parseDataKeys(value: string): DataKey[] {
  return value
    .split(',')
    .map((pair) => pair.trim())
    .filter((pair) => pair !== '')
    .map((pair) => {
      const sep = pair.indexOf(':');
      return { id: pair.slice(0, sep), key: Buffer.from(pair.slice(sep + 1), 'base64') };
    });
}

export const formatDataKey = (key: DataKey): string => `${key.id}:${key.key.toString('base64')}`;

/** A new key with a date-based id, e.g. `k20261130a1b2`. */
export function newDataKey(now = new Date()): DataKey {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  return { id: `k${day}${randomBytes(2).toString('hex')}`, key: randomBytes(32) };
}

/**
 * The configured keys; outside production, when none are configured, one generated once and
 * kept under DATA_DIR/keys (like the development signing key), so `npm start` works as cloned.
 */
export function resolveDataKeys(config: AppConfig): DataKey[] {
  if (config.dataEncryptionKeys !== undefined) return config.dataEncryptionKeys;
  if (config.isProduction) throw new Error('DATA_ENCRYPTION_KEYS: required in production');
  const dir = join(config.dataDir, 'keys');
  const path = join(dir, 'data-encryption.key');
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(path, formatDataKey(newDataKey()), { mode: 0o600 });
  }
  return parseDataKeys(readFileSync(path, 'utf8'));
}
