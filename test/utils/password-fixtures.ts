import { readFileSync } from 'node:fs';

/** One password hash made by a reference tool, with the password it hashes. */
export interface PasswordFixture {
  id: string;
  algorithm: string;
  variant: string;
  password: string;
  hash: string;
}

/**
 * Hashes made by werkzeug, pyca/bcrypt and argon2-cffi (test/fixtures/generate-hashes.py),
 * read once for every test file that needs them.
 */
export const PASSWORD_FIXTURES: PasswordFixture[] = (
  JSON.parse(readFileSync(new URL('../../../test/fixtures/password-hashes.json', import.meta.url), 'utf8')) as {
    hashes: PasswordFixture[];
  }
).hashes;
