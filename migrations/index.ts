import { Initial1795305058052 } from './1795305058052-Initial.js';
import { ProfileExtras1795306449961 } from './1795306449961-ProfileExtras.js';
import { CanonicalEmails1795400000000 } from './1795400000000-CanonicalEmails.js';
import { ErasureAndTokenBinding1796065353262 } from './1796065353262-ErasureAndTokenBinding.js';
import { SealedFieldsAndPasswordHistory1796083886752 } from './1796083886752-SealedFieldsAndPasswordHistory.js';
import { Mfa1796090000000 } from './1796090000000-Mfa.js';
import { OutboxTraceContext1796500000000 } from './1796500000000-OutboxTraceContext.js';
import { Oidc1796600000000 } from './1796600000000-Oidc.js';
import { SignInInOneStatement1796700000000 } from './1796700000000-SignInInOneStatement.js';

/** Every migration in order. Never edit one after it is committed; add a new one. */
export const MIGRATIONS = [
  Initial1795305058052,
  ProfileExtras1795306449961,
  CanonicalEmails1795400000000,
  ErasureAndTokenBinding1796065353262,
  SealedFieldsAndPasswordHistory1796083886752,
  Mfa1796090000000,
  OutboxTraceContext1796500000000,
  Oidc1796600000000,
  SignInInOneStatement1796700000000,
];
