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
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];
