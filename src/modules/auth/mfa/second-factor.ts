import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';

/** The second-step methods; passkeys (WebAuthn) will join as another name and method. */
export type MfaMethodName = 'totp' | 'recovery_code';

/** What a request may carry as a second factor: one field per method. */
export interface SecondFactorProof {
  code?: string;
  recovery_code?: string;
}

/** One way to pass the second step. SecondFactorService tries the one the request carries. */
export interface SecondFactorMethod {
  readonly name: MfaMethodName;
  /** The value this method reads from the request, or undefined when it carries none. */
  proofOf(proof: SecondFactorProof): string | undefined;
  /** True when the value proves the factor now; a true answer spends what must not work twice. */
  verify(userId: string, value: string, meta: RequestMeta): Promise<boolean>;
}
