import type { MigrationInterface, QueryRunner } from 'typeorm';
import { canonicalIdentifier } from '#src/common/text/identifiers.js';

/**
 * Data only: rewrites stored emails into the canonical form every lookup now uses (NFKC,
 * lower-cased by JavaScript: docs/decisions.md, "Identifiers and Unicode"). Emails were
 * stored trimmed and lower-cased before, so only those with a non-ASCII character can
 * differ. An email whose canonical form another account already holds is left as it was (the
 * two accounts cannot both own one address; an operator decides), and reported by the query
 * in docs/operations.md. `down` keeps the canonical form: it is a valid spelling of the same
 * address.
 */
export class CanonicalEmails1795400000000 implements MigrationInterface {
  name = 'CanonicalEmails1795400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const rows = (await queryRunner.query("SELECT id, email FROM users WHERE email ~ '[^\\x01-\\x7f]'")) as {
      id: string;
      email: string;
    }[];
    for (const { id, email } of rows) {
      const canonical = canonicalIdentifier(email);
      if (canonical === email) continue;
      await queryRunner.query(
        'UPDATE users SET email = $1 WHERE id = $2 AND NOT EXISTS (SELECT 1 FROM users WHERE email = $1)',
        [canonical, id],
      );
    }
  }

  async down(): Promise<void> {
    // Nothing to undo: the canonical form names the same address.
  }
}
