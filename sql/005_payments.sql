-- 005_payments.sql: checkout and payments. Stripe Connect state and
-- checkout options per store; what an order needs from Stripe (kind,
-- connected account, checkout session, amounts, the status a dispute
-- interrupted); webhook events recorded once each (stripe_events);
-- refunds and staff notes on orders; per-store mail settings; buyers who
-- asked for no more optional mail (mail_optouts); links made from ids
-- (download tokens derived from token_secret, so an order page and a
-- re-sent receipt can show them again while only their hash is stored).
-- Applied once by `colmena migrate` as the owner role, in one transaction.

-- Stripe Connect and checkout options of a store; its outgoing mail.
ALTER TABLE stores
    ADD COLUMN stripe_charges_enabled     boolean NOT NULL DEFAULT false,
    ADD COLUMN stripe_details_submitted   boolean NOT NULL DEFAULT false,
    ADD COLUMN stripe_account_updated_at  timestamptz,
    ADD COLUMN checkout_promotion_codes   boolean NOT NULL DEFAULT false,
    ADD COLUMN checkout_automatic_tax     boolean NOT NULL DEFAULT false,
    ADD COLUMN mail_from                  text CHECK (length(mail_from) BETWEEN 3 AND 254),
    ADD COLUMN smtp_url                   text CHECK (smtp_url ~ '^smtps?://[^/\s]+/?$'
                                                      AND length(smtp_url) <= 255),
    ADD COLUMN smtp_user                  text CHECK (length(smtp_user) <= 255),
    ADD COLUMN smtp_password              text CHECK (length(smtp_password) <= 255);
ALTER TABLE stores ADD CONSTRAINT stores_stripe_account_format
    CHECK (stripe_account_id ~ '^acct_[A-Za-z0-9]{1,64}$');
CREATE UNIQUE INDEX stores_stripe_account_key ON stores (stripe_account_id)
    WHERE stripe_account_id IS NOT NULL;

-- What an order needs from Stripe. kind: a hosted Checkout Session or a
-- PaymentIntent for Stripe Elements. stripe_account_id: the connected
-- account the payment was made to (refunds go there too).
-- status_before_dispute: what a won dispute restores.
ALTER TABLE orders
    ADD COLUMN kind                   text NOT NULL DEFAULT 'checkout'
                                      CHECK (kind IN ('checkout', 'payment_intent')),
    ADD COLUMN stripe_account_id      text,
    ADD COLUMN stripe_charge_id       text,
    ADD COLUMN checkout_url           text,
    ADD COLUMN checkout_expires_at    timestamptz,
    ADD COLUMN application_fee_minor  bigint NOT NULL DEFAULT 0
                                      CHECK (application_fee_minor >= 0),
    ADD COLUMN status_before_dispute  text CHECK (status_before_dispute IN
                                      ('paid', 'partially_refunded')),
    ADD COLUMN failure_message        text CHECK (length(failure_message) <= 500),
    ADD COLUMN receipt_sent_at        timestamptz;
DROP INDEX idx_orders_payment_intent;
CREATE UNIQUE INDEX orders_payment_intent_key ON orders (stripe_payment_intent_id)
    WHERE stripe_payment_intent_id IS NOT NULL;
CREATE INDEX idx_orders_store_date ON orders (store_id, created_at DESC, id DESC);
CREATE INDEX idx_orders_store_email ON orders (store_id, lower(customer_email));
CREATE INDEX idx_orders_pending ON orders (created_at) WHERE status = 'pending';
CREATE INDEX idx_order_items_product ON order_items (store_id, product_id);

-- A webhook names no store: the order it is about becomes visible once the
-- application names it (by our id, its payment intent or its checkout
-- session) in app.stripe_*; order_locate() then makes its store current.
CREATE POLICY orders_stripe ON orders FOR SELECT USING (
    id = nullif(current_setting('app.stripe_order', true), '')::uuid
    OR stripe_payment_intent_id = nullif(current_setting('app.stripe_pi', true), '')
    OR stripe_checkout_session_id = nullif(current_setting('app.stripe_session', true), ''));

-- The buyer's order page names no store either: the order becomes visible
-- with its id and the SHA-256 of its access key.
CREATE POLICY orders_buyer ON orders FOR SELECT USING (
    id = nullif(current_setting('app.buyer_order', true), '')::uuid
    AND access_key_hash = decode(nullif(current_setting('app.buyer_key', true), ''), 'hex'));

-- Find the order a Stripe object is about and make its store the current
-- one for the rest of the transaction, locking the order. p_order is our
-- id (metadata), p_pi a payment intent, p_session a checkout session; the
-- first that finds an order wins. p_account is the event's connected
-- account (NULL: the platform's): an order paid to another account is not
-- this event's. Returns the order's id, NULL when no order matches.
CREATE FUNCTION order_locate(p_order uuid, p_pi text, p_session text,
                             p_account text) RETURNS uuid
    LANGUAGE plpgsql AS $$
DECLARE
    o orders;
BEGIN
    PERFORM set_config('app.stripe_order', coalesce(p_order::text, ''), true),
            set_config('app.stripe_pi', coalesce(p_pi, ''), true),
            set_config('app.stripe_session', coalesce(p_session, ''), true);
    SELECT * INTO o FROM orders WHERE id = p_order;
    IF NOT FOUND AND p_pi IS NOT NULL THEN
        SELECT * INTO o FROM orders WHERE stripe_payment_intent_id = p_pi;
    END IF;
    IF NOT FOUND AND p_session IS NOT NULL THEN
        SELECT * INTO o FROM orders WHERE stripe_checkout_session_id = p_session;
    END IF;
    PERFORM set_config('app.stripe_order', '', true),
            set_config('app.stripe_pi', '', true),
            set_config('app.stripe_session', '', true);
    IF o.id IS NULL OR o.stripe_account_id IS DISTINCT FROM p_account THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('app.store_id', o.store_id::text, true);
    PERFORM 1 FROM orders WHERE id = o.id FOR UPDATE;
    RETURN o.id;
END $$;

-- The buyer's view: make the store of order p_order current when
-- p_key_hash (hex SHA-256 of the access key) is its key. Returns the
-- store id, NULL when the order is unknown or the key wrong.
CREATE FUNCTION order_buyer_scope(p_order uuid, p_key_hash text) RETURNS uuid
    LANGUAGE plpgsql AS $$
DECLARE
    sid uuid;
BEGIN
    PERFORM set_config('app.buyer_order', coalesce(p_order::text, ''), true),
            set_config('app.buyer_key', coalesce(p_key_hash, ''), true);
    SELECT store_id INTO sid FROM orders WHERE id = p_order
       AND access_key_hash = decode(p_key_hash, 'hex');
    PERFORM set_config('app.buyer_order', '', true),
            set_config('app.buyer_key', '', true);
    IF sid IS NOT NULL THEN
        PERFORM set_config('app.store_id', sid::text, true);
    END IF;
    RETURN sid;
END $$;

-- Every webhook event processed, recorded in the transaction of its
-- effect: a repeated delivery finds its id here and changes nothing.
-- Platform-wide (an event may name no store we know), so no row-level
-- security; it holds ids, never customer data.
CREATE TABLE stripe_events (
    id          text PRIMARY KEY CHECK (id ~ '^evt_[A-Za-z0-9_]{1,250}$'),
    type        text NOT NULL CHECK (length(type) BETWEEN 1 AND 100),
    account     text CHECK (length(account) <= 100),
    store_id    uuid REFERENCES stores(id) ON DELETE SET NULL,
    order_id    uuid,
    outcome     text NOT NULL CHECK (outcome IN ('applied', 'noop', 'ignored')),
    detail      text CHECK (length(detail) <= 500),
    created     timestamptz,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_stripe_events_order ON stripe_events (order_id) WHERE order_id IS NOT NULL;
CREATE INDEX idx_stripe_events_received ON stripe_events (received_at);

-- Refunds asked for by staff; Stripe's webhook moves the order itself.
CREATE TABLE refunds (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    store_id            uuid NOT NULL,
    order_id            uuid NOT NULL,
    stripe_refund_id    text UNIQUE,
    amount_minor        bigint NOT NULL CHECK (amount_minor > 0),
    reason              text CHECK (reason IN ('duplicate', 'fraudulent',
                                               'requested_by_customer')),
    status              text NOT NULL DEFAULT 'requested' CHECK (status IN
                        ('requested', 'pending', 'requires_action', 'succeeded',
                         'failed', 'canceled')),
    idempotency_key     text CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    requested_by        text,
    error               text CHECK (length(error) <= 500),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (store_id, order_id, idempotency_key),
    FOREIGN KEY (store_id, order_id) REFERENCES orders (store_id, id) ON DELETE CASCADE
);
CREATE INDEX idx_refunds_order ON refunds (store_id, order_id, created_at);

-- Staff notes on an order.
CREATE TABLE order_notes (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    store_id    uuid NOT NULL,
    order_id    uuid NOT NULL,
    author      text,
    author_name text CHECK (length(author_name) <= 255),
    body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (store_id, order_id) REFERENCES orders (store_id, id) ON DELETE CASCADE
);
CREATE INDEX idx_order_notes_order ON order_notes (store_id, order_id, created_at);

-- Buyers who asked a store for no more optional mail (List-Unsubscribe):
-- product update notices are not sent to them, and their marketing
-- consent is withdrawn. Keyed by the SHA-256 of the lower-case address.
CREATE TABLE mail_optouts (
    store_id    uuid NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
    email_hash  bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, email_hash)
);

-- The address replies to a message go to (the store's support email).
ALTER TABLE outbox
    ADD COLUMN reply_to text CHECK (length(reply_to) <= 254);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['refunds', 'order_notes', 'mail_optouts'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I_store ON %I
                        USING (store_id = current_store_id())
                        WITH CHECK (store_id = current_store_id())', t, t);
    END LOOP;
END $$;

CREATE TRIGGER refunds_audit AFTER INSERT OR UPDATE OR DELETE ON refunds
    FOR EACH ROW EXECUTE FUNCTION audit_row();
CREATE TRIGGER refunds_touch BEFORE UPDATE ON refunds
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER order_notes_audit AFTER INSERT OR UPDATE OR DELETE ON order_notes
    FOR EACH ROW EXECUTE FUNCTION audit_row();

-- Audit: the store's SMTP password never reaches the log either.
CREATE OR REPLACE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_j jsonb;
    new_j jsonb;
    sid uuid;
    hidden text[] := ARRAY['search_vector', 'password_hash', 'key_hash',
                           'totp_secret', 'totp_pending', 'totp_last_step',
                           'email_code_hash', 'email_code_expires_at',
                           'smtp_password', 'access_key_hash', 'token_hash'];
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

-- Links are made by the caller from ids it chooses (p_ids), so it can make
-- them again later: the same functions as before, taking the new tokens'
-- ids beside the tokens.
DROP FUNCTION download_resend(text, text, text[], text);
CREATE FUNCTION download_resend(p_hash text, p_email text, p_ids uuid[],
                                p_tokens text[], p_base text) RETURNS integer
    LANGUAGE plpgsql AS $$
DECLARE
    t download_tokens;
    o orders;
    s stores;
    x record;
    n integer := 0;
    body text := '';
BEGIN
    PERFORM set_config('app.download_token', p_hash, true);
    SELECT * INTO t FROM download_tokens d WHERE d.token_hash = decode(p_hash, 'hex');
    IF NOT FOUND THEN RETURN 0; END IF;
    PERFORM set_config('app.store_id', t.store_id::text, true);
    PERFORM set_config('app.actor', 'buyer', true);
    -- One request per order at a time: a second one waits here, then
    -- finds the links already replaced.
    SELECT * INTO o FROM orders WHERE orders.id = t.order_id FOR UPDATE;
    IF NOT FOUND OR lower(o.customer_email) <> lower(p_email)
        OR o.status NOT IN ('paid', 'partially_refunded') THEN
        RETURN 0;
    END IF;
    SELECT * INTO s FROM stores WHERE stores.id = t.store_id;
    FOR x IN
        SELECT d.id, d.product_id, d.file_id, d.max_downloads - d.download_count AS left_n,
               coalesce(p.download_expiry_hours, 72) AS hours,
               coalesce(f.file_name, p.name, 'your file') AS label
          FROM download_tokens d
          LEFT JOIN products p ON p.id = d.product_id
          LEFT JOIN product_files f ON f.id = d.file_id
         WHERE d.order_id = t.order_id AND d.revoked_at IS NULL
           AND d.expires_at <= now() AND d.download_count < d.max_downloads
           AND d.file_id IS NOT NULL
         ORDER BY d.created_at, d.id
    LOOP
        n := n + 1;
        EXIT WHEN n > least(cardinality(p_tokens), cardinality(p_ids));
        UPDATE download_tokens SET revoked_at = now() WHERE id = x.id;
        INSERT INTO download_tokens (id, store_id, order_id, product_id, token_hash,
                                     expires_at, max_downloads, file_id)
        VALUES (p_ids[n], t.store_id, t.order_id, x.product_id,
                sha256(convert_to(p_tokens[n], 'UTF8')),
                now() + make_interval(hours => x.hours), x.left_n, x.file_id);
        body := body || x.label || E'\n  ' || rtrim(p_base, '/') || '/download/'
                || p_tokens[n] || E'\n  (' || x.left_n || ' downloads, until '
                || to_char((now() + make_interval(hours => x.hours)) AT TIME ZONE 'UTC',
                           'YYYY-MM-DD HH24:MI "UTC"') || E')\n\n';
    END LOOP;
    n := least(n, cardinality(p_tokens), cardinality(p_ids));
    IF n = 0 THEN RETURN 0; END IF;
    INSERT INTO outbox (store_id, kind, recipient, subject, body_text, payload, reply_to)
    VALUES (t.store_id, 'download_links', o.customer_email,
            'Your download links from ' || s.name,
            'Here are fresh download links for your order from ' || s.name
            || E':\n\n' || body || 'The old links no longer work.' || E'\n',
            jsonb_build_object('orderId', o.id, 'links', n), s.support_email);
    INSERT INTO audit_logs (store_id, actor, entity_type, entity_id, action,
                            old_values, new_values)
    VALUES (t.store_id, 'buyer', 'download_tokens', t.order_id, 'update',
            NULL, jsonb_build_object('reissued', n, 'orderId', o.id));
    RETURN n;
END $$;

-- "Notify buyers of update", as in 004 but with the links' ids, and
-- optional: a buyer who unsubscribed from the store's optional mail keeps
-- the old link and gets no notice (the notice carries List-Unsubscribe,
-- added when it is sent).
DROP FUNCTION product_file_notify(uuid, text[], text);
CREATE FUNCTION product_file_notify(p_product uuid, p_ids uuid[], p_tokens text[],
                                    p_base text)
    RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    p products;
    s stores;
    o record;
    t record;
    n integer := 0;
    used integer := 0;
    body text;
BEGIN
    SELECT * INTO p FROM products WHERE id = p_product;
    IF NOT FOUND OR p.file_id IS NULL THEN RETURN NULL; END IF;
    SELECT * INTO s FROM stores WHERE id = p.store_id;
    FOR o IN
        SELECT DISTINCT ord.id, ord.customer_email
          FROM download_tokens d JOIN orders ord ON ord.id = d.order_id
         WHERE d.product_id = p_product AND d.revoked_at IS NULL
           AND d.file_id IS DISTINCT FROM p.file_id
           AND ord.status IN ('paid', 'partially_refunded')
           AND NOT EXISTS (SELECT 1 FROM mail_optouts m
                            WHERE m.store_id = ord.store_id
                              AND m.email_hash = sha256(convert_to(lower(ord.customer_email), 'UTF8')))
         ORDER BY ord.id
    LOOP
        EXIT WHEN used >= least(cardinality(p_tokens), cardinality(p_ids));
        body := '';
        FOR t IN
            SELECT d.id, greatest(d.max_downloads - d.download_count, 1) AS left_n
              FROM download_tokens d
             WHERE d.order_id = o.id AND d.product_id = p_product
               AND d.revoked_at IS NULL AND d.file_id IS DISTINCT FROM p.file_id
             ORDER BY d.created_at, d.id LIMIT 1
        LOOP
            used := used + 1;
            UPDATE download_tokens SET revoked_at = now()
             WHERE order_id = o.id AND product_id = p_product
               AND revoked_at IS NULL AND file_id IS DISTINCT FROM p.file_id;
            INSERT INTO download_tokens (id, store_id, order_id, product_id,
                                         token_hash, expires_at, max_downloads, file_id)
            VALUES (p_ids[used], p.store_id, o.id, p_product,
                    sha256(convert_to(p_tokens[used], 'UTF8')),
                    now() + make_interval(hours => p.download_expiry_hours),
                    t.left_n, p.file_id);
            body := p.name || E' has been updated. Your new download link:\n\n  '
                    || rtrim(p_base, '/') || '/download/' || p_tokens[used]
                    || E'\n  (' || t.left_n || ' downloads, until '
                    || to_char((now() + make_interval(hours => p.download_expiry_hours))
                               AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')
                    || E')\n\nYour previous link no longer works.\n';
            n := n + 1;
        END LOOP;
        IF body <> '' THEN
            INSERT INTO outbox (store_id, kind, recipient, subject, body_text,
                                payload, reply_to)
            VALUES (p.store_id, 'file_updated', o.customer_email,
                    p.name || ' has been updated (' || s.name || ')', body,
                    jsonb_build_object('orderId', o.id, 'productId', p_product),
                    s.support_email);
        END IF;
    END LOOP;
    RETURN n;
END $$;

-- The cron job's end for orders nobody will pay (the state machine's
-- pending -> expired, as checkout.session.expired does): orders that never
-- reached Stripe (its call failed) after p_unsent, and orders whose
-- checkout ended more than p_grace ago with no word from Stripe (long
-- enough for Stripe's retries of a late payment event: it retries for
-- three days). Store by store, since row-level security scopes every
-- statement. Returns the number of orders expired.
CREATE FUNCTION orders_expire_stale(p_unsent interval, p_grace interval)
    RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    s record;
    n integer := 0;
    k integer;
BEGIN
    PERFORM set_config('app.actor', 'cleanup', true);
    FOR s IN SELECT id FROM stores ORDER BY id LOOP
        PERFORM set_config('app.store_id', s.id::text, true);
        UPDATE orders SET status = 'expired'
         WHERE store_id = s.id AND status = 'pending'
           AND ((stripe_checkout_session_id IS NULL
                 AND stripe_payment_intent_id IS NULL
                 AND created_at < now() - p_unsent)
             OR coalesce(checkout_expires_at, created_at) < now() - p_grace);
        GET DIAGNOSTICS k = ROW_COUNT;
        n := n + k;
    END LOOP;
    PERFORM set_config('app.store_id', '', true);
    RETURN n;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'colmena_app') THEN
        GRANT SELECT, INSERT, UPDATE ON stripe_events TO colmena_app;
        GRANT SELECT, INSERT, UPDATE ON refunds, order_notes TO colmena_app;
        GRANT SELECT, INSERT, DELETE ON mail_optouts TO colmena_app;
        GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO colmena_app;
    END IF;
END $$;
