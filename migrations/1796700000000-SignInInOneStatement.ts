import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The writes of a successful sign-in as one function, so a login's transaction is one
 * statement and one round trip instead of six (BEGIN, the user's advisory lock, the user row
 * and login history, the session with the eviction of those past the limit, the outbox rows,
 * COMMIT). The function is VOLATILE plpgsql: each statement after the lock takes a new
 * snapshot, so it sees whatever the lock's previous holder committed, as the transaction it
 * replaces did. docs/performance.md ("Login in one statement").
 */
export class SignInInOneStatement1796700000000 implements MigrationInterface {
  name = 'SignInInOneStatement1796700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
CREATE FUNCTION sign_in_write(
  p_user_id text,
  p_rehash character varying,
  p_ip character varying,
  p_user_agent character varying,
  p_session_id uuid,
  p_refresh_token_hash character varying,
  p_expires_at timestamptz,
  p_keep_others integer,
  p_events jsonb,
  p_eviction_event jsonb,
  p_trace_context jsonb
) RETURNS text[]
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  v_user uuid := p_user_id::uuid;
  v_evicted text[];
BEGIN
  -- The user's lock first, as TransactionRunner.runForUser takes it: the user's transactions
  -- commit one after another, and their outbox rows get ids in commit order.
  PERFORM pg_advisory_xact_lock(hashtext(p_user_id));
  -- The user row before the sessions: the order every transaction touching both keeps.
  UPDATE users SET last_login_at = now(), updated_at = now(), password_hash = COALESCE(p_rehash, password_hash)
   WHERE id = v_user;
  INSERT INTO login_history (user_id, ip, user_agent, success, reason) VALUES (v_user, p_ip, p_user_agent, true, NULL);
  WITH ended AS (
    UPDATE sessions SET revoked_at = now(), revoked_reason = 'session_limit'
     WHERE id IN (
       SELECT s.id FROM sessions s WHERE s.user_id = v_user AND s.revoked_at IS NULL AND s.expires_at > now()
        ORDER BY s.created_at DESC, s.id DESC OFFSET p_keep_others
     ) RETURNING id
  )
  SELECT COALESCE(array_agg(ended.id::text), '{}') INTO v_evicted FROM ended;
  INSERT INTO sessions (id, user_id, refresh_token_hash, ip_address, user_agent, expires_at, last_used_at)
  VALUES (p_session_id, v_user, p_refresh_token_hash, p_ip, p_user_agent, p_expires_at, now());
  INSERT INTO outbox_events (event_id, event_type, aggregate_id, payload, trace_context)
  SELECT (e.value->>'event_id')::uuid, e.value->>'event_type', (e.value->>'aggregate_id')::uuid, e.value->'payload', p_trace_context
    FROM jsonb_array_elements(p_events) WITH ORDINALITY AS e(value, n)
   ORDER BY e.n;
  -- The sessions this one pushed past the limit end with a user.logged_out event naming them.
  IF cardinality(v_evicted) > 0 AND p_eviction_event IS NOT NULL THEN
    INSERT INTO outbox_events (event_id, event_type, aggregate_id, payload, trace_context)
    VALUES ((p_eviction_event->>'event_id')::uuid, p_eviction_event->>'event_type',
            (p_eviction_event->>'aggregate_id')::uuid,
            (p_eviction_event->'payload') || jsonb_build_object('session_ids', to_jsonb(v_evicted)),
            p_trace_context);
  END IF;
  -- The ids of the sessions it ended, for their Redis keys.
  RETURN v_evicted;
END
$fn$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'DROP FUNCTION sign_in_write(text, character varying, character varying, character varying, uuid, character varying, timestamptz, integer, jsonb, jsonb, jsonb)',
    );
  }
}
