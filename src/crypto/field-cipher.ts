import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** One data-encryption key: 32 bytes for AES-256-GCM, named by an id stored with every value. */
export interface DataKey {
  id: string;
  key: Buffer;
}

/** Every sealed value starts so; anything else in an encrypted column is a value from before encryption. */
const PREFIX = 'enc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals personal fields for storage with AES-256-GCM (node:crypto; no hand-made mode):
 * `enc:v1:<key id>:<base64url(iv | ciphertext | tag)>`. The first key seals, every key opens,
 * so keys rotate without a flag day. The column's name is authenticated data: a value copied
 * into another encrypted column does not open. docs/decisions.md, "Encryption at rest".
 */
export class FieldCipher {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly active: DataKey;
  private readonly activePrefix: string;

  constructor(keys: readonly DataKey[]) {
    if (keys.length === 0) throw new Error('FieldCipher: at least one data-encryption key is needed');
    for (const k of keys) {
      if (k.key.length !== 32) throw new Error(`FieldCipher: key ${k.id} must be 32 bytes`);
    }
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
    this.active = keys[0];
    this.activePrefix = `${PREFIX}${this.active.id}:`;
  }

  get activeKeyId(): string {
    return this.active.id;
  }

  /** The stored form of `plaintext` under the active key; null stays null. */
  seal(plaintext: string | null, column: string): string | null {
    if (plaintext === null) return null;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.active.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(column));
    const body = Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${this.activePrefix}${body.toString('base64url')}`;
  }

  /**
   * The plaintext of a stored value. A value without the prefix was written before
   * encryption and is returned as it is (keys:reencrypt seals it). An unknown key id or a
   * value that fails authentication throws: that is a missing key or tampering, never data.
   */
  open(stored: string | null, column: string): string | null {
    if (stored === null || !stored.startsWith(PREFIX)) return stored;
    const sep = stored.indexOf(':', PREFIX.length);
    const id = stored.slice(PREFIX.length, sep);
    const key = sep < 0 ? undefined : this.keys.get(id);
    if (key === undefined) throw new Error(`FieldCipher: no data-encryption key "${id}" for ${column}`);
    const body = Buffer.from(stored.slice(sep + 1), 'base64url');
    if (body.length < IV_BYTES + TAG_BYTES) throw new Error(`FieldCipher: truncated value in ${column}`);
    const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(column));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  }

  /** Whether a stored value is already sealed under the active key (null counts as current). */
  isCurrent(stored: string | null): boolean {
    return stored === null || stored.startsWith(this.activePrefix);
  }
}
