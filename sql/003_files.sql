-- 003_files.sql: digital delivery. Every uploaded product file is kept as a
-- version (product_files); a download token points at the version its buyer
-- bought; download_take() checks and counts a download in one atomic UPDATE;
-- every download attempt is recorded (download_events).
-- Applied once by `colmena migrate` as the owner role, in one transaction.

-- One stored file: where it is (backend and generated key), how it is
-- encrypted (key_id, NULL: plain), and what it is.
CREATE TABLE product_files (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    store_id        uuid NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
    product_id      uuid NOT NULL,
    storage_key     text NOT NULL UNIQUE
                    CHECK (storage_key ~ '^stores/[0-9a-f-]{36}/products/files/[0-9a-f-]{36}$'),
    backend         text NOT NULL CHECK (backend IN ('local', 's3')),
    key_id          text CHECK (length(key_id) BETWEEN 1 AND 32),
    file_name       text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    content_type    text NOT NULL CHECK (length(content_type) BETWEEN 3 AND 100),
    size            bigint NOT NULL CHECK (size >= 0),
    sha256          text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (store_id, id),
    FOREIGN KEY (store_id, product_id) REFERENCES products (store_id, id) ON DELETE CASCADE
);
CREATE INDEX idx_product_files_product ON product_files (store_id, product_id, created_at DESC);

-- The version new buyers get.
ALTER TABLE products ADD COLUMN file_id uuid;
ALTER TABLE products ADD CONSTRAINT products_file_fk FOREIGN KEY (store_id, file_id)
    REFERENCES product_files (store_id, id) ON DELETE SET NULL (file_id);

-- A token keeps the version it was issued for until the store lets its
-- buyer have a newer one. last_client is a digest of the address and user
-- agent of the last counted download: the same client again within a few
-- seconds (a double click, a browser's retry) or resuming with a Range
-- does not count again.
ALTER TABLE download_tokens
    ADD COLUMN file_id          uuid,
    ADD COLUMN last_counted_at  timestamptz,
    ADD COLUMN last_client      bytea,
    ADD CONSTRAINT download_tokens_file_fk FOREIGN KEY (store_id, file_id)
        REFERENCES product_files (store_id, id);

CREATE TABLE download_events (
    id          bigserial PRIMARY KEY,
    store_id    uuid NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
    token_id    uuid,
    order_id    uuid,
    file_id     uuid,
    outcome     text NOT NULL CHECK (outcome IN ('served', 'repeat', 'expired',
                    'used_up', 'revoked', 'unpaid', 'no_file', 'bad_range')),
    range       text CHECK (length(range) <= 200),
    ip          text,
    user_agent  text CHECK (length(user_agent) <= 512),
    "timestamp" timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_download_events_order ON download_events (store_id, order_id, "timestamp" DESC);

ALTER TABLE product_files ENABLE ROW LEVEL SECURITY;
ALTER TABLE product_files FORCE ROW LEVEL SECURITY;
CREATE POLICY product_files_store ON product_files
    USING (store_id = current_store_id()) WITH CHECK (store_id = current_store_id());
ALTER TABLE download_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE download_events FORCE ROW LEVEL SECURITY;
CREATE POLICY download_events_store ON download_events
    USING (store_id = current_store_id()) WITH CHECK (store_id = current_store_id());

-- A buyer's link names no store: the one token it names becomes visible
-- once the application puts its hash in app.download_token.
CREATE POLICY download_tokens_link ON download_tokens FOR SELECT
    USING (token_hash = decode(nullif(current_setting('app.download_token', true), ''), 'hex'));

CREATE TRIGGER product_files_audit AFTER INSERT OR DELETE ON product_files
    FOR EACH ROW EXECUTE FUNCTION audit_row();

-- Check and count one download of the link whose SHA-256 is p_hash (hex):
-- one UPDATE decides, so two requests for the last download cannot both
-- win. The same client (p_client) within p_window seconds, or resuming
-- (p_resume) within p_resume_window seconds, is served without counting.
-- p_count false (HEAD) checks without counting. p_start is the first byte
-- a Range asks for (NULL: none): past the end of the file the answer is
-- bad_range (416) and nothing is counted. Returns one row whose outcome
-- says what happened: served, repeat, or why not (unknown: no row).
CREATE FUNCTION download_take(p_hash text, p_client bytea, p_count boolean,
                              p_resume boolean, p_window integer,
                              p_resume_window integer, p_start bigint)
    RETURNS TABLE (outcome text, token_id uuid, store_id uuid, order_id uuid,
                   file_id uuid, storage_key text, backend text, key_id text,
                   file_name text, content_type text, size bigint,
                   sha256 text, downloads_left integer, expires_at timestamptz,
                   customer_email text)
    LANGUAGE plpgsql AS $$
DECLARE
    t download_tokens;
    o orders;
    f product_files;
    counted boolean;
    n integer;
    why text;
BEGIN
    PERFORM set_config('app.download_token', p_hash, true);
    SELECT * INTO t FROM download_tokens d WHERE d.token_hash = decode(p_hash, 'hex');
    IF NOT FOUND THEN RETURN; END IF;
    PERFORM set_config('app.store_id', t.store_id::text, true);
    SELECT * INTO o FROM orders WHERE orders.id = t.order_id;
    SELECT * INTO f FROM product_files pf WHERE pf.id = t.file_id;
    IF p_start IS NOT NULL AND f.size IS NOT NULL AND p_start >= f.size THEN
        RETURN QUERY SELECT 'bad_range'::text, t.id, t.store_id, t.order_id,
            f.id, NULL::text, NULL::text, NULL::text, NULL::text, NULL::text,
            f.size, NULL::text, greatest(t.max_downloads - t.download_count, 0),
            t.expires_at, NULL::text;
        RETURN;
    END IF;

    UPDATE download_tokens d SET
        download_count = d.download_count + CASE WHEN NOT p_count
            OR (d.last_client = p_client AND (d.last_counted_at > now() - make_interval(secs => p_window)
                OR (p_resume AND d.last_counted_at > now() - make_interval(secs => p_resume_window))))
            THEN 0 ELSE 1 END,
        last_counted_at = CASE WHEN NOT p_count
            OR (d.last_client = p_client AND (d.last_counted_at > now() - make_interval(secs => p_window)
                OR (p_resume AND d.last_counted_at > now() - make_interval(secs => p_resume_window))))
            THEN d.last_counted_at ELSE now() END,
        last_client = CASE WHEN p_count THEN p_client ELSE d.last_client END
    WHERE d.id = t.id AND d.revoked_at IS NULL AND d.expires_at > now()
      AND d.file_id IS NOT NULL
      AND (d.download_count < d.max_downloads
           OR (d.last_client = p_client AND (d.last_counted_at > now() - make_interval(secs => p_window)
               OR (p_resume AND d.last_counted_at > now() - make_interval(secs => p_resume_window)))))
      AND EXISTS (SELECT 1 FROM orders x WHERE x.id = d.order_id
                  AND x.status IN ('paid', 'partially_refunded'))
    RETURNING coalesce(d.last_counted_at = now(), false), d.download_count
        INTO counted, n;
    IF FOUND THEN
        t.download_count := n;
        SELECT * INTO f FROM product_files pf WHERE pf.id = t.file_id;
        why := CASE WHEN p_count AND NOT counted THEN 'repeat' ELSE 'served' END;
    ELSE
        why := CASE
            WHEN t.revoked_at IS NOT NULL THEN 'revoked'
            WHEN o.status IS NULL OR o.status NOT IN ('paid', 'partially_refunded') THEN 'unpaid'
            WHEN t.expires_at <= now() THEN 'expired'
            WHEN t.file_id IS NULL THEN 'no_file'
            ELSE 'used_up' END;
    END IF;
    RETURN QUERY SELECT why, t.id, t.store_id, t.order_id, f.id, f.storage_key,
        f.backend, f.key_id, f.file_name, f.content_type, f.size, f.sha256,
        greatest(t.max_downloads - t.download_count, 0), t.expires_at,
        o.customer_email;
END $$;

-- A buyer on a link's error page asks for fresh links: when p_email is the
-- order's address and the order is paid, every link of the order that
-- expired with downloads left (not used up, not withdrawn) is replaced by a
-- fresh one (the product's expiry again, the downloads it had left), and
-- the links go to the address through the outbox, audited. p_tokens are
-- fresh random tokens made by the caller (their SHA-256 is stored);
-- p_base is the site's address. Returns the number of links sent (the
-- caller does not tell the buyer, so no order is revealed).
CREATE FUNCTION download_resend(p_hash text, p_email text, p_tokens text[],
                                p_base text) RETURNS integer
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
        EXIT WHEN n > cardinality(p_tokens);
        UPDATE download_tokens SET revoked_at = now() WHERE id = x.id;
        INSERT INTO download_tokens (store_id, order_id, product_id, token_hash,
                                     expires_at, max_downloads, file_id)
        VALUES (t.store_id, t.order_id, x.product_id,
                sha256(convert_to(p_tokens[n], 'UTF8')),
                now() + make_interval(hours => x.hours), x.left_n, x.file_id);
        body := body || x.label || E'\n  ' || rtrim(p_base, '/') || '/download/'
                || p_tokens[n] || E'\n  (' || x.left_n || ' downloads, until '
                || to_char((now() + make_interval(hours => x.hours)) AT TIME ZONE 'UTC',
                           'YYYY-MM-DD HH24:MI "UTC"') || E')\n\n';
    END LOOP;
    n := least(n, cardinality(p_tokens));
    IF n = 0 THEN RETURN 0; END IF;
    INSERT INTO outbox (store_id, kind, recipient, subject, body_text, payload)
    VALUES (t.store_id, 'download_links', o.customer_email,
            'Your download links from ' || s.name,
            'Here are fresh download links for your order from ' || s.name
            || E':\n\n' || body || 'The old links no longer work.' || E'\n',
            jsonb_build_object('orderId', o.id, 'links', n));
    INSERT INTO audit_logs (store_id, actor, entity_type, entity_id, action,
                            old_values, new_values)
    VALUES (t.store_id, 'buyer', 'download_tokens', t.order_id, 'update',
            NULL, jsonb_build_object('reissued', n, 'orderId', o.id));
    RETURN n;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'colmena_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON product_files TO colmena_app;
        GRANT SELECT, INSERT ON download_events TO colmena_app;
        GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO colmena_app;
    END IF;
END $$;
