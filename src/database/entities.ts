import { AuditEntry } from '#src/modules/audit/audit-entry.entity.js';
import { MfaRecoveryCode } from '#src/modules/auth/mfa/mfa-recovery-code.entity.js';
import { MfaTotpSecret } from '#src/modules/auth/mfa/mfa-totp-secret.entity.js';
import { OneTimeToken } from '#src/modules/auth/one-time-token.entity.js';
import { PasswordHistoryEntry } from '#src/modules/auth/password-history/password-history.entity.js';
import { OAuthClient } from '#src/modules/oidc/oauth-client.entity.js';
import { OidcPayload } from '#src/modules/oidc/oidc-payload.entity.js';
import { OutboxEvent } from '#src/modules/events/outbox-event.entity.js';
import { Badge } from '#src/modules/profile-extras/badge.entity.js';
import { LearningGoal } from '#src/modules/profile-extras/learning-goal.entity.js';
import { Session } from '#src/modules/sessions/session.entity.js';
import { SpentRefreshToken } from '#src/modules/sessions/spent-refresh-token.entity.js';
import { LoginHistory } from '#src/modules/users/login-history.entity.js';
import { User } from '#src/modules/users/user.entity.js';

/** Every entity, listed so the data source needs no file globbing at start. */
export const ENTITIES = [
  User,
  LoginHistory,
  AuditEntry,
  OutboxEvent,
  Session,
  SpentRefreshToken,
  OneTimeToken,
  PasswordHistoryEntry,
  Badge,
  LearningGoal,
  MfaTotpSecret,
  MfaRecoveryCode,
  OAuthClient,
  OidcPayload,
];
