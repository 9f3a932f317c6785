import { Injectable } from '@nestjs/common';
import { FieldCipher } from '#src/crypto/field-cipher.js';
import type { User } from './user.entity.js';

type Sealed = Pick<User, 'phone' | 'businessNumber'>;

/** The users columns stored encrypted, with the column name each value is bound to. */
const SEALED: readonly (readonly [keyof Sealed, string])[] = [
  ['phone', 'users.phone'],
  ['businessNumber', 'users.business_number'],
];

/**
 * The user's personal fields beyond what login needs (phone, business number) as they are
 * stored: sealed by FieldCipher in PostgreSQL and in the user cache, plain in memory.
 * Email and username stay plain: they are lookup keys (docs/decisions.md, "Encryption at rest").
 */
@Injectable()
export class SealedUserFields {
  constructor(private readonly cipher: FieldCipher) {}

  /** `changes` with every encrypted field it carries sealed under the active key. */
  seal<T extends Partial<Sealed>>(changes: T): T {
    let out = changes;
    for (const [field, column] of SEALED) {
      const value = changes[field];
      if (value !== undefined) out = { ...out, [field]: this.cipher.seal(value, column) };
    }
    return out;
  }

  /** Opens the encrypted fields of a row read from storage, in place. */
  open<T extends Partial<Sealed>>(row: T): T {
    for (const [field, column] of SEALED) {
      const value = row[field];
      if (value !== undefined && value !== null) row[field] = this.cipher.open(value, column);
    }
    return row;
  }

  /** Whether every encrypted field of the stored row is sealed under the active key. */
  isCurrent(stored: Partial<Sealed>): boolean {
    return SEALED.every(([field]) => this.cipher.isCurrent(stored[field] ?? null));
  }
}
