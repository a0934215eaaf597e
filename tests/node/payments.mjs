// payments.mjs: checkout, webhooks, orders, Connect, receipts and
// unsubscribe links through real HTTP: lighttpd with the debug programs,
// PostgreSQL, the Stripe stand-in (tests/stripe/standin.mjs, the only
// stand-in) and a real SMTP server (tests/node/mail.mjs). Run by
// tests/integration/payments.sh with the harness's environment:
// COLMENA_TEST_URL, COLMENA_TEST_DB_OWNER_URL, COLMENA_TEST_SRCDIR,
// COLMENA_TEST_BUILDDIR, COLMENA_CONFIG, COLMENA_TEST_STRIPE_URL and
// COLMENA_TEST_STRIPE_{SECRET_KEY,WEBHOOK_SECRET,WEBHOOK_SECRET_PREVIOUS,
// CONNECT_WEBHOOK_SECRET}.
//
// Every store, person, product and order it uses is its own (slugs
// pay-<random>-..., emails ...-<random>@pay.test); files are written under
// the config's storage_root as an upload would leave them. Webhooks are
// signed by npm stripe (generateTestHeaderString), by a hand-rolled HMAC
// here, or by the stand-in itself when it "pays". Prints "FAIL: name:
// detail" per failed check and a final "N passed, N failed" line; exits 1
// if any check failed.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import {
	readFileSync, readdirSync, mkdirSync, writeFileSync, statSync,
	mkdtempSync, rmSync,
} from 'node:fs';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Stripe from 'stripe';
import {
	need, tally, check, summary, confValue, run as runLib, database, request, jsonOf, envelope,
	answerChecks, sleep, now, same, sha256hex, lit as quoted,
} from './lib.mjs';

const BASE = need('COLMENA_TEST_URL').replace(/\/+$/, '');
const OWNER_URL = need('COLMENA_TEST_DB_OWNER_URL');
const SRC = need('COLMENA_TEST_SRCDIR');
const BUILD = need('COLMENA_TEST_BUILDDIR');
need('COLMENA_CONFIG');	/* read by confValue */
const STRIPE = need('COLMENA_TEST_STRIPE_URL').replace(/\/+$/, '');
const SK = need('COLMENA_TEST_STRIPE_SECRET_KEY');
const WH = need('COLMENA_TEST_STRIPE_WEBHOOK_SECRET');
const WH_PREV = process.env.COLMENA_TEST_STRIPE_WEBHOOK_SECRET_PREVIOUS || '';
const WH_CONNECT = process.env.COLMENA_TEST_STRIPE_CONNECT_WEBHOOK_SECRET || '';
const COLMENA = `${BUILD}/tools/colmena`;
// psql's stdin is a pipe, as run() below gives every program.
const { sql, rows } = database(OWNER_URL, { shown: 300, input: '' });
const SFX = randomBytes(3).toString('hex');
const PW = 'Pay-pass-1!';
const STORAGE = confValue('storage_root', process.env.COLMENA_FILES || '/tmp/files');
const PUBLIC_URL = confValue('public_url', 'http://127.0.0.1:8080').replace(/\/+$/, '');
const PK = confValue('stripe_publishable_key', '');
const EXPIRY = Number(confValue('checkout_expiry', '3600'));
const BODY_MAX = Number(confValue('body_max', '1048576'));
const SHOP = 'https://shop.pay.test';
const TMP = mkdtempSync(join(tmpdir(), 'colmena-pay.'));
const T0 = Date.now();
const stripeLib = new Stripe('sk_test_colmena_not_a_real_key');

const slug = (s) => `pay-${SFX}-${s}`;
const mail = (s) => `${s}-${SFX}@pay.test`;
// s as an SQL literal; null and undefined as NULL.
const lit = (s) => (s === null || s === undefined ? 'NULL' : quoted(s));
const hex = (n) => randomBytes(n).toString('hex');

// Poll fn until it returns a truthy value or ms pass; returns the last value.
async function waitFor(fn, ms = 8000, every = 100) {
	const end = Date.now() + ms;
	let v;
	for (;;) {
		v = await fn();
		if (v || Date.now() > end)
			return v;
		await sleep(every);
	}
}

// ---------------------------------------------------------------- answers seen

// Every answer of the endpoints under test, by family, for the last checks:
// an API answer is always the envelope and never a 500, a page is HTML.
const seen = new Map();
function family(path) {
	const p = path.split('?')[0];
	if (/^\/api\/v1\/stores\/[^/]+\/checkout$/.test(p)) return 'POST /api/v1/stores/{store}/checkout';
	if (/^\/api\/v1\/stores\/[^/]+\/payment-intents$/.test(p)) return 'POST /api/v1/stores/{store}/payment-intents';
	if (p.startsWith('/api/v1/webhooks/')) return 'POST /api/v1/webhooks/stripe';
	if (p.startsWith('/api/v1/public/orders/')) return 'GET /api/v1/public/orders/{id}';
	if (p.startsWith('/api/v1/admin/orders')) return '/api/v1/admin/orders...';
	if (p.startsWith('/api/v1/admin/settings/stripe')) return '/api/v1/admin/settings/stripe/...';
	if (p.startsWith('/orders/')) return 'page /orders/{id}';
	if (p.startsWith('/unsubscribe/')) return 'page /unsubscribe/...';
	if (p.startsWith('/download/')) return 'page /download/{token}';
	return null;
}
function record(method, path, r) {
	const f = family(path);
	if (f === null)
		return;
	if (!seen.has(f))
		seen.set(f, { n: 0, bad: [] });
	const s = seen.get(f);
	s.n++;
	const ct = r.headers.get('content-type') || '';
	let good;
	if (f.startsWith('page ')) {
		good = r.status > 0 && r.status < 500 && (method === 'HEAD' || r.status === 200 &&
		    f === 'page /download/{token}' || /^text\/html/.test(ct)) &&
		    !/^<\?xml/.test(r.text || '');
	} else {
		good = r.status > 0 && (r.status < 500 || r.status === 502 || r.status === 503) &&
		    (r.status === 204 || envelope(r));
	}
	if (!good)
		s.bad.push(`${method} ${path.slice(0, 120)} -> ${r.status} ${ct} ${String(r.text).slice(0, 120)}`);
}

// ---------------------------------------------------------------- HTTP

// One request to lighttpd. o: token (Bearer), body (JSON), raw (body
// text), headers, origin. Returns status, headers, text, json, data, error.
async function api(method, path, o = {}) {
	const { headers, body } = request(o);
	let res;
	try {
		res = await fetch(BASE + path, { method, headers, body, redirect: 'manual' });
	} catch (e) {
		const r = { status: 0, headers: new Headers(), text: `fetch failed: ${e.message}`, json: null };
		record(method, path, r);
		return r;
	}
	const buf = Buffer.from(await res.arrayBuffer());
	const text = buf.toString('utf8');
	const json = jsonOf(text);
	const r = {
		status: res.status, headers: res.headers, text, buf, json,
		data: json ? json.data : undefined, error: json ? json.error : undefined,
		req: `${method} ${path.slice(0, 100)}`,
	};
	record(method, path, r);
	return r;
}

// show(r), ok(name, r, status), err(name, r, status, code, field): see
// lib.mjs; a failure shows the request and 700 characters of the body.
const { show, ok, err } = answerChecks(700);

// A download link from a mail or the API points at public_url: the same
// path on the lighttpd under test.
const local = (url) => {
	const u = new URL(url);
	return BASE + u.pathname + u.search;
};

async function download(url, method = 'GET') {
	const path = new URL(local(url)).pathname + new URL(local(url)).search;
	return api(method, path, { headers: { 'User-Agent': `pay-${SFX}-${hex(4)}` } });
}

// ---------------------------------------------------------------- the stand-in

// Its control API (/_standin/..., JSON).
async function si(method, path, body) {
	const res = await fetch(`${STRIPE}/_standin/${path}`, {
		method, headers: body !== undefined ? { 'Content-Type': 'application/json' } : {},
		body: body !== undefined ? JSON.stringify(body) : undefined,
	});
	const text = await res.text();
	return { status: res.status, json: jsonOf(text), text };
}

// Its Stripe API, as a Stripe dashboard or another client would call it.
async function stripeApi(method, path, form = {}, account) {
	const headers = { Authorization: `Bearer ${SK}`, 'Idempotency-Key': `pay-${hex(8)}` };
	if (account)
		headers['Stripe-Account'] = account;
	let body;
	if (method === 'POST') {
		headers['Content-Type'] = 'application/x-www-form-urlencoded';
		body = new URLSearchParams(form).toString();
	}
	const res = await fetch(`${STRIPE}${path}`, { method, headers, body });
	const text = await res.text();
	return { status: res.status, json: jsonOf(text), text };
}

// The /v1 requests the stand-in received that pass pred.
async function siRequests(pred) {
	const r = await si('GET', 'requests');
	return Array.isArray(r.json) ? r.json.filter(pred) : [];
}

const siObject = async (id) => (await si('GET', `objects/${encodeURIComponent(id)}`)).json;

// ---------------------------------------------------------------- tools

// lib.mjs's run, with stdin a pipe given input (none: closed at once).
const run = (cmd, args, env = {}, input) => runLib(cmd, args, env, input ?? '');

async function one(q, store) {
	const r = await rows(q, store);
	return r.length === 1 ? r[0] : null;
}

// ---------------------------------------------------------------- webhooks

// Stripe's own library signs (the header Stripe would send).
const signLib = (payload, secret = WH, t = now()) =>
	stripeLib.webhooks.generateTestHeaderString({ payload, secret, timestamp: t });
const v1 = (payload, secret, t) => createHmac('sha256', secret).update(`${t}.${payload}`).digest('hex');
// The same scheme written out here: t=..,v1=HMAC-SHA256(secret, "t.body").
const signHmac = (payload, secret = WH, t = now()) => `t=${t},v1=${v1(payload, secret, t)}`;

function stripeEvent(type, object, extra = {}) {
	return {
		id: `evt_pay${SFX}${hex(8)}`, object: 'event', api_version: '2024-06-20', created: now(),
		data: { object }, livemode: false, pending_webhooks: 1,
		request: { id: null, idempotency_key: null }, type, ...extra,
	};
}

// A checkout.session as Stripe sends it in an event, for order o.
function sessionObject(o, f = {}) {
	const sub = f.amount_subtotal ?? o.amount;
	const tax = f.tax ?? 0;
	const disc = f.discount ?? 0;
	return {
		id: o.cs, object: 'checkout.session', amount_subtotal: sub, amount_total: sub - disc + tax,
		client_reference_id: o.id, currency: 'usd',
		customer_details: { email: o.email, name: null }, customer_email: o.email,
		metadata: { order_id: o.id, store_id: o.store }, mode: 'payment',
		payment_intent: f.pi ?? null, payment_status: f.payment_status ?? 'paid',
		status: f.status ?? 'complete',
		total_details: { amount_discount: disc, amount_shipping: 0, amount_tax: tax },
	};
}

async function postHook(payload, signature) {
	const headers = { 'Content-Type': 'application/json; charset=utf-8' };
	if (signature !== null)
		headers['Stripe-Signature'] = signature;
	return api('POST', '/api/v1/webhooks/stripe', { raw: payload, headers });
}

// Sign ev (npm stripe, current secret unless given) and deliver it.
async function sendEvent(ev, secret = WH) {
	const payload = JSON.stringify(ev, null, 2);
	return postHook(payload, signLib(payload, secret));
}

const eventRow = (id) => one(`SELECT id, type, outcome, detail, store_id, order_id, account
    FROM stripe_events WHERE id = ${lit(id)}`);

// ---------------------------------------------------------------- set-up

const ctx = { stores: {}, users: {}, tokens: {}, products: {}, files: {} };
const A = () => ctx.stores.a;
const B = () => ctx.stores.b;
const C = () => ctx.stores.c;

async function storeCreate(k, name, currency, origins) {
	const args = ['store-create', '--slug', slug(k), '--name', `${name} ${SFX}`, '--currency', currency,
		'--support-email', mail(`support-${k}`)];
	for (const o of origins)
		args.push('--origin', o);
	const r = await run(COLMENA, args);
	const m = /\(([0-9a-f-]{36})\)/.exec(r.out);
	if (!check(`setup: colmena store-create ${slug(k)}`, r.code === 0 && m, `${r.code} ${r.out} ${r.err}`))
		throw new Error('cannot set up stores');
	ctx.stores[k] = { id: m[1], slug: slug(k), name: `${name} ${SFX}`, support: mail(`support-${k}`) };
}

// A product of store s; with content, a stored file as an upload leaves it.
async function product(k, s, name, price, o = {}) {
	const id = randomUUID();
	await sql(`INSERT INTO products (id, store_id, name, slug, price_minor, currency, is_active,
	    max_downloads, download_expiry_hours)
	    SELECT ${lit(id)}, s.id, ${lit(name)}, ${lit(`${k}-${SFX}`)}, ${price}, s.currency,
	    ${o.active === false ? 'false' : 'true'}, ${o.max ?? 5}, ${o.hours ?? 72}
	    FROM stores s WHERE s.id = ${lit(s.id)}`, s.id);
	ctx.products[k] = { id, name, price, max: o.max ?? 5, hours: o.hours ?? 72, store: s.id };
	if (o.content !== undefined)
		await attachFile(k, o.content);
	return ctx.products[k];
}

// A new version of product k's file: written where local storage keeps it,
// recorded as cgi-bin/admin_files.c records an upload.
async function attachFile(k, content) {
	const p = ctx.products[k];
	const fid = randomUUID();
	const key = `stores/${p.store}/products/files/${fid}`;
	const path = join(STORAGE, key);
	mkdirSync(dirname(path), { recursive: true });
	writeFileSync(path, content);
	const sum = sha256hex(content);
	const fname = `${k}-${SFX}.txt`;
	await sql(`INSERT INTO product_files (id, store_id, product_id, storage_key, backend, file_name,
	    content_type, size, sha256) VALUES (${lit(fid)}, ${lit(p.store)}, ${lit(p.id)}, ${lit(key)},
	    'local', ${lit(fname)}, 'text/plain', ${content.length}, ${lit(sum)});
	    UPDATE products SET file_id = ${lit(fid)}, file_key = ${lit(key)}, file_name = ${lit(fname)},
	    file_size = ${content.length}, file_type = 'text/plain', file_sha256 = ${lit(sum)}
	    WHERE id = ${lit(p.id)}`, p.store);
	ctx.files[fid] = { content, sha256: sum };
	p.file = fid;
	p.sha256 = sum;
	p.content = content;
}

async function setup() {
	await storeCreate('a', 'Pay Shop', 'USD', [SHOP, BASE]);
	await storeCreate('b', 'Pay Other', 'EUR', ['https://other.pay.test']);
	await storeCreate('c', 'Pay Connect', 'USD', [BASE]);
	await storeCreate('d', 'Pay Yen', 'JPY', [SHOP]);
	const people = [['oa', 'a', 'owner'], ['aa', 'a', 'admin'], ['ea', 'a', 'editor'],
		['ob', 'b', 'owner'], ['oc', 'c', 'owner']];
	const mk = async ([who, st, role]) => {
		const r = await run(COLMENA, ['user-create', '--store', slug(st), '--email', mail(who), '--role', role],
		    { COLMENA_PASSWORD: PW });
		check(`setup: colmena user-create ${mail(who)}`, r.code === 0, `${r.code} ${r.out} ${r.err}`);
	};
	for (let i = 0; i < people.length; i += 2)
		await Promise.all(people.slice(i, i + 2).map(mk));
	for (const u of await rows(`SELECT lower(email) AS email, id FROM users WHERE email LIKE ${lit(`%-${SFX}@pay.test`)}`))
		ctx.users[u.email] = u.id;
	const sign = async ([who]) => {
		const r = await api('POST', '/api/v1/admin/auth/token', { body: { email: mail(who), password: PW } });
		if (check(`setup: ${mail(who)} signs in`, r.status === 200 && r.data && r.data.token, () => show(r)))
			ctx.tokens[who] = r.data.token;
		else
			ctx.tokens[who] = 'no-token';
	};
	for (let i = 0; i < people.length; i += 2)
		await Promise.all(people.slice(i, i + 2).map(sign));
	const kr = await api('POST', '/api/v1/admin/api-keys',
	    { token: ctx.tokens.oa, body: { name: `pay read ${SFX}`, permissions: ['products.read'] } });
	check('setup: an API key with [products.read]', kr.status === 201 && kr.data && kr.data.key, () => show(kr));
	ctx.readKey = kr.data ? kr.data.key : 'ck_none';

	const text = (label) => Buffer.from(`${label} ${SFX}\n${randomBytes(3000).toString('base64')}\n`);
	await product('p1', A(), `Pay Handbook ${SFX}`, 1299, { max: 3, hours: 48, content: text('handbook') });
	await product('p2', A(), `Pay Album ${SFX}`, 500, { max: 4, hours: 24, content: text('album') });
	await product('p3', A(), `Pay Withdrawn ${SFX}`, 100, { active: false, content: text('withdrawn') });
	await product('p4', A(), `Pay Notice ${SFX}`, 250, { max: 5, hours: 72, content: text('notice v1') });
	await product('p5', A(), `Pay Snapshot ${SFX}`, 700, { content: text('snapshot') });
	await product('p6', A(), `Pay <script>alert(1)</script> & "Co" ${SFX}`, 100, { content: text('markup') });
	await product('pb', B(), `Pay Other Store ${SFX}`, 999, { content: text('other') });
	await product('pc', C(), `Pay Connected ${SFX}`, 300, { max: 2, content: text('connected') });
	await product('pd', ctx.stores.d, `Pay Yen Guide ${SFX}`, 1500, { content: text('yen') });
}

const P = (k) => ctx.products[k];
const uid = (who) => ctx.users[mail(who)];

// ---------------------------------------------------------------- orders

let orderN = 0;
// A checkout for store s: items [[productKey, quantity], ...]. Returns the
// answer and what the order is (id, key, session, email, amount minor).
async function checkout(s, items, o = {}) {
	const email = o.email ?? mail(`buyer${++orderN}`);
	const body = {
		items: items.map(([k, q]) => (q === undefined ? { productId: P(k).id } : { productId: P(k).id, quantity: q })),
		customer: { email, ...(o.name ? { name: o.name } : {}) },
		successUrl: o.successUrl ?? `${SHOP}/thanks`,
		...(o.cancelUrl !== undefined ? { cancelUrl: o.cancelUrl } : {}),
		...(o.consent !== undefined ? { marketingConsent: o.consent } : {}),
	};
	if (s === C() && o.successUrl === undefined)
		body.successUrl = `${BASE}/api/health`;
	const r = await api('POST', `/api/v1/stores/${s.id}/checkout`, { body, origin: o.origin });
	const d = r.data || {};
	const m = /\/pay\/(cs_[A-Za-z0-9_]+)/.exec(d.checkoutUrl || '');
	return {
		r, id: d.orderId, key: d.orderKey, cs: m ? m[1] : null, email, store: s.id,
		amount: items.reduce((t, [k, q]) => t + P(k).price * (q ?? 1), 0),
	};
}

// A paid order of store A: checkout, then the stand-in's test checkout
// completes the session and delivers checkout.session.completed.
async function paidOrder(items, o = {}) {
	const ord = await checkout(o.store ?? A(), items, o);
	if (!ord.cs)
		return ord;
	const c = await si('POST', `sessions/${ord.cs}/complete`, o.complete ?? {});
	ord.completed = c;
	ord.pi = c.json && c.json.event ? c.json.event.data.object.payment_intent : null;
	if (ord.pi) {
		const pi = await siObject(ord.pi);
		ord.charge = pi ? pi.latest_charge : null;
	}
	return ord;
}

const orderRow = (o) => one(`SELECT id, status, kind, subtotal_minor, tax_minor, discount_minor,
    total_minor, refunded_minor, paid_at, customer_email, customer_name, marketing_consent,
    stripe_checkout_session_id, stripe_payment_intent_id, stripe_account_id, checkout_url,
    encode(access_key_hash, 'hex') AS key_hash, status_before_dispute
    FROM orders WHERE id = ${lit(o.id)}`, o.store);
const statusOf = async (o) => {
	const r = o.id ? await orderRow(o) : null;
	return r ? r.status : null;
};
const waitStatus = (o, want, ms = 8000) => waitFor(async () => {
	const s = await statusOf(o);
	return s === want ? s : null;
}, ms).then(async (v) => v ?? await statusOf(o));
const tokensOf = (o) => rows(`SELECT d.id, d.product_id, d.max_downloads, d.download_count,
    d.file_id, d.revoked_at, extract(epoch FROM d.expires_at - now())::int AS ttl
    FROM download_tokens d WHERE d.order_id = ${lit(o.id)} ORDER BY d.created_at, d.id`, o.store);
const receiptsOf = (o, kind = 'receipt') => rows(`SELECT id, kind, recipient, subject, body_text,
    body_html, reply_to, store_id FROM outbox WHERE kind = ${lit(kind)}
    AND payload->>'orderId' = ${lit(o.id)} ORDER BY id`);
const purchasesOf = async (o) => Number(await sql(`SELECT count(*) FROM analytics_events
    WHERE event_type = 'purchase' AND properties->>'orderId' = ${lit(o.id)}`, o.store));
const ordersOfStore = async (s) => Number(await sql(`SELECT count(*) FROM orders WHERE store_id = ${lit(s.id)}`, s.id));

// The buyer's view of o (JSON).
const buyerView = (o, key = o.key) => api('GET', `/api/v1/public/orders/${o.id}?key=${encodeURIComponent(key)}`);

// ---------------------------------------------------------------- 1. checkout

async function checkoutHappy() {
	const t = now();
	const o = await checkout(A(), [['p1', 2], ['p2', 1]], {
		name: 'Ana Pérez', consent: true, origin: SHOP,
		successUrl: `${SHOP}/thanks?ref=mail#top`, cancelUrl: `${SHOP}/cart`,
	});
	ctx.o1 = o;
	const r = o.r;
	ok('checkout: POST /stores/{id}/checkout answers 201', r, 201);
	const d = r.data || {};
	check('checkout: the answer has exactly orderId, orderKey, checkoutUrl, expiresAt, amount, currency',
	    same(Object.keys(d).sort(), ['amount', 'checkoutUrl', 'currency', 'expiresAt', 'orderId', 'orderKey']), d);
	check('checkout: amount is the database prices times quantities (30.98 USD)',
	    d.amount === 30.98 && d.currency === 'USD', d);
	check('checkout: orderId is a UUID and orderKey a 43-character key',
	    /^[0-9a-f-]{36}$/.test(d.orderId || '') && /^[A-Za-z0-9_-]{43}$/.test(d.orderKey || ''), d);
	check('checkout: checkoutUrl is the session\'s page at Stripe',
	    typeof d.checkoutUrl === 'string' && d.checkoutUrl.startsWith(`${STRIPE}/pay/cs_`) && o.cs, d);
	const exp = Date.parse(d.expiresAt || '') / 1000;
	check(`checkout: expiresAt is about now + checkout_expiry (${EXPIRY} s)`,
	    Math.abs(exp - (t + EXPIRY)) < 120, `${d.expiresAt} vs now ${t}`);
	check('checkout: CORS header for an allowed Origin',
	    r.headers.get('access-control-allow-origin') === SHOP, () => `ACAO ${r.headers.get('access-control-allow-origin')}`);

	// What Stripe received.
	const reqs = await siRequests((q) => q.path === '/v1/checkout/sessions' &&
	    q.headers['idempotency-key'] === `colmena-checkout-${d.orderId}`);
	check('checkout: the stand-in got exactly one session request, Idempotency-Key colmena-checkout-<orderId>',
	    reqs.length === 1, `${reqs.length} requests`);
	const q = reqs[0] || { params: {}, headers: {} };
	const p = q.params || {};
	check('checkout: POST form-encoded, authorised, with Stripe-Version and no Stripe-Account',
	    q.method === 'POST' && /^application\/x-www-form-urlencoded/.test(q.headers['content-type'] || '') &&
	    q.authorization === 'present' && /^\d{4}-\d{2}-\d{2}/.test(q.headers['stripe-version'] || '') &&
	    q.headers['stripe-account'] === null, q.headers);
	check('checkout: mode=payment', p.mode === 'payment', p.mode);
	check('checkout: exactly the session parameters expected, nothing else',
	    same(Object.keys(p).sort(), ['cancel_url', 'client_reference_id', 'customer_email', 'expires_at',
		'line_items', 'metadata', 'mode', 'payment_intent_data', 'success_url']), Object.keys(p));
	const li = Array.isArray(p.line_items) ? p.line_items : [];
	const dbPrices = await rows(`SELECT id, name, price_minor FROM products WHERE id IN (${lit(P('p1').id)}, ${lit(P('p2').id)})`, A().id);
	const price = (k) => String((dbPrices.find((x) => x.id === P(k).id) || {}).price_minor);
	check('checkout: line_items carry price_data from the database prices, names and quantities',
	    li.length === 2 && li[0].price_data && li[0].price_data.currency === 'usd' &&
	    li[0].price_data.unit_amount === price('p1') && li[0].price_data.product_data.name === P('p1').name &&
	    li[0].quantity === '2' && li[1].price_data.unit_amount === price('p2') &&
	    li[1].price_data.product_data.name === P('p2').name && li[1].quantity === '1' &&
	    li.every((x) => x.price === undefined), li);
	check('checkout: customer_email and client_reference_id',
	    p.customer_email === o.email && p.client_reference_id === d.orderId, p);
	check('checkout: metadata[order_id] and metadata[store_id]',
	    p.metadata && p.metadata.order_id === d.orderId && p.metadata.store_id === A().id, p.metadata);
	check('checkout: payment_intent_data[metadata] names the order and the store',
	    p.payment_intent_data && p.payment_intent_data.metadata &&
	    p.payment_intent_data.metadata.order_id === d.orderId &&
	    p.payment_intent_data.metadata.store_id === A().id, p.payment_intent_data);
	check('checkout: no platform fee without a connected account',
	    !p.payment_intent_data || p.payment_intent_data.application_fee_amount === undefined, p.payment_intent_data);
	check('checkout: success_url has orderId and orderKey added before the #fragment',
	    p.success_url === `${SHOP}/thanks?ref=mail&orderId=${d.orderId}&orderKey=${d.orderKey}#top`, p.success_url);
	check('checkout: cancel_url as given', p.cancel_url === `${SHOP}/cart`, p.cancel_url);
	check('checkout: expires_at is about now + checkout_expiry',
	    Math.abs(Number(p.expires_at) - (Math.floor(q.at / 1000) + EXPIRY)) < 60 &&
	    Math.abs(Number(p.expires_at) - exp) < 2, `${p.expires_at} at ${q.at}`);
	check('checkout: no promotion codes or automatic tax unless the store turns them on',
	    p.allow_promotion_codes === undefined && p.automatic_tax === undefined, p);

	// The order in the database.
	const row = await orderRow(o);
	check('checkout: the order is pending with the amounts, buyer and consent',
	    row && row.status === 'pending' && row.kind === 'checkout' && Number(row.total_minor) === 3098 &&
	    Number(row.subtotal_minor) === 3098 && row.customer_email === o.email &&
	    row.customer_name === 'Ana Pérez' && row.marketing_consent === true && row.paid_at === null, row);
	check('checkout: the order keeps the session id and the SHA-256 of its key (never the key)',
	    row && row.stripe_checkout_session_id === o.cs && row.key_hash === sha256hex(d.orderKey || ''), row);
	const items = await rows(`SELECT product_id, product_name, quantity, price_minor FROM order_items
	    WHERE order_id = ${lit(o.id)} ORDER BY price_minor DESC`, A().id);
	check('checkout: order_items snapshot each product\'s name and price',
	    items.length === 2 && items[0].product_id === P('p1').id && items[0].product_name === P('p1').name &&
	    Number(items[0].price_minor) === 1299 && items[0].quantity === 2 &&
	    items[1].product_id === P('p2').id && Number(items[1].price_minor) === 500 && items[1].quantity === 1, items);

	// The snapshot stays when the product changes.
	const s = await checkout(A(), [['p5']]);
	await sql(`UPDATE products SET name = 'Renamed later', price_minor = 999 WHERE id = ${lit(P('p5').id)}`, A().id);
	const si5 = await rows(`SELECT product_name, price_minor FROM order_items WHERE order_id = ${lit(s.id)}`, A().id);
	check('checkout: a product renamed and repriced later leaves the order\'s snapshot alone',
	    si5.length === 1 && si5[0].product_name === P('p5').name && Number(si5[0].price_minor) === 700, si5);
	const v5 = await buyerView(s);
	check('checkout: the buyer\'s order still shows the name and price bought',
	    v5.data && v5.data.items && v5.data.items[0].name === P('p5').name && v5.data.items[0].unitPrice === 7, () => show(v5));

	// CORS: another origin gets no CORS headers; preflight.
	const r2 = await api('POST', `/api/v1/stores/${A().id}/checkout`, { body: { items: [] }, origin: 'https://evil.pay.test' });
	check('checkout: no CORS header for an origin the store does not allow',
	    r2.headers.get('access-control-allow-origin') === null, () => `ACAO ${r2.headers.get('access-control-allow-origin')}`);
	const pre = await api('OPTIONS', `/api/v1/stores/${A().id}/checkout`,
	    { headers: { Origin: SHOP, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' } });
	check('checkout: OPTIONS preflight from an allowed origin: 204 with the origin, POST and Content-Type allowed',
	    pre.status === 204 && pre.headers.get('access-control-allow-origin') === SHOP &&
	    /\bPOST\b/.test(pre.headers.get('access-control-allow-methods') || '') &&
	    /content-type/i.test(pre.headers.get('access-control-allow-headers') || ''),
	() => `${pre.status} ${[...pre.headers].join('; ')}`);
	const pre2 = await api('OPTIONS', `/api/v1/stores/${A().id}/checkout`,
	    { headers: { Origin: 'https://evil.pay.test', 'Access-Control-Request-Method': 'POST' } });
	check('checkout: OPTIONS preflight from another origin gets no CORS headers',
	    pre2.status < 300 && pre2.headers.get('access-control-allow-origin') === null, () => `${pre2.status} ${[...pre2.headers].join('; ')}`);
	// A currency without decimals: minor units are yen.
	const y = await paidOrder([['pd', 2]], { store: ctx.stores.d, complete: { amount_tax: 150 } });
	ok('checkout in JPY -> 201', y.r, 201);
	check('checkout in JPY: amount 3000 JPY (no decimals)', y.r.data && y.r.data.amount === 3000 && y.r.data.currency === 'JPY', y.r.data);
	const yq = await siRequests((x) => x.path === '/v1/checkout/sessions' && x.headers['idempotency-key'] === `colmena-checkout-${y.id}`);
	check('checkout in JPY: Stripe gets unit_amount 1500 jpy', yq.length === 1 &&
	    yq[0].params.line_items[0].price_data.unit_amount === '1500' && yq[0].params.line_items[0].price_data.currency === 'jpy', yq[0] && yq[0].params);
	const yv = (await buyerView(y)).data || {};
	check('checkout in JPY: paid, total 3150 with the tax Stripe reports', yv.status === 'paid' && yv.total === 3150 && yv.tax === 150, yv);
	const yr = (await receiptsOf(y))[0] || {};
	check('checkout in JPY: the receipt says 3150 JPY', /Total:\s+3150 JPY/.test(yr.body_text || ''), yr.body_text);
	const byslug = await checkout({ ...A(), id: A().slug }, [['p2']]);
	ok('checkout: the store may be named by its slug', byslug.r, 201);
}

// ---------------------------------------------------------------- 2. bad input

async function checkoutBad() {
	const s = A();
	const url = `/api/v1/stores/${s.id}/checkout`;
	const good = () => ({
		items: [{ productId: P('p1').id, quantity: 1 }],
		customer: { email: mail('bad'), name: 'Bad Input' },
		successUrl: `${SHOP}/ok`, cancelUrl: `${SHOP}/cancel`,
	});
	const edit = (f) => {
		const b = good();
		f(b);
		return b;
	};
	const many = Array.from({ length: 21 }, () => ({ productId: randomUUID(), quantity: 1 }));
	const cases = [
		['malformed JSON', { raw: '{"items": [', ct: 'application/json' }, 400, 'VALIDATION_ERROR', 'body'],
		['items empty', edit((b) => { b.items = []; }), 400, 'VALIDATION_ERROR', 'items'],
		['21 items', edit((b) => { b.items = many; }), 400, 'VALIDATION_ERROR', 'items'],
		['items not an array', edit((b) => { b.items = { productId: P('p1').id }; }), 400, 'VALIDATION_ERROR', 'items'],
		['an item that is not an object', edit((b) => { b.items = [P('p1').id]; }), 400, 'VALIDATION_ERROR', 'items'],
		['productId not a UUID', edit((b) => { b.items[0].productId = 'not-a-uuid'; }), 400, 'VALIDATION_ERROR', 'items[0].productId'],
		['unknown product', edit((b) => { b.items[0].productId = randomUUID(); }), 400, 'VALIDATION_ERROR', 'items[0].productId'],
		['another store\'s product', edit((b) => { b.items[0].productId = P('pb').id; }), 400, 'VALIDATION_ERROR', 'items[0].productId'],
		['inactive product', edit((b) => { b.items[0].productId = P('p3').id; }), 400, 'VALIDATION_ERROR', 'items[0].productId'],
		['the same product twice', edit((b) => { b.items.push({ productId: P('p1').id, quantity: 2 }); }), 400, 'VALIDATION_ERROR', 'items[1].productId'],
		['quantity 0', edit((b) => { b.items[0].quantity = 0; }), 400, 'VALIDATION_ERROR', 'items[0].quantity'],
		['quantity 11', edit((b) => { b.items[0].quantity = 11; }), 400, 'VALIDATION_ERROR', 'items[0].quantity'],
		['quantity 1.5', edit((b) => { b.items[0].quantity = 1.5; }), 400, 'VALIDATION_ERROR', 'items[0].quantity'],
		['quantity "2" (a string)', edit((b) => { b.items[0].quantity = '2'; }), 400, 'VALIDATION_ERROR', 'items[0].quantity'],
		['customer missing', edit((b) => { delete b.customer; }), 400, 'VALIDATION_ERROR', 'customer'],
		['customer email not an address', edit((b) => { b.customer.email = 'not-an-address'; }), 400, 'VALIDATION_ERROR', 'customer.email'],
		['customer name with control characters', edit((b) => { b.customer.name = 'Ana\u0007\u001b[31m'; }), 400, 'VALIDATION_ERROR', 'customer.name'],
		['an unknown top-level field', edit((b) => { b.coupon = 'FREE'; }), 400, 'VALIDATION_ERROR', 'coupon'],
		['an unknown customer field', edit((b) => { b.customer.phone = '555'; }), 400, 'VALIDATION_ERROR', 'customer.phone'],
		['a price in the item (tampering)', edit((b) => { b.items[0].price = 0.01; }), 400, 'VALIDATION_ERROR', 'items[0].price'],
		['an amount at the top (tampering)', edit((b) => { b.amount = 0.01; }), 400, 'VALIDATION_ERROR', 'amount'],
		['successUrl on another origin (open redirect)', edit((b) => { b.successUrl = 'https://evil.pay.test/phish'; }), 400, 'VALIDATION_ERROR', 'successUrl'],
		['successUrl with the allowed host as user info', edit((b) => { b.successUrl = `${SHOP}@evil.pay.test/`; }), 400, 'VALIDATION_ERROR', 'successUrl'],
		['successUrl javascript:', edit((b) => { b.successUrl = 'javascript:alert(document.cookie)'; }), 400, 'VALIDATION_ERROR', 'successUrl'],
		['successUrl with spaces', edit((b) => { b.successUrl = `${SHOP}/thank you`; }), 400, 'VALIDATION_ERROR', 'successUrl'],
		['successUrl missing', edit((b) => { delete b.successUrl; }), 400, 'VALIDATION_ERROR', 'successUrl'],
		['cancelUrl on another origin', edit((b) => { b.cancelUrl = 'https://evil.pay.test/'; }), 400, 'VALIDATION_ERROR', 'cancelUrl'],
		['cancelUrl http: where the store allows https:', edit((b) => { b.cancelUrl = 'http://shop.pay.test/'; }), 400, 'VALIDATION_ERROR', 'cancelUrl'],
		['wrong Content-Type', { raw: JSON.stringify(good()), ct: 'text/plain' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
		['a form body', { raw: 'items=1', ct: 'application/x-www-form-urlencoded' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
		['body over body_max', { raw: JSON.stringify({ ...good(), pad: 'x'.repeat(BODY_MAX + 10) }), ct: 'application/json' }, 413, 'PAYLOAD_TOO_LARGE'],
	];
	const before = await ordersOfStore(s);
	let count = before;
	for (const [what, body, status, code, field] of cases) {
		const o = body.raw !== undefined ?
		    { raw: body.raw, headers: { 'Content-Type': body.ct } } : { body };
		const r = await api('POST', url, o);
		err(`checkout, bad input: ${what} -> ${status} ${code}${field ? ` naming ${field}` : ''}`, r, status, code, field);
		const n = await ordersOfStore(s);
		check(`checkout, bad input: ${what}: no order row made`, n === count, `${n - count} orders made`);
		count = n;
	}
	const payload = JSON.stringify(good());
	const r = await api('POST', `/api/v1/stores/${randomUUID()}/checkout`, { raw: payload });
	err('checkout: an unknown store id -> 404 NOT_FOUND', r, 404, 'NOT_FOUND');
	const r2 = await api('POST', '/api/v1/stores/no-such-store-here/checkout', { raw: payload });
	err('checkout: an unknown store slug -> 404 NOT_FOUND', r2, 404, 'NOT_FOUND');
	const r3 = await api('POST', `/api/v1/stores/${slug('closed')}/checkout`, { raw: payload });
	err('checkout: a slug no store has -> 404', r3, 404, 'NOT_FOUND');
	const r4 = await api('GET', `/api/v1/stores/${s.id}/checkout`);
	check('checkout: GET is not a checkout (405 or 404 envelope)', [404, 405].includes(r4.status) && envelope(r4), () => show(r4));
	check('checkout: none of the refused requests made an order', await ordersOfStore(s) === before,
	    `${await ordersOfStore(s) - before} orders made`);
}

// ---------------------------------------------------------------- 3. Stripe failing

async function stripeFailing() {
	const path = '/v1/checkout/sessions';
	const cases = [
		['Stripe declines (402 card_error)', { status: 402, type: 'card_error', code: 'card_declined',
			message: 'Your card was declined.' }, 502, 'PAYMENT_PROVIDER_ERROR', (m) => m === 'Your card was declined.'],
		['Stripe refuses the key (401)', { status: 401, type: 'invalid_request_error',
			message: `Invalid API Key provided: ${SK}` }, 502, 'PAYMENT_PROVIDER_ERROR',
		(m, t) => /credentials/i.test(m) && !t.includes(SK) && !/sk_test/.test(t)],
		['Stripe has an internal error (500, twice)', { status: 500, type: 'api_error', count: 2,
			message: 'Stripe is down (test)' }, 503, 'SERVICE_UNAVAILABLE', (m) => !/Stripe is down/.test(m)],
		['Stripe hangs (past stripe_timeout)', { mode: 'hang' }, 503, 'SERVICE_UNAVAILABLE', (m) => /time|answer/i.test(m)],
		['Stripe closes the connection (twice)', { mode: 'close', count: 2 }, 503, 'SERVICE_UNAVAILABLE', () => true],
	];
	for (const [what, rule, status, code, msgOk] of cases) {
		await si('DELETE', 'fail');
		const f = await si('POST', 'fail', { path, method: 'POST', ...rule });
		check(`Stripe failing: the stand-in takes the rule (${what})`, f.status === 200, f.text);
		const t0 = Date.now();
		const o = await checkout(A(), [['p1']], { email: mail(`fail${hex(3)}`) });
		const ms = Date.now() - t0;
		err(`Stripe failing: ${what} -> ${status} ${code}`, o.r, status, code);
		check(`Stripe failing: ${what}: the message is ours or Stripe's, safe to show`,
		    o.r.error && msgOk(o.r.error.message, o.r.text), () => show(o.r));
		check(`Stripe failing: ${what}: answered within a few seconds`, ms < 12000, `${ms} ms`);
		const ord = await one(`SELECT status, stripe_checkout_session_id, checkout_url FROM orders
		    WHERE store_id = ${lit(A().id)} AND customer_email = ${lit(o.email)}`, A().id);
		check(`Stripe failing: ${what}: the order stays pending with no session`,
		    ord !== null && ord.status === 'pending' && ord.stripe_checkout_session_id === null &&
		    ord.checkout_url === null, ord);
	}
	await si('DELETE', 'fail');
	const o = await checkout(A(), [['p1']]);
	ok('Stripe failing: once Stripe answers again, a checkout works', o.r, 201);
	check('Stripe failing: ... and its order has its session', (await orderRow(o) || {}).stripe_checkout_session_id === o.cs, o.cs);
}

// ---------------------------------------------------------------- 4. PaymentIntents

async function paymentIntents() {
	const email = mail('elements');
	const r = await api('POST', `/api/v1/stores/${A().id}/payment-intents`,
	    { body: { items: [{ productId: P('p1').id, quantity: 1 }, { productId: P('p2').id }], customer: { email } } });
	ok('payment intent: POST /stores/{id}/payment-intents answers 201', r, 201);
	const d = r.data || {};
	check('payment intent: clientSecret, publishableKey, orderId, orderKey, amount, currency',
	    /^pi_[A-Za-z0-9]+_secret_[A-Za-z0-9]+$/.test(d.clientSecret || '') && d.publishableKey === (PK || null) &&
	    /^[0-9a-f-]{36}$/.test(d.orderId || '') && /^[A-Za-z0-9_-]{43}$/.test(d.orderKey || '') &&
	    d.amount === 17.99 && d.currency === 'USD' && (d.stripeAccount === null || d.stripeAccount === undefined), d);
	const pi = (d.clientSecret || '').split('_secret_')[0];
	const reqs = await siRequests((q) => q.path === '/v1/payment_intents' && q.method === 'POST' &&
	    q.params && q.params.metadata && q.params.metadata.order_id === d.orderId);
	const p = reqs.length === 1 ? reqs[0].params : {};
	check('payment intent: the stand-in got one PaymentIntent with amount, currency and metadata',
	    reqs.length === 1 && p.amount === '1799' && p.currency === 'usd' && p.metadata.store_id === A().id &&
	    reqs[0].headers['idempotency-key'] === `colmena-intent-${d.orderId}`, reqs);
	const o = { id: d.orderId, key: d.orderKey, store: A().id, email };
	const row = await orderRow(o);
	check('payment intent: the order is pending, kind payment_intent, with the PaymentIntent id',
	    row && row.status === 'pending' && row.kind === 'payment_intent' && row.stripe_payment_intent_id === pi, row);
	const sres = await si('POST', `payment_intents/${pi}/succeed`, {});
	check('payment intent: payment_intent.succeeded is delivered and applied',
	    sres.json && sres.json.delivery && sres.json.delivery.status === 200 &&
	    /"outcome":"applied"/.test(sres.json.delivery.body), sres.text);
	check('payment intent: the order is paid', await statusOf(o) === 'paid', await statusOf(o));
	const toks = await tokensOf(o);
	check('payment intent: a paid PaymentIntent order gets its download links', toks.length === 2, toks);
	const rc = await receiptsOf(o);
	check('payment intent: and its receipt', rc.length === 1, rc.length);

	// Fails, then succeeds with another card.
	const r2 = await api('POST', `/api/v1/stores/${A().id}/payment-intents`,
	    { body: { items: [{ productId: P('p2').id }], customer: { email: mail('elements2') } } });
	ok('payment intent: a second one', r2, 201);
	const d2 = r2.data || {};
	const pi2 = (d2.clientSecret || '').split('_secret_')[0];
	const o2 = { id: d2.orderId, key: d2.orderKey, store: A().id };
	const f = await si('POST', `payment_intents/${pi2}/fail`, { message: 'Your card has insufficient funds.' });
	check('payment intent: payment_intent.payment_failed is delivered', f.json && f.json.delivery && f.json.delivery.status === 200, f.text);
	const frow = await orderRow(o2);
	check('payment intent: a failed payment makes the order failed, with Stripe\'s reason kept',
	    frow && frow.status === 'failed', frow);
	const v = await buyerView(o2);
	check('payment intent: the buyer sees failed and no downloads',
	    v.data && v.data.status === 'failed' && Array.isArray(v.data.downloads) && v.data.downloads.length === 0, () => show(v));
	await si('POST', `payment_intents/${pi2}/succeed`, {});
	check('payment intent: a later success pays the failed order', await waitStatus(o2, 'paid') === 'paid', await statusOf(o2));
	const bad = await api('POST', `/api/v1/stores/${A().id}/payment-intents`,
	    { body: { items: [{ productId: P('p2').id }], customer: { email: mail('x') }, successUrl: `${SHOP}/x` } });
	err('payment intent: successUrl is not a PaymentIntent field -> 400', bad, 400, 'VALIDATION_ERROR', 'successUrl');
}

// ---------------------------------------------------------------- 5. signatures

async function signatures() {
	const o = await checkout(A(), [['p2']]);
	const ev = stripeEvent('checkout.session.completed', sessionObject(o, { pi: `pi_pay${SFX}sig` }));
	const payload = JSON.stringify(ev, null, 2);
	const t = now();
	const right = v1(payload, WH, t);
	const bad = [
		['the body altered after signing', payload.replace(`"amount_total": ${o.amount}`, '"amount_total": 1'), signLib(payload)],
		['a timestamp 10 minutes old', payload, signLib(payload, WH, t - 600)],
		['a timestamp just past the 300 s tolerance', payload, signHmac(payload, WH, t - 330)],
		['a timestamp 10 minutes ahead', payload, signLib(payload, WH, t + 600)],
		['the wrong secret', payload, signLib(payload, 'whsec_not_ours_0123456789')],
		['no Stripe-Signature header', payload, null],
		['an empty Stripe-Signature header', payload, ''],
		['a header with only v0', payload, `t=${t},v0=${right}`],
		['a header without t', payload, `v1=${right}`],
		['a signature in upper-case hex', payload, `t=${t},v1=${right.toUpperCase()}`],
		['a truncated signature', payload, `t=${t},v1=${right.slice(0, 63)}`],
		['a signature of t.body signed for another t', payload, `t=${t + 1},v1=${right}`],
		['garbage', payload, 'garbage'],
	];
	for (const [what, body, sig] of bad) {
		const r = await postHook(body, sig);
		check(`webhook signature: ${what} -> 400, refused`,
		    r.status === 400 && envelope(r) && r.json.success === false && r.error && r.error.code, () => show(r));
	}
	check('webhook signature: refused deliveries record nothing (no stripe_events row)',
	    await eventRow(ev.id) === null, await eventRow(ev.id));
	const row0 = await orderRow(o);
	check('webhook signature: refused deliveries change nothing (order pending, no links, no receipt)',
	    row0 && row0.status === 'pending' && (await tokensOf(o)).length === 0 && (await receiptsOf(o)).length === 0, row0);

	// Accepted: Stripe's library with the current secret.
	const r = await postHook(payload, signLib(payload));
	ok('webhook signature: signed by npm stripe with the current secret -> 200', r);
	check('webhook signature: the answer is {received, eventId, outcome}',
	    r.data && r.data.received === true && r.data.eventId === ev.id && r.data.outcome === 'applied', r.data);
	check('webhook signature: the event applied: order paid', await statusOf(o) === 'paid', await statusOf(o));
	const er = await eventRow(ev.id);
	check('webhook signature: the event is recorded with its order and store',
	    er && er.outcome === 'applied' && er.order_id === o.id && er.store_id === A().id && er.type === ev.type, er);

	// Accepted variants, each a new event of a type we do not act on.
	const unknown = () => stripeEvent('customer.created', { id: `cus_${hex(6)}`, object: 'customer', email: mail('cus') });
	const goods = [
		['a hand-rolled HMAC with the current secret', (p) => signHmac(p, WH)],
		['several v1, one of them right', (p) => {
			const tt = now();
			return `t=${tt},v1=${v1(p, 'whsec_wrong_1', tt)},v1=${v1(p, WH, tt)},v1=${'0'.repeat(64)}`;
		}],
		['v0 and v1 together (v1 right)', (p) => {
			const tt = now();
			return `t=${tt},v0=${'1'.repeat(64)},v1=${v1(p, WH, tt)}`;
		}],
		['a timestamp 4 minutes old', (p) => signLib(p, WH, now() - 240)],
	];
	if (WH_PREV)
		goods.push(['the previous secret (rotation)', (p) => signLib(p, WH_PREV)]);
	if (WH_CONNECT)
		goods.push(['the Connect endpoint\'s secret', (p) => signLib(p, WH_CONNECT)]);
	for (const [what, signer] of goods) {
		const e = unknown();
		const p = JSON.stringify(e);
		const rr = await postHook(p, signer(p));
		check(`webhook signature: ${what} -> 200 accepted`,
		    rr.status === 200 && rr.data && rr.data.eventId === e.id && rr.data.received === true, () => show(rr));
	}
	const e = unknown();
	const rr = await sendEvent(e);
	check('webhook: an event type we do not act on -> 200, outcome ignored',
	    rr.status === 200 && rr.data && rr.data.outcome === 'ignored', () => show(rr));
	const erow = await eventRow(e.id);
	check('webhook: ... and it is recorded as ignored', erow && erow.outcome === 'ignored' && erow.type === 'customer.created', erow);
	const text = 'this is not json';
	const nj = await postHook(text, signLib(text));
	check('webhook: a body that is not JSON, well signed -> 400', nj.status === 400 && envelope(nj) && !nj.json.success, () => show(nj));
	const noid = JSON.stringify({ object: 'event', type: 'customer.created', data: { object: {} } });
	const ni = await postHook(noid, signLib(noid));
	check('webhook: an event without an id, well signed -> 400', ni.status === 400 && envelope(ni), () => show(ni));
	const big = JSON.stringify({ ...unknown(), pad: 'x'.repeat(BODY_MAX + 10) });
	const bg = await postHook(big, signLib(big));
	check('webhook: a body over body_max -> 413', bg.status === 413 && envelope(bg), () => show(bg));
}

// ---------------------------------------------------------------- 6. exactly once

async function exactlyOnce() {
	// The same delivery twice.
	const o = await checkout(A(), [['p1', 2], ['p2', 1]]);
	const c = await si('POST', `sessions/${o.cs}/complete`, { deliver: false });
	const { payload, signature, event } = c.json || {};
	const r1 = await postHook(payload, signature);
	check('exactly once: the first delivery applies', r1.status === 200 && r1.data && r1.data.outcome === 'applied', () => show(r1));
	const r2 = await postHook(payload, signature);
	check('exactly once: the same event again -> 200, outcome duplicate',
	    r2.status === 200 && r2.data && r2.data.outcome === 'duplicate' && r2.data.eventId === event.id, () => show(r2));
	check('exactly once: one set of download links', (await tokensOf(o)).length === 2, await tokensOf(o));
	check('exactly once: one receipt in the outbox', (await receiptsOf(o)).length === 1, (await receiptsOf(o)).length);
	check('exactly once: one purchase in analytics', await purchasesOf(o) === 1, await purchasesOf(o));
	const rs = await si('POST', `events/${event.id}/resend`, {});
	check('exactly once: Stripe\'s own retry of it is a duplicate too',
	    rs.json && rs.json.delivery && rs.json.delivery.status === 200 && /"duplicate"/.test(rs.json.delivery.body), rs.text);

	// Eight clients at once.
	const o2 = await checkout(A(), [['p1', 1], ['p2', 2]]);
	const c2 = await si('POST', `sessions/${o2.cs}/complete`, { deliver: false });
	const all = await Promise.all(Array.from({ length: 8 }, () => postHook(c2.json.payload, c2.json.signature)));
	const outs = all.map((x) => (x.data ? x.data.outcome : `HTTP ${x.status}`));
	check('exactly once: 8 concurrent deliveries: all 200', all.every((x) => x.status === 200), outs);
	check('exactly once: 8 concurrent deliveries: exactly one applied, seven duplicate',
	    outs.filter((x) => x === 'applied').length === 1 && outs.filter((x) => x === 'duplicate').length === 7, outs);
	const n2 = [(await tokensOf(o2)).length, (await receiptsOf(o2)).length, await purchasesOf(o2)];
	check('exactly once: concurrent: one set of links, one receipt, one purchase',
	    same(n2, [2, 1, 1]), `links, receipts, purchases: ${n2}`);
	check('exactly once: concurrent: one stripe_events row', Number(await sql(`SELECT count(*) FROM stripe_events
	    WHERE id = ${lit(c2.json.event.id)}`)) === 1, 'rows');

	// Two different events for one order at once: completed and a full refund.
	const o3 = await checkout(A(), [['p1', 1]]);
	const c3 = await si('POST', `sessions/${o3.cs}/complete`, { deliver: false });
	const pi = c3.json.event.data.object.payment_intent;
	const pio = await siObject(pi);
	const ch = await siObject(pio.latest_charge);
	const refundEv = stripeEvent('charge.refunded', { ...ch, amount_refunded: ch.amount, refunded: true });
	const refundPayload = JSON.stringify(refundEv);
	const [ra, rb] = await Promise.all([postHook(c3.json.payload, c3.json.signature),
		postHook(refundPayload, signLib(refundPayload))]);
	check('exactly once: completed and charge.refunded at once: both 200 (or one 409 retried)',
	    [ra, rb].every((x) => x.status === 200 || x.status === 409), () => `${show(ra)} | ${show(rb)}`);
	for (const [x, p, sig] of [[ra, c3.json.payload, c3.json.signature], [rb, refundPayload, signLib(refundPayload)]])
		if (x.status === 409)
			await postHook(p, sig);
	const row = await orderRow(o3);
	check('exactly once: completed + refund at once end refunded, the whole amount',
	    row && row.status === 'refunded' && Number(row.refunded_minor) === 1299, row);
	const toks = await tokensOf(o3);
	check('exactly once: ... with no usable download link', toks.every((x) => x.revoked_at !== null), toks);
}

// ---------------------------------------------------------------- 7. lifecycle

async function lifecycle() {
	// Paid, with tax and a discount as Stripe reports them.
	const o = await paidOrder([['p1', 2], ['p2', 1]], { name: 'Lía Ñandú', complete: { amount_tax: 200, amount_discount: 300 } });
	ctx.paid = o;
	const dl = o.completed.json && o.completed.json.delivery;
	check('lifecycle: checkout.session.completed (paid) delivered by Stripe -> 200 applied',
	    dl && dl.status === 200 && /"outcome":"applied"/.test(dl.body), o.completed.text);
	const row = await orderRow(o);
	check('lifecycle: completed: the order is paid with paid_at',
	    row && row.status === 'paid' && row.paid_at !== null, row);
	check('lifecycle: completed: amounts as Stripe reports them (subtotal, tax, discount, total)',
	    row && Number(row.subtotal_minor) === 3098 && Number(row.tax_minor) === 200 &&
	    Number(row.discount_minor) === 300 && Number(row.total_minor) === 2998, row);
	check('lifecycle: completed: the PaymentIntent is recorded', row && row.stripe_payment_intent_id === o.pi, row);
	const toks = await tokensOf(o);
	const t1 = toks.find((x) => x.product_id === P('p1').id);
	const t2 = toks.find((x) => x.product_id === P('p2').id);
	check('lifecycle: completed: one download link per item', toks.length === 2 && t1 && t2, toks);
	check('lifecycle: completed: max downloads = the product\'s x quantity (3 x 2, 4 x 1)',
	    t1 && t2 && t1.max_downloads === 6 && t2.max_downloads === 4, toks);
	check('lifecycle: completed: expiry = the product\'s hours (48 h, 24 h)',
	    t1 && t2 && Math.abs(t1.ttl - 48 * 3600) < 300 && Math.abs(t2.ttl - 24 * 3600) < 300, toks);
	check('lifecycle: completed: links point at the products\' current files',
	    t1 && t2 && t1.file_id === P('p1').file && t2.file_id === P('p2').file && t1.revoked_at === null, toks);
	const rc = await receiptsOf(o);
	check('lifecycle: completed: a receipt is queued to the buyer, Reply-To the store\'s support email',
	    rc.length === 1 && rc[0].recipient === o.email && rc[0].reply_to === A().support &&
	    rc[0].store_id === A().id && rc[0].subject === `Your order from ${A().name}`, rc);
	check('lifecycle: completed: the receipt names the items, the total and the order page',
	    rc.length === 1 && rc[0].body_text.includes(P('p1').name) && rc[0].body_text.includes('29.98 USD') &&
	    rc[0].body_text.includes(`/orders/${o.id}?key=${o.key}`), rc[0] && rc[0].body_text);
	const an = await rows(`SELECT properties FROM analytics_events WHERE event_type = 'purchase'
	    AND properties->>'orderId' = ${lit(o.id)}`, A().id);
	check('lifecycle: completed: one analytics purchase with the total',
	    an.length === 1 && Number(an[0].properties.total) === 2998, an);

	// Completed unpaid, then the delayed payment succeeds / fails.
	const u = await checkout(A(), [['p2']]);
	const cu = await si('POST', `sessions/${u.cs}/complete`, { payment_status: 'unpaid' });
	check('lifecycle: completed but unpaid -> 200, the order waits (pending)',
	    cu.json && cu.json.delivery && cu.json.delivery.status === 200 && await statusOf(u) === 'pending', cu.text);
	check('lifecycle: completed unpaid: no links yet', (await tokensOf(u)).length === 0, await tokensOf(u));
	const au = await si('POST', `sessions/${u.cs}/async`, { result: 'succeeded' });
	check('lifecycle: async_payment_succeeded -> 200', au.json && au.json.delivery && au.json.delivery.status === 200, au.text);
	check('lifecycle: async_payment_succeeded: the order is paid with its links',
	    await statusOf(u) === 'paid' && (await tokensOf(u)).length === 1 && (await receiptsOf(u)).length === 1, await statusOf(u));
	const f = await checkout(A(), [['p2']]);
	await si('POST', `sessions/${f.cs}/complete`, { payment_status: 'unpaid' });
	const af = await si('POST', `sessions/${f.cs}/async`, { result: 'failed' });
	check('lifecycle: async_payment_failed -> the order is failed, no links',
	    af.json && af.json.delivery && af.json.delivery.status === 200 && await statusOf(f) === 'failed' &&
	    (await tokensOf(f)).length === 0, await statusOf(f));

	// Expired.
	const x = await checkout(A(), [['p2']]);
	const ex = await si('POST', `sessions/${x.cs}/expire`, {});
	check('lifecycle: checkout.session.expired -> the order is expired',
	    ex.json && ex.json.delivery && ex.json.delivery.status === 200 && await statusOf(x) === 'expired', ex.text);
	ctx.expired = x;

	// Full refund (made at Stripe): refunded, every link withdrawn.
	const rf = await paidOrder([['p1'], ['p2']]);
	ctx.refunded = rf;
	const before = (await buyerView(rf)).data;
	const links = before && before.downloads ? before.downloads.map((d) => d.url) : [];
	check('lifecycle: a paid order shows its two links before the refund', links.length === 2, before);
	const re = await stripeApi('POST', '/v1/refunds', { payment_intent: rf.pi });
	check('lifecycle: a full refund at Stripe', re.status === 200 && re.json.object === 'refund', re.text);
	check('lifecycle: charge.refunded (full) -> the order is refunded', await waitStatus(rf, 'refunded') === 'refunded', await statusOf(rf));
	const rrow = await orderRow(rf);
	check('lifecycle: full refund: refunded amount = total', rrow && Number(rrow.refunded_minor) === 1799, rrow);
	const rtoks = await tokensOf(rf);
	check('lifecycle: full refund: every download link is revoked',
	    rtoks.length === 2 && rtoks.every((t) => t.revoked_at !== null), rtoks);
	if (links.length) {
		const g = await download(links[0]);
		check('lifecycle: full refund: the download link now shows the "withdrawn" page (410)',
		    g.status === 410 && /data-outcome="revoked"/.test(g.text), () => show(g));
	}
	const bv = await buyerView(rf);
	check('lifecycle: full refund: the buyer sees refunded and no downloads',
	    bv.data && bv.data.status === 'refunded' && bv.data.downloads.length === 0 && bv.data.refunded === 17.99, () => show(bv));

	// Partial refund: partially_refunded, downloads still work.
	const pr = await paidOrder([['p1']]);
	await stripeApi('POST', '/v1/refunds', { payment_intent: pr.pi, amount: '300' });
	check('lifecycle: charge.refunded (partial) -> partially_refunded',
	    await waitStatus(pr, 'partially_refunded') === 'partially_refunded', await statusOf(pr));
	const pv = (await buyerView(pr)).data || {};
	check('lifecycle: partial refund: the buyer still has the link, refunded 3.00',
	    pv.downloads && pv.downloads.length === 1 && pv.refunded === 3, pv);
	if (pv.downloads && pv.downloads.length) {
		const g = await download(pv.downloads[0].url);
		check('lifecycle: partial refund: the download still works', g.status === 200 && sha256hex(g.buf) === P('p1').sha256, () => show(g));
	}
	ctx.partial = pr;

	// Dispute: suspended; won restores paid; lost refunds.
	const dp = await paidOrder([['p2']]);
	const dlinks = ((await buyerView(dp)).data || {}).downloads || [];
	const dc = await si('POST', `charges/${dp.charge}/dispute`, {});
	const dispute = dc.json && dc.json.event ? dc.json.event.data.object.id : null;
	check('lifecycle: charge.dispute.created -> 200, the order is disputed',
	    dc.json && dc.json.delivery && dc.json.delivery.status === 200 && await statusOf(dp) === 'disputed', dc.text);
	if (dlinks.length) {
		const g = await download(dlinks[0].url);
		check('lifecycle: disputed: the download link is refused (410)', g.status === 410 && /data-outcome/.test(g.text), () => show(g));
	}
	const dv = (await buyerView(dp)).data || {};
	check('lifecycle: disputed: the buyer sees the order on hold, no downloads',
	    dv.status === 'disputed' && dv.downloads && dv.downloads.length === 0, dv);
	const won = await si('POST', `disputes/${dispute}/close`, { status: 'won' });
	check('lifecycle: dispute closed won -> 200, the order is paid again',
	    won.json && won.json.delivery && won.json.delivery.status === 200 && await statusOf(dp) === 'paid', won.text);
	if (dlinks.length) {
		const g = await download(dlinks[0].url);
		check('lifecycle: dispute won: the same link downloads again', g.status === 200 && sha256hex(g.buf) === P('p2').sha256, () => show(g));
	}
	check('lifecycle: dispute won: no second set of links or receipt',
	    (await tokensOf(dp)).length === 1 && (await receiptsOf(dp)).length === 1, 'links/receipts');
	// A partly refunded order disputed and won is partly refunded again.
	const pd = await si('POST', `charges/${pr.charge}/dispute`, {});
	check('lifecycle: a partly refunded order disputed -> disputed', pd.json && await statusOf(pr) === 'disputed', pd.text);
	const pdw = await si('POST', `disputes/${pd.json.event.data.object.id}/close`, { status: 'won' });
	check('lifecycle: ... won -> partially_refunded as before', pdw.json && await statusOf(pr) === 'partially_refunded', await statusOf(pr));
	const lo = await paidOrder([['p2']]);
	const lc = await si('POST', `charges/${lo.charge}/dispute`, {});
	const lost = await si('POST', `disputes/${lc.json.event.data.object.id}/close`, { status: 'lost' });
	check('lifecycle: dispute closed lost -> refunded, links revoked',
	    lost.json && await statusOf(lo) === 'refunded' && (await tokensOf(lo)).every((t) => t.revoked_at !== null), await statusOf(lo));

	// A partial refund made before a dispute, delivered during it: won
	// restores partially_refunded.
	const dr = await paidOrder([['p1']]);
	const drd = await si('POST', `charges/${dr.charge}/dispute`, {});
	const drch = await siObject(dr.charge);
	const drEv = stripeEvent('charge.refunded', { ...drch, amount_refunded: 200, refunded: false });
	const drr = await sendEvent(drEv);
	check('lifecycle: a partial refund delivered during a dispute -> 200, the order stays disputed',
	    drr.status === 200 && await statusOf(dr) === 'disputed', () => show(drr));
	await si('POST', `disputes/${drd.json.event.data.object.id}/close`, { status: 'won' });
	const drrow = await orderRow(dr);
	check('lifecycle: ... the dispute won -> partially_refunded, 2.00 refunded, the link usable again',
	    drrow && drrow.status === 'partially_refunded' && Number(drrow.refunded_minor) === 200 &&
	    (await tokensOf(dr)).filter((t) => t.revoked_at === null).length === 1, drrow);

	// Out of order: a partial refund before the completion.
	const op = await checkout(A(), [['p1']]);
	const opc = await si('POST', `sessions/${op.cs}/complete`, { deliver: false, amount_tax: 100 });
	await stripeApi('POST', '/v1/refunds', { payment_intent: opc.json.event.data.object.payment_intent, amount: '100' });
	check('lifecycle: out of order: a partial refund before the completion -> partially_refunded',
	    await waitStatus(op, 'partially_refunded') === 'partially_refunded', await statusOf(op));
	const opl = await si('POST', `events/${opc.json.event.id}/resend`, {});
	check('lifecycle: out of order: the late completion -> 200', opl.json && opl.json.delivery &&
	    opl.json.delivery.status === 200, opl.json && opl.json.delivery);
	const oprow = await orderRow(op);
	check('lifecycle: out of order: the order ends partially_refunded with paid_at and Stripe\'s total (incl. tax)',
	    oprow && oprow.status === 'partially_refunded' && oprow.paid_at !== null &&
	    Number(oprow.total_minor) === 1399 && Number(oprow.tax_minor) === 100 && Number(oprow.refunded_minor) === 100, oprow);
	const opn = [(await tokensOf(op)).filter((t) => t.revoked_at === null).length, (await receiptsOf(op)).length];
	check('lifecycle: out of order: ... with its link and one receipt', same(opn, [1, 1]), `links, receipts: ${opn}`);

	// Out of order: the refund before the completion.
	const oo = await checkout(A(), [['p1']]);
	const oc = await si('POST', `sessions/${oo.cs}/complete`, { deliver: false });
	await stripeApi('POST', '/v1/refunds', { payment_intent: oc.json.event.data.object.payment_intent });
	check('lifecycle: out of order: a refund before the completion -> refunded',
	    await waitStatus(oo, 'refunded') === 'refunded', await statusOf(oo));
	const late = await si('POST', `events/${oc.json.event.id}/resend`, {});
	check('lifecycle: out of order: the late completion -> 200 and the order stays refunded',
	    late.json && late.json.delivery && late.json.delivery.status === 200 && await statusOf(oo) === 'refunded', late.text);
	const ootoks = await tokensOf(oo);
	check('lifecycle: out of order: no usable download link', ootoks.every((t) => t.revoked_at !== null), ootoks);
	const oov = (await buyerView(oo)).data || {};
	check('lifecycle: out of order: the buyer sees refunded, no downloads',
	    oov.status === 'refunded' && oov.downloads && oov.downloads.length === 0, oov);

	// Out of order: the dispute before the completion, then won.
	const od = await checkout(A(), [['p2']]);
	const odc = await si('POST', `sessions/${od.cs}/complete`, { deliver: false });
	const odpi = await siObject(odc.json.event.data.object.payment_intent);
	const odd = await si('POST', `charges/${odpi.latest_charge}/dispute`, {});
	check('lifecycle: out of order: a dispute before the completion -> 2xx or 409 (Stripe retries), never lost',
	    odd.json && odd.json.delivery && [200, 409].includes(odd.json.delivery.status), odd.text);
	const odStatus = await statusOf(od);
	check('lifecycle: out of order: a dispute before the completion puts the order on hold (disputed)',
	    odStatus === 'disputed', () => `order is ${odStatus}; the webhook said ${odd.json && odd.json.delivery ?
	    odd.json.delivery.body : odd.text}`);
	const odl = await si('POST', `events/${odc.json.event.id}/resend`, {});
	const odv = (await buyerView(od)).data || {};
	check('lifecycle: out of order: the completion during the dispute -> 200, no links handed out',
	    odl.json && odl.json.delivery && odl.json.delivery.status === 200 && Array.isArray(odv.downloads) &&
	    odv.downloads.length === 0, () => `webhook: ${odl.json && odl.json.delivery ? odl.json.delivery.body : odl.text}; ` +
	    `buyer sees ${odv.status} with ${(odv.downloads || []).length} downloads`);
	check('lifecycle: out of order: ... the order stays on hold', await statusOf(od) === 'disputed', await statusOf(od));
	const odw = await si('POST', `disputes/${odd.json.event.data.object.id}/close`, { status: 'won' });
	check('lifecycle: out of order: the dispute won -> 200',
	    odw.json && odw.json.delivery && odw.json.delivery.status === 200,
	    () => (odw.json && odw.json.delivery ? `HTTP ${odw.json.delivery.status} ${odw.json.delivery.body}` : odw.text));
	const odrow = await orderRow(od);
	check('lifecycle: out of order: dispute won -> paid with paid_at',
	    odrow && odrow.status === 'paid' && odrow.paid_at !== null, odrow);
	const odn = [(await tokensOf(od)).length, (await receiptsOf(od)).length];
	check('lifecycle: out of order: dispute won -> its links and its receipt',
	    same(odn, [1, 1]), `links, receipts: ${odn}`);

	// Illegal: completed on an expired order -> 409, not recorded.
	const ill = stripeEvent('checkout.session.completed', sessionObject(x, { pi: `pi_pay${SFX}late` }));
	const ir = await sendEvent(ill);
	err('lifecycle: checkout.session.completed on an expired order -> 409 CONFLICT', ir, 409, 'CONFLICT');
	check('lifecycle: the illegal event is not recorded (so Stripe\'s retry is processed)',
	    await eventRow(ill.id) === null, await eventRow(ill.id));
	check('lifecycle: the expired order is unchanged, no links', await statusOf(x) === 'expired' &&
	    (await tokensOf(x)).length === 0, await statusOf(x));
	const ir2 = await sendEvent(ill);
	err('lifecycle: the retry is processed again (409 again, not "duplicate")', ir2, 409, 'CONFLICT');

	// Events about nothing of ours.
	const stray = stripeEvent('checkout.session.completed', sessionObject(
	    { id: randomUUID(), cs: `cs_test_pay${hex(8)}`, email: mail('stray'), store: A().id, amount: 100 }));
	const sr = await sendEvent(stray);
	check('lifecycle: an event for an order we do not have -> 200 ignored',
	    sr.status === 200 && sr.data && sr.data.outcome === 'ignored', () => show(sr));
}

// ---------------------------------------------------------------- 8. buyer's order

async function buyer() {
	const p = ctx.o1;
	const pend = await buyerView(p);
	ok('buyer API: GET /public/orders/{id}?key= of a pending order -> 200', pend);
	const d = pend.data || {};
	check('buyer API: pending: status, amounts and the buyer',
	    d.id === p.id && d.status === 'pending' && d.total === 30.98 && d.subtotal === 30.98 &&
	    d.currency === 'USD' && d.customer && d.customer.email === p.email, d);
	check('buyer API: pending: the items with names, quantities and prices',
	    Array.isArray(d.items) && d.items.length === 2 &&
	    d.items.some((i) => i.productId === P('p1').id && i.name === P('p1').name && i.quantity === 2 && i.unitPrice === 12.99) &&
	    d.items.some((i) => i.productId === P('p2').id && i.quantity === 1 && i.unitPrice === 5), d.items);
	check('buyer API: pending: downloads is []', Array.isArray(d.downloads) && d.downloads.length === 0, d.downloads);
	check('buyer API: the store\'s name and support email', d.store && d.store.name === A().name &&
	    d.store.supportEmail === A().support, d.store);
	const cors = await api('GET', `/api/v1/public/orders/${p.id}?key=${p.key}`, { origin: SHOP });
	check('buyer API: CORS for the store\'s allowed origin', cors.headers.get('access-control-allow-origin') === SHOP,
	    () => `ACAO ${cors.headers.get('access-control-allow-origin')}`);
	const cors2 = await api('GET', `/api/v1/public/orders/${p.id}?key=${p.key}`, { origin: 'https://evil.pay.test' });
	check('buyer API: no CORS for another origin', cors2.headers.get('access-control-allow-origin') === null,
	    () => `ACAO ${cors2.headers.get('access-control-allow-origin')}`);

	const o = ctx.paid;
	const v = await buyerView(o);
	ok('buyer API: a paid order -> 200', v);
	const pd = v.data || {};
	check('buyer API: paid: status, amounts from Stripe, paidAt',
	    pd.status === 'paid' && pd.total === 29.98 && pd.tax === 2 && pd.discount === 3 && pd.subtotal === 30.98 &&
	    typeof pd.paidAt === 'string', pd);
	const dls = Array.isArray(pd.downloads) ? pd.downloads : [];
	check('buyer API: paid: one download per item with name, url, expiresAt, downloadsLeft',
	    dls.length === 2 && dls.every((x) => /\/download\/[A-Za-z0-9_-]{43}$/.test(x.url) &&
	    typeof x.expiresAt === 'string' && Number.isInteger(x.downloadsLeft)) &&
	    dls.some((x) => x.name === P('p1').name && x.downloadsLeft === 6), dls);
	check('buyer API: paid: the links are on the public URL', dls.every((x) => x.url.startsWith(`${PUBLIC_URL}/download/`)), dls);
	check('buyer API: the order page link', pd.orderPage === `${PUBLIC_URL}/orders/${o.id}?key=${o.key}`, pd.orderPage);
	for (const x of dls) {
		const k = x.name === P('p1').name ? 'p1' : 'p2';
		const g = await download(x.url);
		check(`buyer API: the ${k} link downloads the product's bytes`,
		    g.status === 200 && sha256hex(g.buf) === P(k).sha256, () => show(g));
	}

	// Wrong keys: all the same 404.
	const other = ctx.o1;
	const wrong = [
		['a wrong key', `/api/v1/public/orders/${o.id}?key=${'A'.repeat(43)}`],
		['a truncated key', `/api/v1/public/orders/${o.id}?key=${o.key.slice(0, 42)}`],
		['the key with one character changed', `/api/v1/public/orders/${o.id}?key=${o.key.slice(0, 42)}${o.key.endsWith('A') ? 'B' : 'A'}`],
		['another order\'s key', `/api/v1/public/orders/${o.id}?key=${other.key}`],
		['no key', `/api/v1/public/orders/${o.id}`],
		['an empty key', `/api/v1/public/orders/${o.id}?key=`],
		['an unknown order', `/api/v1/public/orders/${randomUUID()}?key=${o.key}`],
		['a non-UUID id', `/api/v1/public/orders/not-a-uuid?key=${o.key}`],
		['an SQL-ish id', `/api/v1/public/orders/${encodeURIComponent("1' OR '1'='1")}?key=${o.key}`],
	];
	let first = null;
	for (const [what, path] of wrong) {
		const r = await api('GET', path);
		err(`buyer API: ${what} -> 404 NOT_FOUND`, r, 404, 'NOT_FOUND');
		check(`buyer API: ${what}: shows nothing of the order`, !r.text.includes(o.email) && !r.text.includes(P('p1').name), r.text);
		const shape = JSON.stringify({ s: r.status, e: r.json && r.json.error });
		if (first === null)
			first = shape;
		check(`buyer API: ${what}: the same answer as any other miss`, shape === first, `${shape} vs ${first}`);
	}

	// The page.
	const pg = await api('GET', `/orders/${o.id}?key=${o.key}`);
	check('order page: a paid order -> 200 HTML', pg.status === 200 && /^text\/html/.test(pg.headers.get('content-type') || ''), () => show(pg));
	check('order page: says Paid', /Paid/.test(pg.text) && /data-status="paid"/.test(pg.text), pg.text.slice(0, 400));
	check('order page: lists both download links', dls.length === 2 && dls.every((x) => pg.text.includes(`href="${x.url}"`)), pg.text.slice(0, 2000));
	check('order page: shows the items and the total', pg.text.includes(P('p1').name) && pg.text.includes('29.98 USD'), 'page');
	check('order page: Content-Security-Policy header', /default-src 'none'/.test(pg.headers.get('content-security-policy') || ''),
	    pg.headers.get('content-security-policy'));
	check('order page: a paid order does not refresh itself', pg.headers.get('refresh') === null, pg.headers.get('refresh'));
	const pp = await api('GET', `/orders/${p.id}?key=${p.key}`);
	check('order page: a pending order -> 200 with a Refresh header and no links',
	    pp.status === 200 && /^\d+/.test(pp.headers.get('refresh') || '') && !/\/download\//.test(pp.text) &&
	    /data-status="pending"/.test(pp.text), () => `${pp.status} refresh=${pp.headers.get('refresh')}`);
	const mk = await paidOrder([['p6']]);
	const esc = await api('GET', `/orders/${mk.id}?key=${mk.key}`);
	check('order page: a product name with markup is shown escaped, never as markup',
	    esc.status === 200 && esc.text.includes('Pay &lt;script&gt;alert(1)&lt;/script&gt; &amp;') &&
	    !esc.text.includes('<script>alert(1)'), () => show(esc));
	const mkr = (await receiptsOf(mk))[0] || {};
	check('receipt: the HTML part escapes a product name with markup',
	    (mkr.body_html || '').includes('Pay &lt;script&gt;alert(1)&lt;/script&gt; &amp;') &&
	    !(mkr.body_html || '').includes('<script>alert(1)'), mkr.body_html);
	check('receipt: the text part shows the product name as it is (no HTML entities)',
	    (mkr.body_text || '').includes(P('p6').name), mkr.body_text);
	const rfp = await api('GET', `/orders/${ctx.refunded.id}?key=${ctx.refunded.key}`);
	check('order page: a refunded order says Refunded and offers no download',
	    rfp.status === 200 && /data-status="refunded"/.test(rfp.text) && /Refunded/.test(rfp.text) &&
	    !/\/download\//.test(rfp.text), () => show(rfp));
	const np = await api('GET', `/orders/${o.id}?key=${'x'.repeat(43)}`);
	check('order page: a wrong key -> the 404 page, nothing of the order',
	    np.status === 404 && /^text\/html/.test(np.headers.get('content-type') || '') && /not valid/.test(np.text) &&
	    !np.text.includes(o.email) && !np.text.includes(P('p1').name), () => show(np));
	check('order page: the 404 page has the Content-Security-Policy header',
	    /default-src 'none'/.test(np.headers.get('content-security-policy') || ''), np.headers.get('content-security-policy'));
	const np2 = await api('GET', `/orders/not-a-uuid?key=${o.key}`);
	check('order page: a non-UUID id -> the 404 page', np2.status === 404 && /^text\/html/.test(np2.headers.get('content-type') || ''), () => show(np2));
}

// ---------------------------------------------------------------- 9. mail

const SMTP = { pid: null, port: 0, file: join(TMP, 'mail.jsonl'), user: 'payuser', pass: 'pay smtp pass' };

function freePort() {
	return new Promise((resolve) => {
		const s = createServer();
		s.listen(0, '127.0.0.1', () => {
			const p = s.address().port;
			s.close(() => resolve(p));
		});
	});
}

async function smtpStart() {
	for (let tries = 0; tries < 3; tries++) {
		const port = await freePort();
		const p = spawn('node', [join(SRC, 'tests/node/mail.mjs'), String(port), SMTP.file,
			`nobody-${SFX}@pay.test`, SMTP.user, SMTP.pass], { stdio: ['ignore', 'pipe', 'pipe'] });
		const up = await new Promise((resolve) => {
			let out = '';
			const t = setTimeout(() => resolve(false), 10000);
			p.stdout.on('data', (d) => {
				out += d;
				if (/^ready/m.test(out)) {
					clearTimeout(t);
					resolve(true);
				}
			});
			p.on('exit', () => { clearTimeout(t); resolve(false); });
		});
		if (up) {
			SMTP.proc = p;
			SMTP.port = port;
			return true;
		}
		p.kill('SIGTERM');
	}
	return false;
}

async function deliverMail() {
	return run(COLMENA, ['outbox-deliver', '--once'], {
		COLMENA_SMTP_URL: `smtp://127.0.0.1:${SMTP.port}`, COLMENA_SMTP_FROM: `Colmena Pay <no-reply-${SFX}@pay.test>`,
		COLMENA_SMTP_USER: SMTP.user, COLMENA_SMTP_PASSWORD: SMTP.pass, COLMENA_SMTP_STARTTLS: '0',
		COLMENA_PUBLIC_URL: BASE, COLMENA_LOG_LEVEL: 'warn',
	});
}

function mailsTo(rcpt) {
	let lines = [];
	try {
		lines = readFileSync(SMTP.file, 'utf8').split('\n').filter(Boolean);
	} catch { /* nothing yet */ }
	return lines.map((l) => JSON.parse(l)).filter((m) => m.envelopeTo.includes(rcpt));
}

async function mailEndToEnd() {
	if (!check('mail: the SMTP server (tests/node/mail.mjs) starts', await smtpStart(), 'see above'))
		return;
	const o = ctx.paid;
	const d = await deliverMail();
	check('mail: colmena outbox-deliver --once runs', d.code === 0 && /sent \d+/.test(d.out + d.err), `${d.code} ${d.out} ${d.err}`);
	const ms = await waitFor(() => (mailsTo(o.email).length >= 1 ? mailsTo(o.email) : null), 5000);
	check('mail: the receipt arrives for the buyer, once', ms && ms.length === 1, ms ? ms.length : 0);
	const m = ms && ms[0];
	if (!m)
		return;
	check('mail: subject "Your order from <store>"', m.subject === `Your order from ${A().name}`, m.subject);
	check('mail: Reply-To the store\'s support email', m.replyTo === A().support, m.replyTo);
	const text = (m.text || '').replace(/\r\n/g, '\n');
	check('mail: text part names the buyer, the items, quantities and amounts',
	    text.includes('Lía Ñandú') && text.includes(P('p1').name) && text.includes('2 x 12.99 USD = 25.98 USD') &&
	    text.includes(P('p2').name), text);
	check('mail: text part has the tax, the discount and the total',
	    /Tax:\s+2\.00 USD/.test(text) && /Discount:\s+-?3\.00 USD/.test(text) && /Total:\s+29\.98 USD/.test(text), text);
	const orderUrl = `${PUBLIC_URL}/orders/${o.id}?key=${o.key}`;
	check('mail: text part has the order page link', text.includes(orderUrl), text);
	const links = [...text.matchAll(/(https?:\/\/\S+\/download\/[A-Za-z0-9_-]{43})/g)].map((x) => x[1]);
	check('mail: text part has both download links', links.length === 2, links);
	check('mail: each link with its expiry and the downloads left (6 and 4)',
	    /downloads left: 6/.test(text) && /downloads left: 4/.test(text) && /Valid until \d{4}-\d{2}-\d{2}/.test(text), text);
	const html = m.html || '';
	check('mail: HTML part has the items, the total, the order page and the download links',
	    html.includes(P('p1').name) && html.includes('29.98 USD') && html.includes(`href="${orderUrl}"`) &&
	    links.every((l) => html.includes(`href="${l}"`)), html.slice(0, 500));
	const api1 = ((await buyerView(o)).data || {}).downloads || [];
	check('mail: the mail\'s links are the order page\'s links', links.length === 2 &&
	    links.every((l) => api1.some((x) => x.url === l)), { links, api1 });
	for (const l of links) {
		const tok = await one(`SELECT d.product_id, f.sha256 FROM download_tokens d
		    JOIN product_files f ON f.id = d.file_id
		    WHERE d.token_hash = sha256(convert_to(${lit(l.split('/').pop())}, 'UTF8'))`, A().id);
		const g = await download(l);
		check('mail: a download link from the parsed mail -> 200 with the file\'s bytes (SHA-256 = product_files.sha256)',
		    tok && g.status === 200 && sha256hex(g.buf) === tok.sha256, () => `${JSON.stringify(tok)} ${show(g)}`);
	}
	const sent = await one(`SELECT sent_at IS NOT NULL AS sent FROM outbox WHERE kind = 'receipt'
	    AND payload->>'orderId' = ${lit(o.id)}`);
	check('mail: the receipt row is marked sent', sent && sent.sent === true, sent);
}

// ---------------------------------------------------------------- 10. admin orders

async function adminOrders() {
	const to = ctx.tokens.oa;
	const A_ = A();
	const list = await api('GET', '/api/v1/admin/orders?limit=100', { token: to });
	ok('admin orders: owner lists the store\'s orders', list);
	const total = await ordersOfStore(A_);
	check('admin orders: pagination total = the store\'s orders', list.json && list.json.pagination &&
	    list.json.pagination.total === total, list.json && list.json.pagination);
	const arr = Array.isArray(list.data) ? list.data : [];
	check('admin orders: newest first, each with id, status, customer, total, itemCount',
	    arr.length === Math.min(total, 100) && arr.every((x, i) => i === 0 || x.createdAt <= arr[i - 1].createdAt) &&
	    arr.every((x) => x.id && x.status && x.customer && typeof x.total === 'number' && Number.isInteger(x.itemCount)), arr.slice(0, 2));
	const mine = new Set((await rows(`SELECT id FROM orders WHERE store_id = ${lit(A_.id)}`, A_.id)).map((x) => x.id));
	check('admin orders: only this store\'s orders', arr.every((x) => mine.has(x.id)), arr.filter((x) => !mine.has(x.id)));

	const q = async (qs) => api('GET', `/api/v1/admin/orders?${qs}`, { token: to });
	const paidN = Number(await sql(`SELECT count(*) FROM orders WHERE store_id = ${lit(A_.id)} AND status = 'paid'`, A_.id));
	const st = await q('status=paid&limit=100');
	check('admin orders: status=paid lists only paid orders, all of them',
	    st.status === 200 && st.data.every((x) => x.status === 'paid') && st.json.pagination.total === paidN, () => show(st));
	const em = await q(`email=${encodeURIComponent(ctx.paid.email.split('@')[0].toUpperCase())}`);
	check('admin orders: email= a part of the address, any case, finds that order',
	    em.status === 200 && em.data.length === 1 && em.data[0].id === ctx.paid.id, () => show(em));
	const pr = await q(`product=${P('p5').id}`);
	const p5n = Number(await sql(`SELECT count(DISTINCT order_id) FROM order_items WHERE product_id = ${lit(P('p5').id)}`, A_.id));
	check('admin orders: product= lists the orders with that product',
	    pr.status === 200 && pr.json.pagination.total === p5n && p5n >= 1, () => show(pr));
	const today = new Date().toISOString().slice(0, 10);
	const yesterday = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
	const tomorrow = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
	const fr = await q(`from=${yesterday}&to=${tomorrow}&limit=1`);
	check('admin orders: from/to dates around today include every order', fr.status === 200 && fr.json.pagination.total === total, () => show(fr));
	const fr2 = await q(`to=${yesterday}`);
	check('admin orders: to=yesterday (a date, inclusive) -> none', fr2.status === 200 && fr2.json.pagination.total === 0, () => show(fr2));
	const fr3 = await q(`from=${tomorrow}`);
	check('admin orders: from=tomorrow -> none', fr3.status === 200 && fr3.json.pagination.total === 0, () => show(fr3));
	const ts = await one(`SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at
	    FROM orders WHERE id = ${lit(ctx.paid.id)}`, A_.id);
	const newer = Number(await sql(`SELECT count(*) FROM orders WHERE store_id = ${lit(A_.id)}
	    AND created_at >= (SELECT created_at FROM orders WHERE id = ${lit(ctx.paid.id)})`, A_.id));
	const fr4 = await q(`from=${encodeURIComponent(ts.at)}&limit=1`);
	check('admin orders: from=<a timestamp> counts the orders since then',
	    fr4.status === 200 && fr4.json.pagination.total === newer, () => `${newer} wanted: ${show(fr4)}`);
	const fr5 = await q(`from=${encodeURIComponent(ts.at)}&to=${today}`);
	check('admin orders: a timestamp and a date together', fr5.status === 200 && fr5.json.pagination.total === newer, () => show(fr5));
	for (const [qs, field] of [['from=2026-02-30', 'from'], ['to=2026-13-01', 'to'], ['from=yesterday', 'from'],
		['to=2026-01-01T25:00:00Z', 'to'], ['status=shipped', 'status'], ['limit=0', 'limit'], ['limit=101', 'limit'],
		['offset=-1', 'offset'], ['product=not-a-uuid', 'product']]) {
		const r = await q(qs);
		err(`admin orders: ?${qs} -> 400 naming ${field}`, r, 400, 'VALIDATION_ERROR', field);
	}
	const pg = await q('limit=2&offset=1');
	check('admin orders: limit=2&offset=1: two orders, the 2nd and 3rd of the full list, with totals',
	    pg.status === 200 && pg.data.length === 2 && pg.data[0].id === arr[1].id && pg.data[1].id === arr[2].id &&
	    pg.json.pagination.limit === 2 && pg.json.pagination.offset === 1 && pg.json.pagination.total === total &&
	    pg.json.pagination.hasMore === (total > 3), () => show(pg));
	const last = await q(`limit=2&offset=${total - 1}`);
	check('admin orders: the last page: one order, hasMore false',
	    last.status === 200 && last.data.length === 1 && last.json.pagination.hasMore === false, () => show(last));

	// Detail.
	const o = ctx.paid;
	const dt = await api('GET', `/api/v1/admin/orders/${o.id}`, { token: to });
	ok('admin orders: detail of an order', dt);
	const d = dt.data || {};
	check('admin orders: detail: items with names, quantities and prices',
	    Array.isArray(d.items) && d.items.length === 2 && d.items.some((i) => i.name === P('p1').name && i.quantity === 2 && i.unitPrice === 12.99), d.items);
	check('admin orders: detail: downloads with their state and counts',
	    Array.isArray(d.downloads) && d.downloads.length === 2 && d.downloads.every((x) => x.state === 'active' && x.downloadCount >= 1), d.downloads);
	check('admin orders: detail: refunds, notes and Stripe events',
	    Array.isArray(d.refunds) && Array.isArray(d.notes) && Array.isArray(d.events) &&
	    d.events.some((e) => e.type === 'checkout.session.completed' && e.outcome === 'applied'), d.events);
	check('admin orders: detail: Stripe ids and amounts', d.stripe && d.stripe.checkoutSessionId === o.cs &&
	    d.stripe.paymentIntentId === o.pi && d.total === 29.98, d.stripe);

	// Roles.
	const te = ctx.tokens.ea;
	ok('admin orders: an editor (orders.read) lists', await api('GET', '/api/v1/admin/orders', { token: te }));
	ok('admin orders: an editor reads one', await api('GET', `/api/v1/admin/orders/${o.id}`, { token: te }));
	for (const [what, path, body] of [['refunds', 'refunds', { amount: 1 }], ['receipt', 'receipt', {}],
		['links', 'links', {}], ['notes', 'notes', { body: 'editor note' }]]) {
		const r = await api('POST', `/api/v1/admin/orders/${o.id}/${path}`, { token: te, body });
		err(`admin orders: an editor may not POST ${what} -> 403`, r, 403, 'FORBIDDEN');
	}
	for (const [what, path] of [['list', ''], ['read one', `/${o.id}`]]) {
		const r = await api('GET', `/api/v1/admin/orders${path}`, { token: ctx.readKey });
		err(`admin orders: an API key with [products.read] may not ${what} -> 403`, r, 403, 'FORBIDDEN');
	}
	const rk = await api('POST', `/api/v1/admin/orders/${o.id}/notes`, { token: ctx.readKey, body: { body: 'x' } });
	err('admin orders: an API key with [products.read] may not add a note -> 403', rk, 403, 'FORBIDDEN');
	for (const [what, m, path, body] of [['read', 'GET', `/${o.id}`], ['refund', 'POST', `/${o.id}/refunds`, {}],
		['note', 'POST', `/${o.id}/notes`, { body: 'x' }], ['new links', 'POST', `/${o.id}/links`, {}]]) {
		const r = await api(m, `/api/v1/admin/orders${path}`, { token: ctx.tokens.ob, body });
		err(`admin orders: another store's owner gets 404 for this store's order (${what})`, r, 404, 'NOT_FOUND');
	}
	const nb = await api('GET', '/api/v1/admin/orders');
	err('admin orders: no credential -> 401', nb, 401, 'UNAUTHORIZED');
	err('admin orders: an unknown order -> 404', await api('GET', `/api/v1/admin/orders/${randomUUID()}`, { token: to }), 404, 'NOT_FOUND');
	const bid = await api('GET', '/api/v1/admin/orders/not-a-uuid', { token: to });
	check('admin orders: a malformed id -> 400 or 404', [400, 404].includes(bid.status) && envelope(bid), () => show(bid));

	// Notes (admin role has orders.write).
	const nt = await api('POST', `/api/v1/admin/orders/${o.id}/notes`, { token: ctx.tokens.aa, body: { body: 'Buyer called: all good <b>really</b>' } });
	ok('admin orders: an admin adds a note -> 201', nt, 201);
	check('admin orders: the note is signed by its author', nt.data && nt.data.author === `user:${uid('aa')}` &&
	    nt.data.body === 'Buyer called: all good <b>really</b>', nt.data);
	const dt2 = await api('GET', `/api/v1/admin/orders/${o.id}`, { token: to });
	check('admin orders: the note is in the detail', dt2.data && dt2.data.notes.some((n) => n.id === (nt.data || {}).id), dt2.data && dt2.data.notes);
	const na = await rows(`SELECT actor, action FROM audit_logs WHERE entity_type = 'order_notes'
	    AND entity_id = ${lit((nt.data || {}).id || randomUUID())}`, A_.id);
	check('admin orders: the note is audited with actor user:<id>', na.length === 1 && na[0].actor === `user:${uid('aa')}` &&
	    na[0].action === 'create', na);
	for (const [what, body, field] of [['an empty note', { body: '' }, 'body'], ['a note of 5001 characters', { body: 'x'.repeat(5001) }, 'body'],
		['a note with an unknown field', { body: 'x', pinned: true }, 'pinned']]) {
		const r = await api('POST', `/api/v1/admin/orders/${o.id}/notes`, { token: to, body });
		err(`admin orders: ${what} -> 400`, r, 400, 'VALIDATION_ERROR', field);
	}

	// Refunds.
	const ro = await paidOrder([['p1']]);
	const r1 = await api('POST', `/api/v1/admin/orders/${ro.id}/refunds`,
	    { token: to, body: { amount: 5, reason: 'requested_by_customer' }, headers: { 'Idempotency-Key': `pay-${SFX}-k1` } });
	ok('admin refund: a partial refund of 5.00 -> 201', r1, 201);
	const rd = r1.data || {};
	check('admin refund: the refund has Stripe\'s id, the amount, the reason and its author',
	    /^re_/.test(rd.stripeRefundId || '') && rd.amount === 5 && rd.reason === 'requested_by_customer' &&
	    rd.requestedBy === `user:${uid('oa')}` && ['succeeded', 'pending'].includes(rd.status), rd);
	const sreq = await siRequests((x) => x.path === '/v1/refunds' && x.params && x.params.metadata &&
	    x.params.metadata.order_id === ro.id);
	check('admin refund: Stripe got one refund of 500 on the order\'s PaymentIntent, keyed colmena-refund-<id>',
	    sreq.length === 1 && sreq[0].params.payment_intent === ro.pi && sreq[0].params.amount === '500' &&
	    sreq[0].headers['idempotency-key'] === `colmena-refund-${rd.id}`, sreq);
	check('admin refund: the order follows the charge.refunded webhook: partially_refunded',
	    await waitStatus(ro, 'partially_refunded') === 'partially_refunded', await statusOf(ro));
	check('admin refund: refunded 5.00 on the order', Number((await orderRow(ro) || {}).refunded_minor) === 500, await orderRow(ro));
	const again = await api('POST', `/api/v1/admin/orders/${ro.id}/refunds`,
	    { token: to, body: { amount: 5, reason: 'requested_by_customer' }, headers: { 'Idempotency-Key': `pay-${SFX}-k1` } });
	check('admin refund: the same Idempotency-Key again -> the same refund',
	    [200, 201].includes(again.status) && again.data && again.data.id === rd.id, () => show(again));
	const sreq2 = await siRequests((x) => x.path === '/v1/refunds' && x.params && x.params.metadata &&
	    x.params.metadata.order_id === ro.id);
	check('admin refund: ... and Stripe still saw only one refund', sreq2.length === 1, sreq2.length);
	check('admin refund: one refund row', Number(await sql(`SELECT count(*) FROM refunds WHERE order_id = ${lit(ro.id)}`, A_.id)) === 1, 'rows');
	const over = await api('POST', `/api/v1/admin/orders/${ro.id}/refunds`, { token: to, body: { amount: 8 } });
	err('admin refund: more than is left (8.00 of 7.99) -> 400 naming amount', over, 400, 'VALIDATION_ERROR', 'amount');
	check('admin refund: ... the message names the limit 7.99', over.error && over.error.details &&
	    /7\.99/.test(over.error.details.amount || ''), () => show(over));
	for (const [what, body, field] of [['amount 0', { amount: 0 }, 'amount'], ['amount -1', { amount: -1 }, 'amount'],
		['amount 1.005', { amount: 1.005 }, 'amount'], ['amount "1"', { amount: '1' }, 'amount'],
		['reason "bored"', { reason: 'bored' }, 'reason'], ['an unknown field', { amount: 1, to: 'me' }, 'to']]) {
		const r = await api('POST', `/api/v1/admin/orders/${ro.id}/refunds`, { token: to, body });
		err(`admin refund: ${what} -> 400 naming ${field}`, r, 400, 'VALIDATION_ERROR', field);
	}
	const full = await api('POST', `/api/v1/admin/orders/${ro.id}/refunds`, { token: to, body: {} });
	ok('admin refund: the rest (no amount) -> 201', full, 201);
	check('admin refund: the rest is 7.99', full.data && full.data.amount === 7.99, full.data);
	check('admin refund: the order follows: refunded', await waitStatus(ro, 'refunded') === 'refunded', await statusOf(ro));
	check('admin refund: full refund: the links are revoked', (await tokensOf(ro)).every((t) => t.revoked_at !== null), await tokensOf(ro));
	const rows_ = await rows(`SELECT status FROM refunds WHERE order_id = ${lit(ro.id)}`, A_.id);
	check('admin refund: both refund rows succeeded', rows_.length === 2 && rows_.every((x) => x.status === 'succeeded'), rows_);
	const au = await rows(`SELECT actor FROM audit_logs WHERE entity_type = 'refunds' AND action = 'create'
	    AND new_values->>'order_id' = ${lit(ro.id)}`, A_.id);
	check('admin refund: each refund is audited with actor user:<id>', au.length === 2 && au.every((x) => x.actor === `user:${uid('oa')}`), au);
	const after = await api('POST', `/api/v1/admin/orders/${ro.id}/refunds`, { token: to, body: { amount: 1 } });
	err('admin refund: a refunded order -> 409 CONFLICT', after, 409, 'CONFLICT');
	const unpaid = await api('POST', `/api/v1/admin/orders/${ctx.o1.id}/refunds`, { token: to, body: { amount: 1 } });
	err('admin refund: an unpaid (pending) order -> 409 CONFLICT', unpaid, 409, 'CONFLICT');
	const fo = await paidOrder([['p2']]);
	await si('DELETE', 'fail');
	await si('POST', 'fail', { path: '/v1/refunds', method: 'POST', status: 400, type: 'invalid_request_error',
		code: 'charge_disputed', message: 'This charge has been charged back; it cannot be refunded.' });
	const sf = await api('POST', `/api/v1/admin/orders/${fo.id}/refunds`, { token: to, body: { amount: 1 } });
	await si('DELETE', 'fail');
	err('admin refund: Stripe refuses -> 502 PAYMENT_PROVIDER_ERROR', sf, 502, 'PAYMENT_PROVIDER_ERROR');
	check('admin refund: ... with Stripe\'s message', sf.error && /charged back/.test(sf.error.message), () => show(sf));
	const frow = await one(`SELECT status, error, stripe_refund_id FROM refunds WHERE order_id = ${lit(fo.id)}`, A_.id);
	check('admin refund: the refused refund is recorded failed with the reason', frow && frow.status === 'failed' &&
	    /charged back/.test(frow.error || '') && frow.stripe_refund_id === null, frow);
	check('admin refund: the order is still paid', await statusOf(fo) === 'paid', await statusOf(fo));

	// Refunds made before Stripe's charge.refunded webhook arrives (the
	// stand-in holds its events 1.5 s): what Stripe already refunded is
	// not refundable again.
	const cfg = await si('POST', 'config', {});
	const delay0 = cfg.json && Number.isInteger(cfg.json.event_delay_ms) ? cfg.json.event_delay_ms : 100;
	await si('POST', 'config', { event_delay_ms: 1500 });
	const co2 = await paidOrder([['p2']]);
	const sq = await paidOrder([['p1']]);
	let both;
	let s1;
	let s2;
	try {
		both = await Promise.all([1, 2].map(() => api('POST', `/api/v1/admin/orders/${co2.id}/refunds`,
		    { token: to, body: {} })));
		s1 = await api('POST', `/api/v1/admin/orders/${sq.id}/refunds`, { token: to, body: { amount: 10 } });
		s2 = await api('POST', `/api/v1/admin/orders/${sq.id}/refunds`, { token: to, body: { amount: 5 } });
	} finally {
		await si('POST', 'config', { event_delay_ms: delay0 });
	}
	const codes = both.map((x) => x.status).sort();
	check('admin refund: two full refunds at once: one 201, the other 409 (nothing left)',
	    same(codes, [201, 409]), () => both.map(show).join(' | '));
	const sreq3 = await siRequests((x) => x.path === '/v1/refunds' && x.params && x.params.metadata &&
	    x.params.metadata.order_id === co2.id);
	check('admin refund: two full refunds at once: Stripe is asked for one', sreq3.length === 1, sreq3.length);
	ok('admin refund: 10.00 of 12.99 -> 201', s1, 201);
	err('admin refund: 5.00 more right after it, before Stripe\'s webhook -> 400 naming amount (2.99 left)',
	    s2, 400, 'VALIDATION_ERROR', 'amount');
	const sreq4 = await siRequests((x) => x.path === '/v1/refunds' && x.params && x.params.metadata &&
	    x.params.metadata.order_id === sq.id);
	check('admin refund: ... and Stripe is not asked for it', sreq4.length === 1, sreq4.map((x) => `${x.params.amount} -> ${x.status}`));
	check('admin refund: the held webhooks then settle both orders',
	    await waitStatus(co2, 'refunded', 5000) === 'refunded' &&
	    await waitStatus(sq, 'partially_refunded', 5000) === 'partially_refunded', 'statuses');

	// Receipt again.
	const first = (await receiptsOf(o))[0];
	const rs = await api('POST', `/api/v1/admin/orders/${o.id}/receipt`, { token: to, body: {} });
	ok('admin receipt: resend -> 202', rs, 202);
	check('admin receipt: names the buyer and 2 links', rs.data && rs.data.to === o.email && rs.data.links === 2, rs.data);
	const rcs = await receiptsOf(o);
	check('admin receipt: a second receipt row', rcs.length === 2 && rcs[1].subject === `Your receipt from ${A_.name} (sent again)`, rcs.map((x) => x.subject));
	const toks = (b) => [...(b || '').matchAll(/\/download\/([A-Za-z0-9_-]{43})/g)].map((x) => x[1]).sort();
	check('admin receipt: the resent receipt carries the same links', rcs.length === 2 && first &&
	    same(toks(rcs[1].body_text), toks(first.body_text)) && toks(first.body_text).length === 2, () => `${toks(first && first.body_text)} vs ${toks(rcs[1] && rcs[1].body_text)}`);
	const oldLinks = toks(first && first.body_text);
	if (oldLinks.length) {
		const g = await api('GET', `/download/${oldLinks[0]}`);
		check('admin receipt: ... which still work', g.status === 200, () => show(g));
	}
	const aR = await rows(`SELECT actor, new_values FROM audit_logs WHERE entity_type = 'orders'
	    AND entity_id = ${lit(o.id)} AND new_values->>'action' = 'receipt_resent'`, A_.id);
	check('admin receipt: audited with actor user:<id>', aR.length === 1 && aR[0].actor === `user:${uid('oa')}`, aR);
	err('admin receipt: on a pending order -> 409', await api('POST', `/api/v1/admin/orders/${ctx.o1.id}/receipt`, { token: to, body: {} }), 409, 'CONFLICT');

	// New links.
	const nl = await api('POST', `/api/v1/admin/orders/${o.id}/links`, { token: to, body: {} });
	ok('admin links: new links -> 201 with the order', nl, 201);
	const after2 = await tokensOf(o);
	check('admin links: the old links are revoked, two new ones active',
	    after2.length === 4 && after2.filter((t) => t.revoked_at === null).length === 2, after2);
	if (oldLinks.length) {
		const g = await api('GET', `/download/${oldLinks[0]}`);
		check('admin links: an old link is now refused (410 withdrawn)', g.status === 410 && /data-outcome="revoked"/.test(g.text), () => show(g));
	}
	const lm = await receiptsOf(o, 'download_links');
	check('admin links: a mail with the new links is queued', lm.length === 1 && lm[0].recipient === o.email, lm.length);
	const fresh = toks(lm[0] && lm[0].body_text);
	check('admin links: the mail has two new links, none of the old', fresh.length === 2 && !fresh.some((t) => oldLinks.includes(t)), fresh);
	for (const t of fresh) {
		const g = await api('GET', `/download/${t}`);
		check('admin links: a new link downloads the file', g.status === 200 &&
		    [P('p1').sha256, P('p2').sha256].includes(sha256hex(g.buf)), () => show(g));
	}
	const aL = await rows(`SELECT actor FROM audit_logs WHERE entity_type = 'orders'
	    AND entity_id = ${lit(o.id)} AND new_values->>'action' = 'links_reissued'`, A_.id);
	check('admin links: audited with actor user:<id>', aL.length === 1 && aL[0].actor === `user:${uid('oa')}`, aL);
	err('admin links: on a refunded order -> 409', await api('POST', `/api/v1/admin/orders/${ro.id}/links`, { token: to, body: {} }), 409, 'CONFLICT');
}

// ---------------------------------------------------------------- 11. Connect

async function connect() {
	const to = ctx.tokens.oc;
	const c = await api('POST', '/api/v1/admin/settings/stripe/connect', { token: to, body: {} });
	ok('connect: the owner connects the store -> 200', c);
	const d = c.data || {};
	check('connect: an account id and an onboarding link, charges not enabled yet',
	    /^acct_[A-Za-z0-9]+$/.test(d.accountId || '') && typeof d.onboardingUrl === 'string' &&
	    d.onboardingUrl.startsWith(`${STRIPE}/onboard/${d.accountId}`) && d.chargesEnabled === false, d);
	const acct = d.accountId;
	const ar = await siRequests((q) => q.path === '/v1/accounts' && q.method === 'POST' && q.params &&
	    q.params.metadata && q.params.metadata.store_id === C().id);
	check('connect: Stripe got one account, express, with the owner\'s email',
	    ar.length === 1 && ar[0].params.type === 'express' && ar[0].params.email === mail('oc'), ar);
	const st = await one(`SELECT stripe_account_id, stripe_charges_enabled FROM stores WHERE id = ${lit(C().id)}`, C().id);
	check('connect: the store records the account', st && st.stripe_account_id === acct && st.stripe_charges_enabled === false, st);
	const c2 = await api('POST', '/api/v1/admin/settings/stripe/connect', { token: to, body: {} });
	check('connect: connecting again keeps the account, a new onboarding link',
	    c2.status === 200 && c2.data && c2.data.accountId === acct, () => show(c2));
	const nowAcc = await siRequests((q) => q.path === '/v1/accounts' && q.method === 'POST' && q.params &&
	    q.params.metadata && q.params.metadata.store_id === C().id);
	check('connect: ... and no second account at Stripe', nowAcc.length === 1, nowAcc.length);
	const blocked = await checkout(C(), [['pc']]);
	err('connect: checkout while charges are disabled -> 409 CONFLICT', blocked.r, 409, 'CONFLICT');
	const bad = await api('POST', '/api/v1/admin/settings/stripe/connect', { token: to, body: { returnUrl: 'javascript:alert(1)' } });
	err('connect: a bad returnUrl -> 400', bad, 400, 'VALIDATION_ERROR', 'returnUrl');

	// Onboarding at the stand-in: Stripe then sends account.updated.
	const u = new URL(d.onboardingUrl || `${STRIPE}/onboard/x`);
	const page = await fetch(u.href);
	check('connect: the onboarding page opens', page.status === 200, page.status);
	const done = await fetch(`${STRIPE}/onboard/${acct}/complete`, {
		method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ link: u.searchParams.get('link') || '' }).toString(),
	});
	check('connect: onboarding completes', [200, 303].includes(done.status), done.status);
	const en = await waitFor(async () => {
		const s = await one(`SELECT stripe_charges_enabled FROM stores WHERE id = ${lit(C().id)}`, C().id);
		return s && s.stripe_charges_enabled === true;
	});
	check('connect: account.updated -> the store can take charges', en === true, en);
	const ev = await one(`SELECT outcome, store_id FROM stripe_events WHERE type = 'account.updated' AND account = ${lit(acct)}
	    ORDER BY received_at DESC LIMIT 1`);
	check('connect: the account.updated event is applied to the store', ev && ev.outcome === 'applied' && ev.store_id === C().id, ev);
	const co = await checkout(C(), [['pc']]);
	ok('connect: checkout works once onboarded -> 201', co.r, 201);
	const rq = await siRequests((q) => q.path === '/v1/checkout/sessions' && q.headers['idempotency-key'] === `colmena-checkout-${co.id}`);
	check('connect: the session is made with Stripe-Account: <the store\'s account>',
	    rq.length === 1 && rq[0].headers['stripe-account'] === acct, rq.map((x) => x.headers));
	check('connect: no application_fee_amount (stripe_fee_bps is 0)',
	    rq.length === 1 && (!rq[0].params.payment_intent_data || rq[0].params.payment_intent_data.application_fee_amount === undefined),
	    rq[0] && rq[0].params.payment_intent_data);
	check('connect: the order records the connected account', (await orderRow(co) || {}).stripe_account_id === acct, await orderRow(co));
	ctx.connectOrder = co;

	// Events routed by event.account.
	const other = await checkout(C(), [['pc']]);
	const wrongAcct = stripeEvent('checkout.session.completed', sessionObject(other, { pi: `pi_pay${SFX}w` }), { account: 'acct_PayNotOurs0001' });
	const wr = await sendEvent(wrongAcct, WH_CONNECT || WH);
	check('connect: an event from another connected account -> 200 ignored ("no order of ours")',
	    wr.status === 200 && wr.data && wr.data.outcome === 'ignored', () => show(wr));
	check('connect: ... and the order is untouched', await statusOf(other) === 'pending', await statusOf(other));
	const plat = stripeEvent('checkout.session.completed', sessionObject(other, { pi: `pi_pay${SFX}p` }));
	const pr = await sendEvent(plat);
	check('connect: the same event from the platform (no account) -> ignored', pr.status === 200 && pr.data &&
	    pr.data.outcome === 'ignored' && await statusOf(other) === 'pending', () => show(pr));
	const pay = await si('POST', `sessions/${co.cs}/complete`, {});
	check('connect: Stripe\'s event from the store\'s account -> applied, the order paid',
	    pay.json && pay.json.event && pay.json.event.account === acct && pay.json.delivery &&
	    /"outcome":"applied"/.test(pay.json.delivery.body) && await statusOf(co) === 'paid', pay.text);
	check('connect: the paid connected order has its link', (await tokensOf(co)).length === 1, await tokensOf(co));

	// account.updated toggles the store.
	const off = await si('POST', `accounts/${acct}/update`, { charges_enabled: false });
	check('connect: account.updated charges_enabled=false -> 200', off.json && off.json.delivery && off.json.delivery.status === 200, off.text);
	const s1 = await one(`SELECT stripe_charges_enabled FROM stores WHERE id = ${lit(C().id)}`, C().id);
	check('connect: the store can no longer take charges', s1 && s1.stripe_charges_enabled === false, s1);
	err('connect: checkout -> 409 again', (await checkout(C(), [['pc']])).r, 409, 'CONFLICT');
	const sA = await one(`SELECT stripe_charges_enabled, stripe_account_id FROM stores WHERE id = ${lit(A().id)}`, A().id);
	check('connect: another store is untouched', sA && sA.stripe_account_id === null, sA);
	await si('POST', `accounts/${acct}/update`, { charges_enabled: true });
	const s2 = await one(`SELECT stripe_charges_enabled FROM stores WHERE id = ${lit(C().id)}`, C().id);
	check('connect: charges_enabled=true again', s2 && s2.stripe_charges_enabled === true, s2);
	const unk = stripeEvent('account.updated', { id: 'acct_PayUnknown0001', object: 'account', charges_enabled: true,
		details_submitted: true }, { account: 'acct_PayUnknown0001' });
	const ur = await sendEvent(unk, WH_CONNECT || WH);
	check('connect: account.updated for an account no store has -> 200 ignored', ur.status === 200 && ur.data &&
	    ur.data.outcome === 'ignored', () => show(ur));

	// Refresh, and who may.
	const rf = await api('POST', '/api/v1/admin/settings/stripe/refresh', { token: to, body: {} });
	ok('connect: refresh -> 200', rf);
	check('connect: refresh reports the account and that it can take charges',
	    rf.data && rf.data.accountId === acct && rf.data.chargesEnabled === true, rf.data);
	const rfB = await api('POST', '/api/v1/admin/settings/stripe/refresh', { token: ctx.tokens.ob, body: {} });
	err('connect: refresh for a store with no account -> 409', rfB, 409, 'CONFLICT');
	for (const [who, path] of [['an admin', 'connect'], ['an admin', 'refresh'], ['an editor', 'connect']]) {
		const t = who === 'an admin' ? ctx.tokens.aa : ctx.tokens.ea;
		const r = await api('POST', `/api/v1/admin/settings/stripe/${path}`, { token: t, body: {} });
		err(`connect: ${who} (no settings.write) may not ${path} -> 403`, r, 403, 'FORBIDDEN');
	}
	err('connect: no credential -> 401', await api('POST', '/api/v1/admin/settings/stripe/connect', { body: {} }), 401, 'UNAUTHORIZED');
	check('connect: store A got no account from those refusals',
	    (await one(`SELECT stripe_account_id FROM stores WHERE id = ${lit(A().id)}`, A().id) || {}).stripe_account_id === null, 'store A');
}

// ---------------------------------------------------------------- 12. unsubscribe

async function unsubscribe() {
	const to = ctx.tokens.oa;
	const u = await paidOrder([['p4']], { consent: true, email: mail('Unsub.Buyer') });
	const keep = await paidOrder([['p4']], { consent: true, email: mail('keeps') });
	const u2 = await paidOrder([['p2']], { consent: true, email: u.email });
	check('unsubscribe: two buyers of the product, paid', await statusOf(u) === 'paid' && await statusOf(keep) === 'paid', 'status');
	await attachFile('p4', Buffer.from(`notice v2 ${SFX}\n${hex(500)}\n`));
	const n1 = await api('POST', `/api/v1/admin/products/${P('p4').id}/file/notify`, { token: to, body: {} });
	check('unsubscribe: notify buyers of the new file -> two notices', n1.status === 200 && n1.data && n1.data.linksSent === 2, () => show(n1));
	const fu = await rows(`SELECT recipient FROM outbox WHERE kind = 'file_updated' AND store_id = ${lit(A().id)}
	    AND lower(recipient) IN (${lit(u.email.toLowerCase())}, ${lit(keep.email.toLowerCase())})`);
	check('unsubscribe: a file_updated row for each buyer', fu.length === 2, fu);
	if (!SMTP.proc) {
		check('unsubscribe: needs the SMTP server', false, 'not started');
		return;
	}
	await deliverMail();
	const m = await waitFor(() => mailsTo(u.email).find((x) => x.listUnsubscribe) ||
	    mailsTo(u.email.toLowerCase()).find((x) => x.listUnsubscribe), 5000);
	check('unsubscribe: the notice arrives with List-Unsubscribe and one-click POST',
	    m && /^<.+\/unsubscribe\/.+>$/.test(m.listUnsubscribe) && m.listUnsubscribePost === 'List-Unsubscribe=One-Click', m);
	if (!m)
		return;
	const link = m.listUnsubscribe.slice(1, -1);
	const path = new URL(link).pathname;
	check('unsubscribe: the link names the store and the SHA-256 of the lower-case address',
	    path.startsWith(`/unsubscribe/${A().id}/${sha256hex(u.email.toLowerCase())}/`), path);
	const g = await api('GET', path);
	check('unsubscribe: GET the link -> 200 page with a form that POSTs back',
	    g.status === 200 && /^text\/html/.test(g.headers.get('content-type') || '') &&
	    /<form method="post" action="\/unsubscribe\//.test(g.text) && g.text.includes(A().name), () => show(g));
	check('unsubscribe: the GET changed nothing', Number(await sql(`SELECT count(*) FROM mail_optouts
	    WHERE store_id = ${lit(A().id)}`, A().id)) === 0, 'optouts');
	const parts = path.split('/');
	const proof = parts[4];
	const forged = [...parts.slice(0, 4), (proof[0] === 'A' ? 'B' : 'A') + proof.slice(1)].join('/');
	for (const [what, pth] of [['a forged proof', forged],
		['another address\'s hash with this proof', [...parts.slice(0, 3), sha256hex(keep.email.toLowerCase()), proof].join('/')],
		['another store with this proof', ['', 'unsubscribe', B().id, parts[3], proof].join('/')],
		['a malformed hash', ['', 'unsubscribe', A().id, 'abc', proof].join('/')]]) {
		const f = await api('GET', pth);
		check(`unsubscribe: ${what} -> the 404 page`, f.status === 404 && /^text\/html/.test(f.headers.get('content-type') || '') &&
		    /not valid/.test(f.text), () => show(f));
		const fp = await api('POST', pth, { raw: 'List-Unsubscribe=One-Click', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
		check(`unsubscribe: POST with ${what} -> 404, nothing recorded`, fp.status === 404 && Number(await sql(`SELECT count(*)
		    FROM mail_optouts WHERE store_id IN (${lit(A().id)}, ${lit(B().id)})`, A().id)) === 0, () => show(fp));
	}
	const p = await api('POST', path, { raw: 'List-Unsubscribe=One-Click', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
	check('unsubscribe: POST (one click) -> 200 "done" page', p.status === 200 && /data-state="done"/.test(p.text), () => show(p));
	const oo = await one(`SELECT count(*) AS n FROM mail_optouts WHERE store_id = ${lit(A().id)}
	    AND email_hash = decode(${lit(sha256hex(u.email.toLowerCase()))}, 'hex')`, A().id);
	check('unsubscribe: a mail_optouts row for the address', oo && Number(oo.n) === 1, oo);
	const cons = await rows(`SELECT id, marketing_consent FROM orders WHERE id IN (${lit(u.id)}, ${lit(u2.id)}, ${lit(keep.id)})`, A().id);
	check('unsubscribe: marketing consent withdrawn on every order of that buyer, kept on the other\'s',
	    cons.length === 3 && cons.every((x) => x.marketing_consent === (x.id === keep.id)), cons);
	const p2 = await api('POST', path, { raw: 'List-Unsubscribe=One-Click', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
	check('unsubscribe: a second POST is harmless', p2.status === 200, () => show(p2));

	await attachFile('p4', Buffer.from(`notice v3 ${SFX}\n${hex(500)}\n`));
	const n2 = await api('POST', `/api/v1/admin/products/${P('p4').id}/file/notify`, { token: to, body: {} });
	check('unsubscribe: notify again -> one notice (the other buyer only)', n2.status === 200 && n2.data && n2.data.linksSent === 1, () => show(n2));
	const fu2 = await rows(`SELECT lower(recipient) AS r FROM outbox WHERE kind = 'file_updated' AND store_id = ${lit(A().id)}
	    AND lower(recipient) IN (${lit(u.email.toLowerCase())}, ${lit(keep.email.toLowerCase())})`);
	check('unsubscribe: no new notice for the buyer who unsubscribed', fu2.filter((x) => x.r === u.email.toLowerCase()).length === 1 &&
	    fu2.filter((x) => x.r === keep.email.toLowerCase()).length === 2, fu2);
	const ut = await tokensOf(u);
	check('unsubscribe: the unsubscribed buyer keeps the link to the version bought',
	    ut.filter((t) => t.revoked_at === null).length === 1, ut);
}

// ---------------------------------------------------------------- 13. no crash

function sanDir() {
	const m = /log_path=([^:]+)/.exec(process.env.ASAN_OPTIONS || '');
	return m ? dirname(m[1]) : null;
}

function sanFiles() {
	const d = sanDir();
	try {
		return d ? readdirSync(d).map((f) => join(d, f)) : [];
	} catch {
		return [];
	}
}

const ERRLOG = process.env.COLMENA_RUN ? join(process.env.COLMENA_RUN, 'lighttpd-error.log') : null;
function logSize() {
	try {
		return ERRLOG ? statSync(ERRLOG).size : 0;
	} catch {
		return 0;
	}
}

function finalChecks(logStart, sanStart) {
	for (const [f, s] of [...seen.entries()].sort()) {
		const what = f.startsWith('page ') ? 'an HTML page (or the file)' : 'the JSON envelope';
		check(`every answer of ${f} (${s.n}) is ${what}, never a 500 or lighttpd's error page`,
		    s.bad.length === 0, () => s.bad.slice(0, 8).join(' | '));
	}
	if (ERRLOG) {
		let text = '';
		try {
			text = readFileSync(ERRLOG).subarray(logStart).toString('utf8');
		} catch { /* no log */ }
		const bad = text.split('\n').filter((l) => /child exited|perhaps the fastcgi process died|AddressSanitizer|runtime error:|fatal/i.test(l));
		check('the lighttpd error log shows no FastCGI program crashing during this suite', bad.length === 0,
		    () => bad.slice(0, 6).join(' | '));
	}
	const fresh = sanFiles().filter((f) => !sanStart.includes(f));
	check('no sanitizer report appeared during this suite', fresh.length === 0, () => fresh.map((f) => {
		let t = '';
		try {
			t = readFileSync(f, 'utf8').split('\n').filter((l) => /ERROR|#[0-4] /.test(l)).slice(0, 6).join(' / ');
		} catch { /* gone */ }
		return `${f}: ${t}`;
	}).join(' | '));
}

// ---------------------------------------------------------------- main

async function main() {
	const logStart = logSize();
	const sanStart = sanFiles();
	const health = await fetch(`${STRIPE}/_standin/requests`).catch(() => null);
	if (!check('the Stripe stand-in answers', health && health.status === 200, 'no answer')) {
		console.log(summary());
		process.exit(1);
	}
	await si('DELETE', 'fail');
	const steps = [
		['set-up', setup], ['checkout', checkoutHappy], ['checkout bad input', checkoutBad],
		['Stripe failing', stripeFailing], ['payment intents', paymentIntents], ['signatures', signatures],
		['exactly once', exactlyOnce], ['lifecycle', lifecycle], ['buyer', buyer], ['mail', mailEndToEnd],
		['admin orders', adminOrders], ['connect', connect], ['unsubscribe', unsubscribe],
	];
	for (const [name, fn] of steps) {
		const t = Date.now();
		try {
			await fn();
		} catch (e) {
			check(`${name}: ran to the end`, false, e.stack);
			if (name === 'set-up')
				break;
		}
		if (process.env.PAY_TIMING)
			console.log(`# ${name}: ${Date.now() - t} ms`);
	}
	await si('DELETE', 'fail').catch(() => {});
	if (SMTP.proc)
		SMTP.proc.kill('SIGTERM');
	finalChecks(logStart, sanStart);
	rmSync(TMP, { recursive: true, force: true });
	console.log(`# ${((Date.now() - T0) / 1000).toFixed(1)} s`);
	console.log(summary());
	process.exit(tally.failed > 0 ? 1 : 0);
}

main().catch((e) => {
	check('payments.mjs ran to the end', false, e.stack);
	if (SMTP.proc)
		SMTP.proc.kill('SIGTERM');
	console.log(summary());
	process.exit(1);
});
