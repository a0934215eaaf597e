-- 002_auth.sql: staff sign-in and credentials: sessions, password reset and
-- invitation tokens, sign-in throttling, MFA (TOTP, emailed codes, backup
-- codes), per-store API keys, the outbox for mail, the last-owner rule, and
-- prices up to 999999.99 in currencies with three decimals.
-- Applied once by `colmena migrate` as the owner role, in one transaction.

-- A price may be 999999.99 major units in any currency: 999999.990 BHD is
-- 999999990 minor units.
ALTER TABLE products DROP CONSTRAINT products_price_minor_check;
ALTER TABLE products ADD CONSTRAINT products_price_minor_check
    CHECK (price_minor > 0 AND price_minor <= 999999990);

-- Sign-in state kept with the person. password_changed_at ends every JWT
-- issued before it; MFA is at most one method (plus backup codes).
ALTER TABLE users
    ADD COLUMN password_changed_at  timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN mfa_method           text CHECK (mfa_method IN ('totp', 'email')),
    ADD COLUMN totp_secret          text,   -- base32, while enrolled
    ADD COLUMN totp_pending         text,   -- base32, enrolment not confirmed
    ADD COLUMN totp_last_step       bigint, -- the last step accepted: no reuse
    ADD COLUMN email_code_hash      bytea,  -- SHA-256 of the emailed code
    ADD COLUMN email_code_expires_at timestamptz,
    ADD CONSTRAINT users_totp_enrolled
        CHECK (mfa_method IS DISTINCT FROM 'totp' OR totp_secret IS NOT NULL);

-- Failed sign-ins per email address, known or not (so a locked answer says
-- nothing about whether the address has an account). Every process and every
-- node reads the same row.
CREATE TABLE login_throttle (
    email_hash      bytea PRIMARY KEY,      -- SHA-256 of lower(email)
    failures        integer NOT NULL DEFAULT 0,
    locked_until    timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Server-side sessions of the admin UI: the cookie holds a random token,
-- this table its SHA-256. A session acts for one store at a time.
CREATE TABLE sessions (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    store_id        uuid NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
    token_hash      bytea NOT NULL UNIQUE,
    csrf_token      text NOT NULL,
    ip              text,
    user_agent      text CHECK (length(user_agent) <= 512),
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_seen_at    timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL
);
CREATE INDEX idx_sessions_user ON sessions (user_id, created_at);
CREATE INDEX idx_sessions_expires ON sessions (expires_at);

-- One-time links: password reset (1 hour) and staff invitations.
CREATE TABLE user_tokens (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose         text NOT NULL CHECK (purpose IN ('reset', 'invite')),
    store_id        uuid REFERENCES stores(id) ON DELETE CASCADE,
    token_hash      bytea NOT NULL UNIQUE,
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_user_tokens_user ON user_tokens (user_id);

-- Ten single-use backup codes per person, stored hashed.
CREATE TABLE mfa_backup_codes (
    user_id         uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash       bytea NOT NULL,
    used_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, code_hash)
);

-- Per-store API keys. The key is shown once; the table keeps its SHA-256,
-- a short prefix to recognise it by, and the permissions it was given.
CREATE TABLE api_keys (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    store_id        uuid NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    prefix          text NOT NULL,
    key_hash        bytea NOT NULL UNIQUE,
    permissions     text[] NOT NULL CHECK (cardinality(permissions) BETWEEN 1 AND 16),
    created_by      uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz,
    revoked_at      timestamptz
);
CREATE INDEX idx_api_keys_store ON api_keys (store_id, created_at DESC);

-- Outgoing mail and other side effects, written in the transaction of the
-- change that causes them and delivered later by a cron job, with retries.
CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    store_id        uuid REFERENCES stores(id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),
    recipient       text NOT NULL CHECK (length(recipient) BETWEEN 3 AND 254),
    subject         text NOT NULL CHECK (length(subject) <= 998),
    body_text       text NOT NULL,
    body_html       text,
    payload         jsonb NOT NULL DEFAULT '{}',
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    failed_at       timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_outbox_due ON outbox (next_attempt_at)
    WHERE sent_at IS NULL AND failed_at IS NULL;

-- Audit: secrets never reach the log; changes to a person (profile,
-- password, MFA) are logged in the store the change was made from.
CREATE OR REPLACE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_j jsonb;
    new_j jsonb;
    sid uuid;
    hidden text[] := ARRAY['search_vector', 'password_hash', 'key_hash',
                           'totp_secret', 'totp_pending', 'totp_last_step',
                           'email_code_hash', 'email_code_expires_at'];
BEGIN
    IF TG_OP <> 'INSERT' THEN old_j := to_jsonb(OLD) - hidden; END IF;
    IF TG_OP <> 'DELETE' THEN new_j := to_jsonb(NEW) - hidden; END IF;
    IF TG_OP = 'UPDATE' AND old_j = new_j THEN RETURN NULL; END IF;
    sid := CASE WHEN TG_TABLE_NAME = 'stores' THEN coalesce(NEW.id, OLD.id)
                WHEN TG_TABLE_NAME = 'users' THEN current_store_id()
                ELSE coalesce((new_j->>'store_id')::uuid, (old_j->>'store_id')::uuid) END;
    IF sid IS NULL THEN RETURN NULL; END IF;
    -- A deleted store takes its audit trail with it (ON DELETE CASCADE),
    -- including the rows its cascade deletes.
    IF TG_OP = 'DELETE' AND (TG_TABLE_NAME = 'stores'
        OR NOT EXISTS (SELECT 1 FROM stores WHERE id = sid)) THEN
        RETURN NULL;
    END IF;
    INSERT INTO audit_logs (store_id, actor, entity_type, entity_id, action, old_values, new_values)
    VALUES (sid, nullif(current_setting('app.actor', true), ''), TG_TABLE_NAME,
            coalesce((new_j->>'id')::uuid, (old_j->>'id')::uuid),
            lower(CASE TG_OP WHEN 'INSERT' THEN 'create' ELSE TG_OP END),
            old_j, new_j);
    RETURN NULL;
END $$;

CREATE TRIGGER users_audit AFTER UPDATE OF name, email, password_hash,
    mfa_method, totp_secret ON users
    FOR EACH ROW EXECUTE FUNCTION audit_row();
CREATE TRIGGER users_touch BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
-- last_used_at changes on use; only changes to the key itself are audited.
CREATE TRIGGER api_keys_audit AFTER INSERT OR DELETE
    OR UPDATE OF name, permissions, revoked_at ON api_keys
    FOR EACH ROW EXECUTE FUNCTION audit_row();

-- A store keeps at least one owner. The store row is locked first, so two
-- owners demoting each other at once cannot both succeed.
CREATE FUNCTION store_users_keep_owner() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.role <> 'owner' OR (TG_OP = 'UPDATE' AND NEW.role = 'owner') THEN
        RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    -- The store itself is being deleted: its staff go with it.
    IF NOT EXISTS (SELECT 1 FROM stores WHERE id = OLD.store_id) THEN
        RETURN OLD;
    END IF;
    PERFORM 1 FROM stores WHERE id = OLD.store_id FOR UPDATE;
    IF NOT EXISTS (SELECT 1 FROM store_users WHERE store_id = OLD.store_id
                   AND role = 'owner' AND id <> OLD.id) THEN
        RAISE EXCEPTION 'a store must keep at least one owner'
            USING ERRCODE = 'CC409';
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER store_users_keep_owner BEFORE UPDATE OF role OR DELETE
    ON store_users FOR EACH ROW EXECUTE FUNCTION store_users_keep_owner();

-- A signed-in person may read their own memberships in every store (to
-- choose or switch store); the application names them in app.user_id once
-- their password has been checked.
CREATE POLICY store_users_self ON store_users FOR SELECT
    USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid);

ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY api_keys_store ON api_keys
    USING (store_id = current_store_id())
    WITH CHECK (store_id = current_store_id());

-- Look up a session by its token hash, slide its expiry (at most once a
-- minute, to spare writes), and make its store and user current for the
-- rest of the transaction. No row: no such session, expired, or the person
-- is no longer staff of the session's store.
CREATE FUNCTION session_touch(p_hash bytea, p_ttl integer)
    RETURNS TABLE (session_id uuid, user_id uuid, store_id uuid,
                   csrf_token text, role text, email text, name text,
                   password_changed_at timestamptz, expires_at timestamptz)
    LANGUAGE plpgsql AS $$
DECLARE
    s sessions;
BEGIN
    SELECT * INTO s FROM sessions
     WHERE sessions.token_hash = p_hash AND sessions.expires_at > now();
    IF NOT FOUND THEN RETURN; END IF;
    IF s.last_seen_at < now() - interval '1 minute' THEN
        UPDATE sessions SET last_seen_at = now(),
               expires_at = now() + make_interval(secs => p_ttl)
         WHERE sessions.id = s.id
         RETURNING sessions.expires_at INTO s.expires_at;
    END IF;
    PERFORM set_config('app.store_id', s.store_id::text, true),
            set_config('app.user_id', s.user_id::text, true);
    RETURN QUERY
        SELECT s.id, s.user_id, s.store_id, s.csrf_token, su.role, u.email,
               u.name, u.password_changed_at, s.expires_at
          FROM store_users su JOIN users u ON u.id = su.user_id
         WHERE su.store_id = s.store_id AND su.user_id = s.user_id;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'colmena_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON login_throttle, sessions,
            user_tokens, mfa_backup_codes TO colmena_app;
        GRANT SELECT, INSERT, UPDATE ON api_keys TO colmena_app;
        GRANT INSERT ON outbox TO colmena_app;
        GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO colmena_app;
    END IF;
END $$;
