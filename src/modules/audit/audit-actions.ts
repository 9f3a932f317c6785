/** Every action the audit trail records (the admin audit route filters by them). */
export const AUDIT_ACTIONS = [
  'user.create',
  'user.update',
  'user.role_change',
  'user.delete',
  'user.unlock',
  'user.import',
  'session.revoke',
  'security.lockout',
  'security.password_reset',
  'security.refresh_reuse',
  'mfa.setup',
  'mfa.confirm',
  'mfa.disable',
  'mfa.admin_reset',
  'mfa.recovery_code_used',
  'mfa.recovery_codes_regenerated',
  'oauth_client.register',
  'oauth_client.rotate_secret',
  'oauth_client.delete',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];
