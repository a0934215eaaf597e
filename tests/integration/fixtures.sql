-- fixtures.sql: the integration tests' known catalog, loaded by the harness
-- as the owner role after `colmena seed-demo`. Fixed ids and timestamps so
-- tests can assert exact answers. Stores: fx (USD, the main fixture), fx2
-- (EUR, "another store"), fxjp (JPY, no decimals) and fx-closed (inactive).
-- Row-level security is FORCE'd, so each store's rows are written with
-- app.store_id set to it, as the programs do.

BEGIN;
SELECT set_config('app.actor', 'fixtures', true);
SELECT set_config('app.store_id', '0f000000-0000-4000-8000-000000000001', true);
INSERT INTO stores (id, slug, name, currency, allowed_origins)
VALUES (current_store_id(), 'fx', 'Fixture Store', 'USD',
        ARRAY['https://shop.fx.test', 'http://localhost:3000']);
INSERT INTO categories (id, store_id, parent_id, name, slug, position) VALUES
 ('0f000000-0000-4000-8000-0000000000c1', current_store_id(), NULL, 'Books', 'books', 1),
 ('0f000000-0000-4000-8000-0000000000c2', current_store_id(), '0f000000-0000-4000-8000-0000000000c1', 'Fiction', 'fiction', 1),
 ('0f000000-0000-4000-8000-0000000000c3', current_store_id(), '0f000000-0000-4000-8000-0000000000c2', 'Science fiction', 'scifi', 1),
 ('0f000000-0000-4000-8000-0000000000c4', current_store_id(), NULL, 'Music', 'music', 2),
 ('0f000000-0000-4000-8000-0000000000c5', current_store_id(), NULL, 'Empty shelf', 'empty', 3);
INSERT INTO products (id, store_id, category_id, name, slug, description, price_minor,
                      currency, featured, is_active, created_at) VALUES
 ('0f000000-0000-4000-8000-0000000000a1', current_store_id(), '0f000000-0000-4000-8000-0000000000c1',
  'Honey Bee Handbook', 'honey-bee-handbook',
  'Everything about the hive: pollen, queens and honey harvests.', 1299, 'USD', true, true,
  '2026-01-06 10:00:00+00'),
 ('0f000000-0000-4000-8000-0000000000a2', current_store_id(), '0f000000-0000-4000-8000-0000000000c3',
  'Starship Logs', 'starship-logs', 'Log entries from a long voyage between stars.', 500, 'USD',
  false, true, '2026-01-05 10:00:00+00'),
 ('0f000000-0000-4000-8000-0000000000a3', current_store_id(), '0f000000-0000-4000-8000-0000000000c4',
  'Quiet Album', 'quiet-album', 'Ambient recordings made at dawn.', 2000, 'USD', false, true,
  '2026-01-04 10:00:00+00'),
 ('0f000000-0000-4000-8000-0000000000a4', current_store_id(), '0f000000-0000-4000-8000-0000000000c1',
  'Hidden Draft', 'hidden-draft', 'Not for sale yet: a bee book draft.', 100, 'USD', true, false,
  '2026-01-07 10:00:00+00'),
 ('0f000000-0000-4000-8000-0000000000a5', current_store_id(), NULL,
  '<script>alert(1)</script> Guide', 'html-guide',
  'O''Reilly "quotes" & <b>ampersands</b>', 750, 'USD', false, true, '2026-01-03 10:00:00+00'),
 ('0f000000-0000-4000-8000-0000000000a6', current_store_id(), NULL,
  'Robert''); DROP TABLE products;--', 'bobby-tables', 'Little Bobby Tables, we call him.',
  1, 'USD', false, true, '2026-01-02 10:00:00+00'),
 ('0f000000-0000-4000-8000-0000000000a7', current_store_id(), '0f000000-0000-4000-8000-0000000000c4',
  'Café Crème Recipes', 'cafe-creme', 'Douze recettes de café, crème et gâteaux.', 999999, 'USD',
  false, true, '2026-01-01 10:00:00+00');
COMMIT;

BEGIN;
SELECT set_config('app.actor', 'fixtures', true);
SELECT set_config('app.store_id', '0f000000-0000-4000-8000-000000000002', true);
INSERT INTO stores (id, slug, name, currency, allowed_origins)
VALUES (current_store_id(), 'fx2', 'Other Fixture Store', 'EUR', ARRAY['https://other.fx.test']);
INSERT INTO categories (id, store_id, name, slug)
VALUES ('0f000000-0000-4000-8000-0000000000c9', current_store_id(), 'Books', 'books');
INSERT INTO products (id, store_id, category_id, name, slug, description, price_minor, currency)
VALUES ('0f000000-0000-4000-8000-0000000000b1', current_store_id(),
        '0f000000-0000-4000-8000-0000000000c9', 'Other Store Secret', 'other-secret',
        'A honey hive pollen book that belongs to another store.', 999, 'EUR');
COMMIT;

BEGIN;
SELECT set_config('app.store_id', '0f000000-0000-4000-8000-000000000003', true);
INSERT INTO stores (id, slug, name, currency) VALUES (current_store_id(), 'fxjp', 'Fixture Tokyo', 'JPY');
INSERT INTO products (id, store_id, name, slug, price_minor, currency)
VALUES ('0f000000-0000-4000-8000-0000000000d1', current_store_id(), 'Tokyo Guide', 'tokyo-guide', 1500, 'JPY');
COMMIT;

BEGIN;
SELECT set_config('app.store_id', '0f000000-0000-4000-8000-000000000004', true);
INSERT INTO stores (id, slug, name, currency, is_active)
VALUES (current_store_id(), 'fx-closed', 'Closed Store', 'USD', false);
INSERT INTO products (store_id, name, slug, price_minor, currency)
VALUES (current_store_id(), 'Closed Product', 'closed-product', 100, 'USD');
COMMIT;
