/**
 * Every user lifecycle event of contract §3 and its payload, in one place. Payloads carry
 * what downstream services need; never a secret, hash or token.
 */
import { randomUUID } from 'node:crypto';
import { captureTraceContext } from '#src/common/tracing/trace-context.js';

export const EVENT_VERSION = '1.2.0';
export const EVENT_PRODUCER = 'user-service';

interface UserSnapshot {
  user_id: string;
  email: string;
  username: string | null;
  name: string;
  role: string;
}

export interface UserEventPayloads {
  'user.created': UserSnapshot & {
    is_verified: boolean;
    source: 'register' | 'admin' | 'import' | 'bootstrap' | 'legacy';
  };
  'user.updated': { user_id: string; updated_fields: string[]; actor_id: string | null };
  'user.deleted': { user_id: string; actor_id: string | null };
  'user.logged_in': {
    user_id: string;
    session_id: string;
    ip_address: string | null;
    user_agent: string | null;
    /** Since 1.2.0: the OAuth client a sign-in through the OpenID provider was for; absent for /api/v1 logins. */
    client_id?: string;
  };
  'user.logged_out': { user_id: string; session_ids: string[]; reason: string };
  'user.password_changed': { user_id: string; reason: 'change' | 'reset' };
  'user.role_changed': { user_id: string; old_role: string; new_role: string; actor_id: string | null };
  'user.locked': { user_id: string; locked_until: string; failed_attempts: number };
  'user.email_verified': { user_id: string; email: string };
  'user.mfa_enabled': { user_id: string };
  'user.mfa_disabled': { user_id: string; actor_id: string | null; reason: 'disabled' | 'admin_reset' };
}

export type UserEventType = keyof UserEventPayloads;

export const USER_EVENT_TYPES: UserEventType[] = [
  'user.created',
  'user.updated',
  'user.deleted',
  'user.logged_in',
  'user.logged_out',
  'user.password_changed',
  'user.role_changed',
  'user.locked',
  'user.email_verified',
  'user.mfa_enabled',
  'user.mfa_disabled',
];

export interface UserEvent<T extends UserEventType = UserEventType> {
  type: T;
  userId: string;
  data: UserEventPayloads[T];
}

/** The Kafka message value: the JSON envelope downstream services consume. */
export interface EventEnvelope {
  event_id: string;
  event_type: UserEventType;
  version: string;
  occurred_at: string;
  producer: string;
  data: Record<string, unknown>;
}

/** The anonymised identity an erased user keeps: the user row and its recorded events carry it. */
export function erasedIdentity(userId: string): { email: string; name: string; username: null } {
  return { email: `erased+${userId}@erased.invalid`, name: 'Erased user', username: null };
}

type ErasurePatches = { [T in UserEventType]?: Partial<UserEventPayloads[T]> };

/**
 * What erasure overwrites in each recorded event of the user, so that nothing but the
 * user id (and the anonymised identity derived from it) is left. The payloads keep their
 * 1.0.0 shape, so a rewritten row that is published later still matches the schema
 * (docs/events). Types not named here carry no personal data. Exhaustive on purpose: a new
 * event type must be listed in `PERSONAL_FIELDS_BY_TYPE` below (user-events.spec.ts checks both agree).
 */
export function erasurePatches(userId: string): ErasurePatches {
  const identity = erasedIdentity(userId);
  return {
    'user.created': { email: identity.email, username: identity.username, name: identity.name },
    'user.logged_in': { ip_address: null, user_agent: null },
    'user.email_verified': { email: identity.email },
  };
}

/** Personal fields per event type (besides user_id); erasure must patch each of them. */
export const PERSONAL_FIELDS_BY_TYPE: { [T in UserEventType]: (keyof UserEventPayloads[T])[] } = {
  'user.created': ['email', 'username', 'name'],
  'user.updated': [],
  'user.deleted': [],
  'user.logged_in': ['ip_address', 'user_agent'],
  'user.logged_out': [],
  'user.password_changed': [],
  'user.role_changed': [],
  'user.locked': [],
  'user.email_verified': ['email'],
  'user.mfa_enabled': [],
  'user.mfa_disabled': [],
};

/** An outbox row as every writer of events stores it (the relay reads them back in id order). */
export interface OutboxRow {
  event_id: string;
  event_type: string;
  aggregate_id: string;
  payload: unknown;
}

/** The row of `event`, with its event id drawn here. */
export function outboxRow(event: UserEvent): OutboxRow {
  return { event_id: randomUUID(), event_type: event.type, aggregate_id: event.userId, payload: event.data };
}

/**
 * The trace context rows written now carry for the relay to continue (the request's, when
 * tracing is on), as the JSON of the `trace_context` column.
 */
export function outboxTraceContext(): string | null {
  const context = captureTraceContext();
  return context === null ? null : JSON.stringify(context);
}
