import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reads a dev key from DATA_DIR/keys, or generates and keeps it there (the signing keys,
 * the MFA encryption key): `npm start` works on a fresh clone, and restarts keep the key.
 * Never used in production, where the keys are configured.
 */
export function devKey(dataDir: string, file: string, generate: () => string): string {
  const dir = join(dataDir, 'keys');
  const path = join(dir, file);
  if (existsSync(path)) return readFileSync(path, 'utf8');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const material = generate();
  writeFileSync(path, material, { mode: 0o600 });
  return material;
}
