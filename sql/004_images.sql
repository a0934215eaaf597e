-- 004_images.sql: product images, and new links for past buyers when a
-- product's file is replaced ("notify buyers of update"). Product images. They are public: served under names made
-- of their SHA-256 (/media/{store}/{sha256}.{ext}), so an answer never
-- changes and may be cached for a year. products.images lists them for
-- the catalog, in order.
-- Applied once by `colmena migrate` as the owner role, in one transaction.

CREATE TABLE product_images (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    store_id        uuid NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
    product_id      uuid NOT NULL,
    storage_key     text NOT NULL UNIQUE
                    CHECK (storage_key ~ '^stores/[0-9a-f-]{36}/products/images/[0-9a-f-]{36}$'),
    backend         text NOT NULL CHECK (backend IN ('local', 's3')),
    content_type    text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    size            bigint NOT NULL CHECK (size > 0),
    sha256          text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    position        integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (store_id, id),
    FOREIGN KEY (store_id, product_id) REFERENCES products (store_id, id) ON DELETE CASCADE
);
CREATE INDEX idx_product_images_product ON product_images (store_id, product_id, position);
CREATE INDEX idx_product_images_hash ON product_images (store_id, sha256);

ALTER TABLE product_images ENABLE ROW LEVEL SECURITY;
ALTER TABLE product_images FORCE ROW LEVEL SECURITY;
CREATE POLICY product_images_store ON product_images
    USING (store_id = current_store_id()) WITH CHECK (store_id = current_store_id());

CREATE TRIGGER product_images_audit AFTER INSERT OR DELETE ON product_images
    FOR EACH ROW EXECUTE FUNCTION audit_row();

-- products.images: the catalog's list, rebuilt from product_images after
-- every change to them (the catalog cache hears of it through the
-- products trigger).
CREATE FUNCTION product_images_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    pid uuid := coalesce(NEW.product_id, OLD.product_id);
BEGIN
    UPDATE products p SET images = coalesce((
        SELECT jsonb_agg(jsonb_build_object(
                   'id', i.id,
                   'url', '/media/' || i.store_id || '/' || i.sha256 || '.'
                          || CASE i.content_type WHEN 'image/jpeg' THEN 'jpg'
                             WHEN 'image/png' THEN 'png' ELSE 'webp' END,
                   'contentType', i.content_type,
                   'size', i.size)
                 ORDER BY i.position, i.created_at, i.id)
          FROM product_images i WHERE i.product_id = pid), '[]'::jsonb)
     WHERE p.id = pid;
    RETURN NULL;
END $$;
CREATE TRIGGER product_images_sync AFTER INSERT OR UPDATE OR DELETE ON product_images
    FOR EACH ROW EXECUTE FUNCTION product_images_sync();

-- "Notify buyers of update": the paid orders whose links for p_product
-- still name an older version of its file get fresh links to the current
-- version (with the downloads each had left, and the product's expiry),
-- their old links are withdrawn, and one email per order goes to the
-- outbox. p_tokens are fresh random tokens made by the caller: one order
-- per token at most, so a caller repeats until none is left. Returns the
-- number of links sent, NULL when the product is unknown or has no file.
CREATE FUNCTION product_file_notify(p_product uuid, p_tokens text[], p_base text)
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
         ORDER BY ord.id
    LOOP
        EXIT WHEN used >= cardinality(p_tokens);
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
            INSERT INTO download_tokens (store_id, order_id, product_id,
                                         token_hash, expires_at, max_downloads, file_id)
            VALUES (p.store_id, o.id, p_product,
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
            INSERT INTO outbox (store_id, kind, recipient, subject, body_text, payload)
            VALUES (p.store_id, 'file_updated', o.customer_email,
                    p.name || ' has been updated (' || s.name || ')', body,
                    jsonb_build_object('orderId', o.id, 'productId', p_product));
        END IF;
    END LOOP;
    RETURN n;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'colmena_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON product_images TO colmena_app;
    END IF;
END $$;
