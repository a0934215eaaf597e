-- 001_init.sql: the initial schema of ColmenaCommerce: tenants (stores),
-- staff, catalog, orders, download tokens, audit and analytics, with the
-- original spec's indexes, row-level security on every store-scoped table
-- (FORCE'd, so even the owner role is filtered) and audit triggers.
-- Applied once by `colmena migrate` as the owner role, in one transaction.

CREATE EXTENSION IF NOT EXISTS pgcrypto;

-- The store the current transaction acts for, set with
-- set_config('app.store_id', id, true); NULL when none is set.
CREATE FUNCTION current_store_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('app.store_id', true), '')::uuid $$;

-- ISO 4217 currencies with their minor-unit exponent.
CREATE TABLE currencies (
    code        char(3) PRIMARY KEY CHECK (code ~ '^[A-Z]{3}$'),
    exponent    smallint NOT NULL CHECK (exponent BETWEEN 0 AND 3)
);
INSERT INTO currencies (code, exponent) VALUES
    ('AED',2),('ARS',2),('AUD',2),('BGN',2),('BHD',3),('BRL',2),('CAD',2),
    ('CHF',2),('CLP',0),('CNY',2),('COP',2),('CZK',2),('DKK',2),('EGP',2),
    ('EUR',2),('GBP',2),('HKD',2),('HUF',2),('IDR',2),('ILS',2),('INR',2),
    ('ISK',0),('JOD',3),('JPY',0),('KRW',0),('KWD',3),('MAD',2),('MXN',2),
    ('MYR',2),('NGN',2),('NOK',2),('NZD',2),('OMR',3),('PEN',2),('PHP',2),
    ('PKR',2),('PLN',2),('QAR',2),('RON',2),('RSD',2),('SAR',2),('SEK',2),
    ('SGD',2),('THB',2),('TND',3),('TRY',2),('TWD',2),('UAH',2),('USD',2),
    ('UYU',2),('VND',0),('ZAR',2);

CREATE TABLE stores (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug                text NOT NULL UNIQUE
                        CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$'
                               AND slug !~ '^[0-9a-f]{8}-[0-9a-f]{4}-'),
    domain              text,
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    currency            char(3) NOT NULL DEFAULT 'USD' REFERENCES currencies(code),
    allowed_origins     text[] NOT NULL DEFAULT '{}',
    support_email       text CHECK (length(support_email) <= 254),
    settings            jsonb NOT NULL DEFAULT '{}',
    stripe_account_id   text,
    is_active           boolean NOT NULL DEFAULT true,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- A person who can sign in; staff of one or more stores through store_users.
CREATE TABLE users (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email           text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    name            text CHECK (length(name) <= 255),
    password_hash   text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE store_users (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    store_id    uuid NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    email       text NOT NULL,
    role        text NOT NULL CHECK (role IN ('owner', 'admin', 'editor')),
    permissions text[] NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (store_id, user_id)
);

CREATE TABLE categories (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    store_id    uuid NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
    parent_id   uuid,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    slug        text NOT NULL CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,126}[a-z0-9])?$'),
    description text CHECK (length(description) <= 5000),
    position    integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (store_id, slug),
    UNIQUE (store_id, id),
    -- A parent is always in the same store.
    FOREIGN KEY (store_id, parent_id) REFERENCES categories (store_id, id)
        ON DELETE SET NULL (parent_id),
    CHECK (parent_id IS DISTINCT FROM id)
);
CREATE INDEX idx_categories_parent ON categories (store_id, parent_id);

-- No cycles in the category tree.
CREATE FUNCTION categories_no_cycle() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.parent_id IS NOT NULL AND EXISTS (
        WITH RECURSIVE up(id, depth) AS (
            SELECT NEW.parent_id, 1
            UNION ALL
            SELECT c.parent_id, up.depth + 1 FROM categories c JOIN up ON c.id = up.id
             WHERE c.parent_id IS NOT NULL AND up.depth < 64)
        SELECT 1 FROM up WHERE id = NEW.id) THEN
        RAISE EXCEPTION 'category % cannot be its own ancestor', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER categories_no_cycle BEFORE INSERT OR UPDATE OF parent_id ON categories
    FOR EACH ROW EXECUTE FUNCTION categories_no_cycle();

CREATE TABLE products (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    store_id                uuid NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
    category_id             uuid,
    name                    text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    slug                    text NOT NULL CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,126}[a-z0-9])?$'),
    description             text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    price_minor             bigint NOT NULL CHECK (price_minor >= 0 AND price_minor <= 99999999),
    currency                char(3) NOT NULL REFERENCES currencies(code),
    images                  jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(images) = 'array'),
    is_active               boolean NOT NULL DEFAULT true,
    featured                boolean NOT NULL DEFAULT false,
    max_downloads           integer NOT NULL DEFAULT 5 CHECK (max_downloads BETWEEN 1 AND 1000),
    download_expiry_hours   integer NOT NULL DEFAULT 72 CHECK (download_expiry_hours BETWEEN 1 AND 87600),
    file_key                text,
    file_name               text CHECK (length(file_name) <= 255),
    file_size               bigint CHECK (file_size >= 0),
    file_type               text,
    file_sha256             text CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
    search_vector           tsvector GENERATED ALWAYS AS (
                                setweight(to_tsvector('english', name), 'A') ||
                                setweight(to_tsvector('english', description), 'B')) STORED,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    UNIQUE (store_id, slug),
    UNIQUE (store_id, id),
    FOREIGN KEY (store_id, category_id) REFERENCES categories (store_id, id)
        ON DELETE SET NULL (category_id)
);
-- A store sells in one currency (one checkout, one currency): a product
-- takes its store's, and may not name another.
CREATE FUNCTION products_currency() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    store_currency char(3);
BEGIN
    SELECT currency INTO store_currency FROM stores WHERE id = NEW.store_id;
    IF NEW.currency IS NULL THEN
        NEW.currency := store_currency;
    ELSIF NEW.currency IS DISTINCT FROM store_currency THEN
        RAISE EXCEPTION 'product currency % differs from its store''s %',
            NEW.currency, store_currency USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER products_currency BEFORE INSERT OR UPDATE OF currency, store_id
    ON products FOR EACH ROW EXECUTE FUNCTION products_currency();

CREATE INDEX idx_products_store_active_featured ON products (store_id, is_active, featured);
CREATE INDEX idx_products_active ON products (store_id, created_at DESC) WHERE is_active = true;
CREATE INDEX idx_products_search ON products USING gin (search_vector);
CREATE INDEX idx_products_category ON products (store_id, category_id) WHERE is_active = true;

CREATE TABLE orders (
    id                          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    store_id                    uuid NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
    customer_email              text NOT NULL CHECK (length(customer_email) BETWEEN 3 AND 254),
    customer_name               text CHECK (length(customer_name) <= 255),
    status                      text NOT NULL DEFAULT 'pending' CHECK (status IN
                                ('pending', 'paid', 'failed', 'expired', 'refunded',
                                 'partially_refunded', 'disputed')),
    currency                    char(3) NOT NULL REFERENCES currencies(code),
    subtotal_minor              bigint NOT NULL DEFAULT 0 CHECK (subtotal_minor >= 0),
    tax_minor                   bigint NOT NULL DEFAULT 0 CHECK (tax_minor >= 0),
    discount_minor              bigint NOT NULL DEFAULT 0 CHECK (discount_minor >= 0),
    total_minor                 bigint NOT NULL DEFAULT 0 CHECK (total_minor >= 0),
    refunded_minor              bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0),
    access_key_hash             bytea,
    stripe_checkout_session_id  text UNIQUE,
    stripe_payment_intent_id    text,
    marketing_consent           boolean NOT NULL DEFAULT false,
    paid_at                     timestamptz,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (store_id, id)
);
CREATE INDEX idx_orders_store_status_date ON orders (store_id, status, created_at DESC);
CREATE INDEX idx_orders_payment_intent ON orders (stripe_payment_intent_id);

CREATE TABLE order_items (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    store_id        uuid NOT NULL,
    order_id        uuid NOT NULL,
    product_id      uuid,
    product_name    text NOT NULL,
    quantity        integer NOT NULL CHECK (quantity BETWEEN 1 AND 10),
    price_minor     bigint NOT NULL CHECK (price_minor >= 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (store_id, order_id) REFERENCES orders (store_id, id) ON DELETE CASCADE,
    FOREIGN KEY (store_id, product_id) REFERENCES products (store_id, id)
        ON DELETE SET NULL (product_id)
);
CREATE INDEX idx_order_items_order ON order_items (order_id);

CREATE TABLE download_tokens (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    store_id        uuid NOT NULL,
    order_id        uuid NOT NULL,
    product_id      uuid,
    token_hash      bytea NOT NULL UNIQUE,
    expires_at      timestamptz NOT NULL,
    download_count  integer NOT NULL DEFAULT 0 CHECK (download_count >= 0),
    max_downloads   integer NOT NULL CHECK (max_downloads >= 1),
    revoked_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (store_id, order_id) REFERENCES orders (store_id, id) ON DELETE CASCADE,
    FOREIGN KEY (store_id, product_id) REFERENCES products (store_id, id)
        ON DELETE SET NULL (product_id)
);
-- The original spec's "valid token" index; expiry is checked at query time
-- (an index predicate cannot use the clock).
CREATE INDEX idx_download_tokens_valid ON download_tokens (token_hash, expires_at)
    WHERE download_count < max_downloads AND revoked_at IS NULL;

CREATE TABLE audit_logs (
    id          bigserial PRIMARY KEY,
    store_id    uuid NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
    actor       text,
    entity_type text NOT NULL,
    entity_id   uuid,
    action      text NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    old_values  jsonb,
    new_values  jsonb,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_audit_logs_store_date ON audit_logs (store_id, created_at DESC);

CREATE TABLE analytics_events (
    id          bigserial PRIMARY KEY,
    store_id    uuid NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
    event_type  text NOT NULL CHECK (length(event_type) BETWEEN 1 AND 64),
    properties  jsonb NOT NULL DEFAULT '{}',
    "timestamp" timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_analytics_events_store_type_time
    ON analytics_events (store_id, event_type, "timestamp" DESC);

-- Audit: every change to store data, in the same transaction, with the
-- actor the application names in app.actor (NULL for the command line).
CREATE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_j jsonb;
    new_j jsonb;
    sid uuid;
BEGIN
    IF TG_OP <> 'INSERT' THEN old_j := to_jsonb(OLD) - 'search_vector' - 'password_hash'; END IF;
    IF TG_OP <> 'DELETE' THEN new_j := to_jsonb(NEW) - 'search_vector' - 'password_hash'; END IF;
    IF TG_OP = 'UPDATE' AND old_j = new_j THEN RETURN NULL; END IF;
    sid := CASE WHEN TG_TABLE_NAME = 'stores' THEN coalesce(NEW.id, OLD.id)
                ELSE coalesce((new_j->>'store_id')::uuid, (old_j->>'store_id')::uuid) END;
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

CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END $$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['stores', 'store_users', 'categories', 'products', 'orders'] LOOP
        EXECUTE format('CREATE TRIGGER %I_audit AFTER INSERT OR UPDATE OR DELETE ON %I
                        FOR EACH ROW EXECUTE FUNCTION audit_row()', t, t);
        EXECUTE format('CREATE TRIGGER %I_touch BEFORE UPDATE ON %I
                        FOR EACH ROW EXECUTE FUNCTION touch_updated_at()', t, t);
    END LOOP;
END $$;

-- Catalog changes are announced on channel colmena_catalog with the store id,
-- so every process on every node drops its cached answers for that store.
CREATE FUNCTION catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'stores' THEN
        PERFORM pg_notify('colmena_catalog', coalesce(NEW.id, OLD.id)::text);
    ELSE
        PERFORM pg_notify('colmena_catalog', coalesce(NEW.store_id, OLD.store_id)::text);
    END IF;
    RETURN NULL;
END $$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['stores', 'categories', 'products'] LOOP
        EXECUTE format('CREATE TRIGGER %I_notify AFTER INSERT OR UPDATE OR DELETE ON %I
                        FOR EACH ROW EXECUTE FUNCTION catalog_changed()', t, t);
    END LOOP;
END $$;

-- Row-level security. Every store-scoped table sees only the current store;
-- stores themselves are publicly readable (their public face) but only the
-- current store can be changed.
ALTER TABLE stores ENABLE ROW LEVEL SECURITY;
ALTER TABLE stores FORCE ROW LEVEL SECURITY;
CREATE POLICY stores_read ON stores FOR SELECT USING (true);
CREATE POLICY stores_insert ON stores FOR INSERT WITH CHECK (id = current_store_id());
CREATE POLICY stores_update ON stores FOR UPDATE
    USING (id = current_store_id()) WITH CHECK (id = current_store_id());
CREATE POLICY stores_delete ON stores FOR DELETE USING (id = current_store_id());

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['store_users', 'categories', 'products', 'orders',
                             'order_items', 'download_tokens', 'audit_logs',
                             'analytics_events'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I_store ON %I
                        USING (store_id = current_store_id())
                        WITH CHECK (store_id = current_store_id())', t, t);
    END LOOP;
END $$;

-- The programs connect as colmena_app: it owns nothing, so it can neither
-- change the schema nor switch row-level security off.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'colmena_app') THEN
        GRANT USAGE ON SCHEMA public TO colmena_app;
        GRANT SELECT ON currencies TO colmena_app;
        GRANT SELECT, UPDATE ON stores TO colmena_app;
        GRANT SELECT, INSERT, UPDATE, DELETE ON users, store_users, categories,
            products, orders, order_items, download_tokens TO colmena_app;
        GRANT SELECT, INSERT ON audit_logs, analytics_events TO colmena_app;
        GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO colmena_app;
    ELSE
        RAISE NOTICE 'role colmena_app does not exist: grant the application role access by hand (see INSTALL)';
    END IF;
END $$;
