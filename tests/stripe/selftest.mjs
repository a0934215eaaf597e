// selftest.mjs: checks tests/stripe/standin.mjs, the local Stripe stand-in,
// over real HTTP: nested form decoding, every endpoint and its Stripe error
// shapes, idempotent replay and mismatch, Stripe-Account scoping, the hosted
// pay and onboarding pages, signed webhook deliveries (checked by recomputing
// the HMAC in a local receiver), the control API and its fail modes.
// Run: node tests/stripe/selftest.mjs   Prints "N passed, N failed" last;
// exits 1 if any check failed. Built-in modules only; 127.0.0.1 only.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const STANDIN = fileURLToPath(new URL('./standin.mjs', import.meta.url));
const SK = 'sk_test_51SelfTestKey0000wxyz';
const WH = 'whsec_selftest_platform', CWH = 'whsec_selftest_connect';
let passed = 0, failed = 0;

function check(name, ok, detail) {
	if (ok) { passed++; console.log(`ok - ${name}`); }
	else { failed++; console.log(`FAIL - ${name}${detail === undefined ? '' : ': ' + (typeof detail === 'string' ? detail : JSON.stringify(detail))}`); }
}
async function attempt(name, fn) {
	try { await fn(); } catch (e) { check(name, false, `threw ${e.stack}`); }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- Webhook receiver ------------------------------------------------------------
const got = [];
let hookStatus = 200;
const receiver = http.createServer((req, res) => {
	const chunks = [];
	req.on('data', (c) => chunks.push(c));
	req.on('end', () => {
		const body = Buffer.concat(chunks).toString('utf8');
		let json = null;
		try { json = JSON.parse(body); } catch { /* checked by the tests */ }
		got.push({ headers: req.headers, body, json, path: req.url });
		res.writeHead(hookStatus, { 'Content-Type': 'text/plain' });
		res.end(hookStatus === 200 ? 'received' : 'nope');
	});
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const HOOK = `http://127.0.0.1:${receiver.address().port}/hook`;

async function waitHook(pred, ms = 3000) {
	for (const end = Date.now() + ms; Date.now() < end; await sleep(20)) {
		const h = got.find((g) => g.json && pred(g.json));
		if (h) return h;
	}
	return null;
}
function verify(h, secret) {
	const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(h.headers['stripe-signature'] ?? '');
	if (!m) return false;
	const want = createHmac('sha256', secret).update(`${m[1]}.${h.body}`).digest('hex');
	return want === m[2] && Math.abs(Date.now() / 1000 - Number(m[1])) < 300;
}

// ---- Stand-in process ----------------------------------------------------------------
const child = spawn(process.execPath, [STANDIN, '--port', '0', '--secret-key', SK, '--webhook-url', HOOK,
	'--webhook-secret', WH, '--connect-webhook-secret', CWH, '--account', 'acct_PresetAccount01'],
	{ stdio: ['ignore', 'pipe', 'pipe'] });
let stderr = '';
child.stderr.on('data', (c) => { stderr += c; });
const port = await new Promise((resolve, reject) => {
	let out = '';
	child.stdout.on('data', (c) => { out += c; const m = /^ready (\d+)\n/.exec(out); if (m) resolve(Number(m[1])); });
	child.on('exit', (code) => reject(new Error(`stand-in exited ${code}: ${stderr}`)));
	setTimeout(() => reject(new Error('no ready line')), 5000);
});
const BASE = `http://127.0.0.1:${port}`;

// ---- Clients -------------------------------------------------------------------------
// Stripe-style form encoding of nested objects and arrays.
function enc(v, prefix = '') {
	if (Array.isArray(v)) return v.flatMap((x, i) => enc(x, `${prefix}[${i}]`));
	if (v !== null && typeof v === 'object')
		return Object.entries(v).flatMap(([k, x]) => enc(x, prefix ? `${prefix}[${k}]` : k));
	return [`${encodeURIComponent(prefix)}=${encodeURIComponent(String(v))}`];
}
async function api(method, path, params, o = {}) {
	const headers = {};
	if (o.key !== null) headers.Authorization = o.basic ? `Basic ${Buffer.from((o.key ?? SK) + ':').toString('base64')}` : `Bearer ${o.key ?? SK}`;
	if (o.account) headers['Stripe-Account'] = o.account;
	if (o.idem) headers['Idempotency-Key'] = o.idem;
	if (o.version) headers['Stripe-Version'] = o.version;
	let body;
	if (method === 'POST') {
		headers['Content-Type'] = 'application/x-www-form-urlencoded';
		body = typeof params === 'string' ? params : enc(params ?? {}).join('&');
	} else if (params) path += '?' + (typeof params === 'string' ? params : enc(params).join('&'));
	const res = await fetch(BASE + path, { method, headers, body, signal: o.signal, redirect: 'manual' });
	const text = await res.text();
	let json = null;
	try { json = JSON.parse(text); } catch { /* not JSON */ }
	return { status: res.status, headers: res.headers, json, text };
}
async function ctl(method, path, body) {
	const res = await fetch(`${BASE}/_standin${path}`, { method, headers: { 'Content-Type': 'application/json' },
		body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
	const text = await res.text();
	let json = null;
	try { json = JSON.parse(text); } catch { /* not JSON */ }
	return { status: res.status, json, text };
}
async function page(method, path, form) {
	const res = await fetch(BASE + path, { method, redirect: 'manual', body: form,
		headers: form === undefined ? {} : { 'Content-Type': 'application/x-www-form-urlencoded' } });
	return { status: res.status, location: res.headers.get('location'), text: await res.text() };
}
const soon = () => Math.floor(Date.now() / 1000);
const line = (name, amount, qty = 1, cur = 'usd') =>
	({ quantity: qty, price_data: { currency: cur, unit_amount: amount, product_data: { name } } });
const sessionParams = (extra = {}) => ({ mode: 'payment', success_url: 'http://127.0.0.1:9/ok?s={CHECKOUT_SESSION_ID}',
	cancel_url: 'http://127.0.0.1:9/cancel', line_items: [line('Book', 1299, 2)], ...extra });
const errIs = (r, status, type, code, param) => r.status === status && r.json?.error?.type === type &&
	(code === undefined || r.json.error.code === code) && (param === undefined || r.json.error.param === param);

// ---- Auth and headers --------------------------------------------------------------------
await attempt('auth', async () => {
	let r = await api('POST', '/v1/payment_intents', { amount: 100, currency: 'usd' }, { key: null });
	check('missing key is 401 with Stripe message', r.status === 401 && r.json?.error?.type === 'invalid_request_error' &&
		r.json.error.message.startsWith('You did not provide an API key.'), r.json);
	r = await api('POST', '/v1/payment_intents', { amount: 100, currency: 'usd' }, { key: 'sk_test_somethingelse9876' });
	check('wrong key is 401, masked', r.status === 401 && /^Invalid API Key provided: sk_test_\*+9876$/.test(r.json?.error?.message) &&
		!r.text.includes('somethingelse'), r.json);
	r = await api('POST', '/v1/payment_intents', { amount: 100, currency: 'usd' }, { basic: true });
	check('HTTP Basic with the key as user works', r.status === 200 && r.json?.object === 'payment_intent', r.json);
	check('JSON content type', r.headers.get('content-type') === 'application/json');
	check('Request-Id header', /^req_\w+$/.test(r.headers.get('request-id') ?? ''));
	check('default Stripe-Version', r.headers.get('stripe-version') === '2024-06-20');
	r = await api('GET', `/v1/payment_intents/${r.json.id}`, null, { version: '2023-10-16' });
	check('Stripe-Version echoed', r.status === 200 && r.headers.get('stripe-version') === '2023-10-16');
	r = await api('GET', '/v1/payment_intents/pi_x', null, { version: 'yesterday' });
	check('bad Stripe-Version is 400', r.status === 400 && /Invalid Stripe API version/.test(r.json?.error?.message));
	r = await api('POST', '/v1/foo', { a: 1 });
	check('unknown path is 404 Unrecognized request URL', r.status === 404 &&
		r.json?.error?.message.startsWith('Unrecognized request URL (POST: /v1/foo).'), r.json);
	r = await api('DELETE', '/v1/checkout/sessions', null);
	check('known path, wrong method is 404', r.status === 404 && /\(DELETE: \/v1\/checkout\/sessions\)/.test(r.json?.error?.message));
});

// ---- Form decoding --------------------------------------------------------------------------
await attempt('form decoding', async () => {
	await ctl('DELETE', '/requests');
	const raw = 'mode=payment&success_url=http%3A%2F%2F127.0.0.1%2Fok&line_items[0][quantity]=1' +
		'&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=500' +
		'&line_items[0][price_data][product_data][name]=Song+one%21&line_items%5B1%5D%5Bquantity%5D=3' +
		'&line_items[1][price_data][currency]=usd&line_items[1][price_data][unit_amount]=0' +
		'&line_items[1][price_data][product_data][name]=Free&line_items[1][price_data][product_data][metadata][k]=v' +
		'&metadata[a+b]=%C3%BC%26%3D&metadata[empty]=&expand[]=line_items&expand[]=payment_intent';
	const r = await api('POST', '/v1/checkout/sessions', raw);
	check('nested session created', r.status === 200 && r.json?.amount_subtotal === 500, r.json);
	check('+ and %XX decoded in keys and values', r.json?.metadata?.['a b'] === 'ü&=' && !('empty' in r.json.metadata), r.json?.metadata);
	check('expand[] list expands line_items', r.json?.line_items?.object === 'list' && r.json.line_items.data.length === 2 &&
		r.json.line_items.data[0].description === 'Song one!' && r.json.line_items.data[1].quantity === 3);
	const reqs = (await ctl('GET', '/requests')).json;
	const p = reqs.at(-1)?.params;
	check('recorded params are nested, values strings', Array.isArray(p?.line_items) && p.line_items[1].quantity === '3' &&
		p.line_items[1].price_data.product_data.metadata.k === 'v' && Array.isArray(p.expand) && p.expand[1] === 'payment_intent', p);
	check('recorded raw and headers', reqs.at(-1).raw === raw && reqs.at(-1).headers['content-type'] === 'application/x-www-form-urlencoded' &&
		reqs.at(-1).authorization === 'present' && reqs.at(-1).status === 200 && reqs.at(-1).replayed === false);
	for (const [name, body, param] of [
		['non-dense index', 'mode=payment&success_url=http://a.b/&line_items[1][quantity]=1', 'line_items'],
		['unclosed bracket', 'a[b=1', undefined],
		['bad percent escape', 'mode=%zz', undefined],
		['scalar and hash for one key', 'metadata=x&metadata[a]=b', undefined],
		['[] mixed with [0]', 'expand[]=a&expand[0]=b', undefined],
	]) {
		const e = await api('POST', '/v1/checkout/sessions', body);
		check(`malformed form: ${name} is 400`, errIs(e, 400, 'invalid_request_error', undefined, param), e.json);
	}
	const e = await api('POST', '/v1/checkout/sessions', '&&&=&===&');
	check('junk separators do not crash', e.status === 400, e.json);
});

// ---- Checkout sessions: validation ----------------------------------------------------------
await attempt('session validation', async () => {
	const t = soon();
	const cases = [
		['unknown param', { foo: 'bar' }, 'parameter_unknown', 'foo', 'Received unknown parameter: foo'],
		['unknown nested param', { line_items: [{ ...line('A', 1), bogus: 1 }] }, 'parameter_unknown', 'line_items[0][bogus]'],
		['missing success_url', { success_url: undefined }, 'parameter_missing', 'success_url', 'Missing required param: success_url.'],
		['missing product name', { line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 1, product_data: { description: 'x' } } }] },
			'parameter_missing', 'line_items[0][price_data][product_data][name]'],
		['invalid integer', { line_items: [{ ...line('A', 1), quantity: 'abc' }] }, 'parameter_invalid_integer', 'line_items[0][quantity]', 'Invalid integer: abc'],
		['quantity 0', { line_items: [line('A', 1, 0)] }, undefined, 'line_items[0][quantity]'],
		['negative unit_amount', { line_items: [line('A', -1)] }, undefined, 'line_items[0][price_data][unit_amount]'],
		['invalid boolean', { allow_promotion_codes: 'yes' }, undefined, 'allow_promotion_codes', 'Invalid boolean: yes'],
		['mode setup', { mode: 'setup' }, undefined, 'mode'],
		['empty string', { customer_email: '' }, 'parameter_invalid_empty', 'customer_email'],
		['bad email', { customer_email: 'nope' }, undefined, 'customer_email'],
		['expires_at too soon', { expires_at: t + 600 }, undefined, 'expires_at'],
		['expires_at too late', { expires_at: t + 90000 }, undefined, 'expires_at'],
		['client_reference_id too long', { client_reference_id: 'x'.repeat(201) }, undefined, 'client_reference_id'],
		['51 metadata keys', { metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }, undefined, 'metadata'],
		['41-char metadata key', { metadata: { ['k'.repeat(41)]: 'v' } }, undefined, 'metadata'],
		['501-char metadata value', { metadata: { k: 'v'.repeat(501) } }, undefined, 'metadata[k]'],
		['mixed currencies', { line_items: [line('A', 1), line('B', 1, 1, 'eur')] }, undefined, 'line_items[1][price_data][currency]'],
		['101 line items', { line_items: Array.from({ length: 101 }, () => line('A', 1)) }, undefined, 'line_items'],
		['fee without Stripe-Account', { payment_intent_data: { application_fee_amount: 10 } }, undefined, 'payment_intent_data[application_fee_amount]'],
		['bad locale', { locale: 'xx' }, undefined, 'locale'],
		['bad success_url', { success_url: 'not a url' }, undefined, 'success_url'],
	];
	for (const [name, extra, code, param, msg] of cases) {
		const r = await api('POST', '/v1/checkout/sessions', JSON.parse(JSON.stringify(sessionParams(extra))));
		check(`session: ${name} is 400`, errIs(r, 400, 'invalid_request_error', code, param) && (!msg || r.json.error.message === msg), r.json);
	}
	const ok = await api('POST', '/v1/checkout/sessions', sessionParams({ expires_at: t + 3600, customer_email: 'a@b.example',
		client_reference_id: 'order-1', allow_promotion_codes: true, automatic_tax: { enabled: true }, locale: 'de',
		payment_intent_data: { metadata: { order_id: 'o-1' } }, metadata: { order_id: 'o-1', store_id: 's-1' } }));
	const s = ok.json;
	check('session created with Stripe fields', ok.status === 200 && /^cs_test_\w{20,}$/.test(s?.id) && s.object === 'checkout.session' &&
		s.url === `${BASE}/pay/${s.id}` && s.status === 'open' && s.payment_status === 'unpaid' && s.mode === 'payment' &&
		s.amount_subtotal === 2598 && s.amount_total === 2598 && s.currency === 'usd' && s.customer_email === 'a@b.example' &&
		s.customer_details === null && s.client_reference_id === 'order-1' && s.metadata.store_id === 's-1' &&
		s.expires_at === t + 3600 && s.payment_intent === null && s.allow_promotion_codes === true &&
		s.automatic_tax.enabled === true && s.livemode === false && Math.abs(s.created - t) < 5 &&
		s.total_details.amount_tax === 0 && s.total_details.amount_shipping === 0 && s.cancel_url === 'http://127.0.0.1:9/cancel', s);
	const g = await api('GET', `/v1/checkout/sessions/${s.id}`);
	check('GET session', g.status === 200 && g.json?.id === s.id && g.json.amount_total === 2598);
	const nf = await api('GET', '/v1/checkout/sessions/cs_x');
	check('GET unknown session is 404 resource_missing', errIs(nf, 404, 'invalid_request_error', 'resource_missing', 'id') &&
		nf.json.error.message === "No such checkout.session: 'cs_x'", nf.json);
	const bx = await api('GET', `/v1/checkout/sessions/${s.id}`, 'expand[]=nothing_here');
	check('bad expand is 400', bx.status === 400 && /cannot be expanded/.test(bx.json?.error?.message), bx.json);
	const uq = await api('GET', `/v1/checkout/sessions/${s.id}`, 'limit=3');
	check('unknown query param on GET is parameter_unknown', errIs(uq, 400, 'invalid_request_error', 'parameter_unknown', 'limit'));
	const jp = await api('POST', '/v1/checkout/sessions', sessionParams({ line_items: [line('Yen thing', 1200, 1, 'JPY')] }));
	const html = (await page('GET', `/pay/${jp.json.id}`)).text;
	check('zero-decimal currency on the page', html.includes('¥1200') && !html.includes('¥12.00'), html);
});

// ---- Idempotency ------------------------------------------------------------------------
await attempt('idempotency', async () => {
	const key = `idem-${Date.now()}`;
	const a = await api('POST', '/v1/checkout/sessions', sessionParams(), { idem: key });
	const b = await api('POST', '/v1/checkout/sessions', sessionParams(), { idem: key });
	check('first use not replayed', a.status === 200 && a.headers.get('idempotent-replayed') === null);
	check('replay: same status and body', b.status === 200 && b.text === a.text && b.headers.get('idempotent-replayed') === 'true' &&
		b.headers.get('original-request') === a.headers.get('request-id'), b.headers);
	const reqs = (await ctl('GET', '/requests')).json;
	check('replay recorded', reqs.at(-1).replayed === true && reqs.at(-1).headers['idempotency-key'] === key);
	const c = await api('POST', '/v1/checkout/sessions', sessionParams({ client_reference_id: 'other' }), { idem: key });
	check('same key, other params is idempotency_error', c.status === 400 && c.json?.error?.type === 'idempotency_error' &&
		c.json.error.message.startsWith('Keys for idempotent requests can only be used with the same parameters they were first used with.'), c.json);
	const d = await api('POST', '/v1/payment_intents', { amount: 5, currency: 'usd' }, { idem: key });
	check('same key, other endpoint is idempotency_error', d.status === 400 && d.json?.error?.type === 'idempotency_error');
	const e = await api('POST', '/v1/checkout/sessions', sessionParams(), { idem: 'k'.repeat(256) });
	check('256-char key is 400', e.status === 400 && e.json?.error?.type === 'invalid_request_error');
	const f = await api('POST', '/v1/checkout/sessions', sessionParams(), { idem: key, account: 'acct_PresetAccount01' });
	check('key scoped by Stripe-Account', f.status === 200 && f.json.id !== a.json.id && f.headers.get('idempotent-replayed') === null);
	const v1 = await api('POST', '/v1/checkout/sessions', sessionParams({ foo: 1 }), { idem: `${key}-v` });
	const v2 = await api('POST', '/v1/checkout/sessions', sessionParams(), { idem: `${key}-v` });
	check('validation errors are not stored', v1.status === 400 && v2.status === 200 && v2.headers.get('idempotent-replayed') === null);
});

// ---- Connect: accounts, scoping, links, onboarding ----------------------------------------------
let acct = null;
await attempt('connect', async () => {
	const bad = await api('POST', '/v1/checkout/sessions', sessionParams(), { account: 'acct_nope' });
	check('unknown Stripe-Account is 403 account_invalid', errIs(bad, 403, 'invalid_request_error', 'account_invalid') &&
		/^The provided key 'sk_test_\*+wxyz' does not have access to account 'acct_nope'/.test(bad.json.error.message), bad.json);
	const r = await api('POST', '/v1/accounts', { type: 'express', country: 'de', email: 'shop@x.example',
		metadata: { store_id: 's1' }, capabilities: { card_payments: { requested: true }, transfers: { requested: true } } });
	acct = r.json;
	check('account created', r.status === 200 && /^acct_[A-Za-z0-9]{16}$/.test(acct?.id) && acct.object === 'account' &&
		acct.type === 'express' && acct.charges_enabled === false && acct.details_submitted === false && acct.payouts_enabled === false &&
		acct.email === 'shop@x.example' && acct.metadata.store_id === 's1' && acct.country === 'DE', acct);
	const bt = await api('POST', '/v1/accounts', { type: 'weird' });
	check('bad account type is 400', errIs(bt, 400, 'invalid_request_error', undefined, 'type'));
	const g = await api('GET', `/v1/accounts/${acct.id}`);
	check('GET account', g.status === 200 && g.json.id === acct.id);
	const s = await api('POST', '/v1/checkout/sessions', sessionParams({ payment_intent_data: { application_fee_amount: 100, metadata: { order_id: 'c1' } } }),
		{ account: acct.id });
	check('session on connected account with fee', s.status === 200 && s.headers.get('stripe-account') === acct.id, s.json);
	const g1 = await api('GET', `/v1/checkout/sessions/${s.json.id}`);
	const g2 = await api('GET', `/v1/checkout/sessions/${s.json.id}`, null, { account: acct.id });
	const g3 = await api('GET', `/v1/checkout/sessions/${s.json.id}`, null, { account: 'acct_PresetAccount01' });
	check('account scoping on GET', g1.status === 404 && g2.status === 200 && g3.status === 404);
	const done = await ctl('POST', `/sessions/${s.json.id}/complete`, {});
	const h = await waitHook((j) => j.id === done.json?.event?.id);
	check('connect event carries account and connect signature', h && h.json.account === acct.id && verify(h, CWH) && !verify(h, WH), h?.json);
	const pi = done.json.event.data.object.payment_intent;
	const rf1 = await api('POST', '/v1/refunds', { payment_intent: pi, amount: 1 });
	const rf2 = await api('POST', '/v1/refunds', { payment_intent: pi, amount: 1 }, { account: acct.id });
	check('refund only from the same account', errIs(rf1, 400, 'invalid_request_error', 'resource_missing', 'payment_intent') && rf2.status === 200, [rf1.json, rf2.json]);
	const pfee = await api('POST', '/v1/payment_intents', { amount: 100, currency: 'usd', application_fee_amount: 5 });
	check('PI fee without Stripe-Account is 400', errIs(pfee, 400, 'invalid_request_error', undefined, 'application_fee_amount'));

	const nl = await api('POST', '/v1/account_links', { account: 'acct_missing', refresh_url: 'http://127.0.0.1:9/r', return_url: 'http://127.0.0.1:9/back', type: 'account_onboarding' });
	check('link for unknown account is 400 resource_missing', errIs(nl, 400, 'invalid_request_error', 'resource_missing', 'account'));
	const mt = await api('POST', '/v1/account_links', { account: acct.id, refresh_url: 'http://127.0.0.1:9/r', return_url: 'http://127.0.0.1:9/back' });
	check('link without type is parameter_missing', errIs(mt, 400, 'invalid_request_error', 'parameter_missing', 'type'));
	const l = await api('POST', '/v1/account_links', { account: acct.id, refresh_url: 'http://127.0.0.1:9/r', return_url: 'http://127.0.0.1:9/back', type: 'account_onboarding' });
	check('account link', l.status === 200 && l.json.object === 'account_link' && l.json.expires_at === l.json.created + 300 &&
		l.json.url.startsWith(`${BASE}/onboard/${acct.id}?`), l.json);
	const op = await page('GET', new URL(l.json.url).pathname + new URL(l.json.url).search);
	check('onboarding page', op.status === 200 && op.text.includes('Complete onboarding') && op.text.includes(acct.id));
	const link = /name="link" value="([^"]*)"/.exec(op.text)?.[1];
	const before = got.length;
	const oc = await page('POST', `/onboard/${acct.id}/complete`, `link=${link}`);
	check('onboarding completes with 303 to return_url', oc.status === 303 && oc.location === 'http://127.0.0.1:9/back', oc);
	const ah = got.slice(before).find((x) => x.json?.type === 'account.updated');
	check('account.updated delivered synchronously, connect-signed', ah && ah.json.account === acct.id && verify(ah, CWH) &&
		ah.json.data.object.charges_enabled === true && ah.json.data.object.details_submitted === true, ah?.json);
	const ga = await api('GET', `/v1/accounts/${acct.id}`);
	check('account enabled after onboarding', ga.json.charges_enabled && ga.json.payouts_enabled && ga.json.details_submitted);
	const up = await ctl('POST', `/accounts/${acct.id}/update`, { charges_enabled: false });
	check('control account update', up.status === 200 && up.json.event.type === 'account.updated' && up.json.event.account === acct.id &&
		up.json.event.data.object.charges_enabled === false && up.json.delivery.status === 200, up.json);
});

// ---- Payment intents and refunds -------------------------------------------------------------
await attempt('payment intents and refunds', async () => {
	const r = await api('POST', '/v1/payment_intents', { amount: 1000, currency: 'EUR', metadata: { order_id: 'o-9', store_id: 's-9' },
		receipt_email: 'b@c.example', description: 'Order o-9', automatic_payment_methods: { enabled: true } }, { idem: `pi-${Date.now()}` });
	const pi = r.json;
	check('PI created', r.status === 200 && /^pi_\w+$/.test(pi?.id) && pi.object === 'payment_intent' && pi.amount === 1000 &&
		pi.currency === 'eur' && pi.status === 'requires_payment_method' && pi.client_secret.startsWith(`${pi.id}_secret_`) &&
		pi.metadata.order_id === 'o-9' && pi.receipt_email === 'b@c.example' && pi.latest_charge === null && pi.livemode === false, pi);
	for (const [name, params, code, param] of [['amount 0', { amount: 0, currency: 'usd' }, undefined, 'amount'],
		['no currency', { amount: 10 }, 'parameter_missing', 'currency'], ['amount text', { amount: '1.5', currency: 'usd' }, 'parameter_invalid_integer', 'amount']]) {
		const e = await api('POST', '/v1/payment_intents', params);
		check(`PI: ${name} is 400`, errIs(e, 400, 'invalid_request_error', code, param), e.json);
	}
	const g = await api('GET', `/v1/payment_intents/${pi.id}`);
	check('GET PI', g.status === 200 && g.json.id === pi.id);
	const early = await api('POST', '/v1/refunds', { payment_intent: pi.id });
	check('refund before success is 400', early.status === 400 && early.json.error.message === 'This PaymentIntent does not have a successful charge to refund.');
	const none = await api('POST', '/v1/refunds', { amount: 5 });
	check('refund without target is parameter_missing', errIs(none, 400, 'invalid_request_error', 'parameter_missing'));
	const sc = await ctl('POST', `/payment_intents/${pi.id}/succeed`, {});
	const ev = sc.json?.event;
	check('control PI succeed', sc.status === 200 && ev.type === 'payment_intent.succeeded' && ev.data.object.status === 'succeeded' &&
		/^ch_/.test(ev.data.object.latest_charge) && sc.json.delivery.status === 200 && sc.json.delivery.error === null, sc.json);
	const h = await waitHook((j) => j.id === ev.id);
	check('payment_intent.succeeded delivered and signed', h && verify(h, WH) && !('account' in h.json) &&
		h.headers['user-agent'] === 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' &&
		h.headers['content-type'] === 'application/json; charset=utf-8', h?.headers);
	const chId = ev.data.object.latest_charge;
	const bad = await api('POST', '/v1/refunds', { payment_intent: pi.id, reason: 'because' });
	check('bad refund reason is 400', errIs(bad, 400, 'invalid_request_error', undefined, 'reason'));
	const rf = await api('POST', '/v1/refunds', { payment_intent: pi.id, amount: 300, reason: 'requested_by_customer', metadata: { refund_id: 'r1' } }, { idem: `rf-${Date.now()}` });
	check('partial refund', rf.status === 200 && /^re_/.test(rf.json.id) && rf.json.object === 'refund' && rf.json.amount === 300 &&
		rf.json.charge === chId && rf.json.payment_intent === pi.id && rf.json.currency === 'eur' && rf.json.status === 'succeeded' &&
		rf.json.reason === 'requested_by_customer' && rf.json.metadata.refund_id === 'r1', rf.json);
	const rh = await waitHook((j) => j.type === 'charge.refunded' && j.data.object.id === chId && j.data.object.amount_refunded === 300);
	check('charge.refunded delivered', rh && verify(rh, WH) && rh.json.data.object.refunded === false && rh.json.data.object.amount === 1000 &&
		rh.json.data.object.payment_intent === pi.id && rh.json.data.object.metadata.order_id === 'o-9' &&
		rh.json.request.id === rf.headers.get('request-id') && rh.json.request.idempotency_key?.startsWith('rf-'), rh?.json);
	const big = await api('POST', '/v1/refunds', { payment_intent: pi.id, amount: 800 });
	check('refund too large', errIs(big, 400, 'invalid_request_error', 'amount_too_large', 'amount') &&
		big.json.error.message === 'Refund amount (€8.00) is greater than unrefunded amount on charge (€7.00)', big.json);
	const rest = await api('POST', '/v1/refunds', { charge: chId });
	check('refund the rest by charge', rest.status === 200 && rest.json.amount === 700, rest.json);
	const rh2 = await waitHook((j) => j.type === 'charge.refunded' && j.data.object.id === chId && j.data.object.refunded === true);
	check('fully refunded charge', rh2 && rh2.json.data.object.amount_refunded === 1000);
	const again = await api('POST', '/v1/refunds', { charge: chId });
	check('refunding again is charge_already_refunded', errIs(again, 400, 'invalid_request_error', 'charge_already_refunded'));
	const gc = await api('GET', `/v1/charges/${chId}`);
	check('GET charge', gc.status === 200 && gc.json.refunded === true);

	const p2 = (await api('POST', '/v1/payment_intents', { amount: 50, currency: 'usd' })).json;
	const fl = await ctl('POST', `/payment_intents/${p2.id}/fail`, { message: 'Your card was declined.' });
	check('control PI fail', fl.json?.event?.type === 'payment_intent.payment_failed' &&
		fl.json.event.data.object.last_payment_error.code === 'card_declined' &&
		fl.json.event.data.object.last_payment_error.message === 'Your card was declined.', fl.json);
	const p3 = (await api('POST', '/v1/payment_intents', { amount: 900, currency: 'usd' })).json;
	const ch3 = (await ctl('POST', `/payment_intents/${p3.id}/succeed`, { deliver: false })).json.event.data.object.latest_charge;
	const dp = await ctl('POST', `/charges/${ch3}/dispute`, {});
	const d = dp.json?.event?.data?.object;
	check('dispute created', dp.json?.event?.type === 'charge.dispute.created' && /^dp_/.test(d?.id) && d.object === 'dispute' &&
		d.charge === ch3 && d.payment_intent === p3.id && d.amount === 900 && d.currency === 'usd' && d.status === 'needs_response' && d.reason === 'fraudulent', dp.json);
	const dr = await api('POST', '/v1/refunds', { charge: ch3 });
	check('refund of disputed charge is charge_disputed', dr.json?.error?.code === 'charge_disputed');
	const cl = await ctl('POST', `/disputes/${d.id}/close`, { status: 'won' });
	check('dispute closed', cl.json?.event?.type === 'charge.dispute.closed' && cl.json.event.data.object.status === 'won');
});

// ---- Pay page flow ----------------------------------------------------------------------------
await attempt('pay page', async () => {
	const s = (await api('POST', '/v1/checkout/sessions', sessionParams({ customer_email: 'buyer@x.example',
		line_items: [line('Book <b>"&\'', 1299, 2)], payment_intent_data: { metadata: { order_id: 'o-7', store_id: 's-7' } } }))).json;
	const p = await page('GET', `/pay/${s.id}`);
	check('pay page shows Pay and Cancel', p.status === 200 && />Pay [^<]*</.test(p.text) && p.text.includes('>Cancel<') &&
		p.text.includes('$25.98') && p.text.includes('buyer@x.example'), p.text);
	check('pay page escapes', p.text.includes('Book &#60;b&#62;&#34;&#38;&#39;') && !p.text.includes('<b>"'));
	check('unknown session page is 404', (await page('GET', '/pay/cs_test_nope')).status === 404);
	const c = await page('POST', `/pay/${s.id}/cancel`, '');
	check('cancel redirects to cancel_url', c.status === 303 && c.location === 'http://127.0.0.1:9/cancel');
	check('session still open after cancel', (await api('GET', `/v1/checkout/sessions/${s.id}`)).json.status === 'open');
	const before = got.length;
	const pay = await page('POST', `/pay/${s.id}/pay`, '');
	check('pay redirects to success_url with the id', pay.status === 303 && pay.location === `http://127.0.0.1:9/ok?s=${s.id}`, pay);
	const h = got.slice(before).find((x) => x.json?.type === 'checkout.session.completed');
	check('checkout.session.completed delivered before the redirect', Boolean(h));
	check('its signature verifies', h && verify(h, WH));
	const o = h?.json?.data?.object;
	check('event shape', h && /^evt_/.test(h.json.id) && h.json.object === 'event' && h.json.api_version === '2024-06-20' &&
		h.json.livemode === false && h.json.pending_webhooks === 1 && 'request' in h.json && o.id === s.id &&
		o.status === 'complete' && o.payment_status === 'paid' && /^pi_/.test(o.payment_intent) && o.customer_details.email === 'buyer@x.example' &&
		o.customer_details.name === null, h?.json);
	const g = await api('GET', `/v1/checkout/sessions/${s.id}`, { expand: ['payment_intent'] });
	check('session complete, PI succeeded with a charge', g.json.status === 'complete' && g.json.payment_intent.status === 'succeeded' &&
		g.json.payment_intent.amount === 2598 && g.json.payment_intent.metadata.order_id === 'o-7', g.json);
	const ch = (await api('GET', `/v1/charges/${g.json.payment_intent.latest_charge}`)).json;
	check('charge carries the PI metadata', ch.paid === true && ch.amount_refunded === 0 && ch.metadata.store_id === 's-7' && ch.payment_intent === g.json.payment_intent.id);
	const again = await page('GET', `/pay/${s.id}`);
	check('completed session page says so', again.status === 200 && /already complete/.test(again.text) && !again.text.includes('id="pay"'));
	check('paying twice is refused', (await page('POST', `/pay/${s.id}/pay`, '')).status === 409);
	hookStatus = 500;
	const s2 = (await api('POST', '/v1/checkout/sessions', sessionParams())).json;
	const pay2 = await page('POST', `/pay/${s2.id}/pay`, 'email=typed%40x.example');
	hookStatus = 200;
	const dl = (await ctl('GET', '/deliveries')).json.at(-1);
	check('failed delivery still redirects and is recorded', pay2.status === 303 && dl.status === 500 && dl.error === 'HTTP 500' && dl.url === HOOK, dl);
	check('typed email used', (await api('GET', `/v1/checkout/sessions/${s2.id}`)).json.customer_details.email === 'typed@x.example');
});

// ---- Control API simulations ----------------------------------------------------------------------
await attempt('control simulations', async () => {
	const s = (await api('POST', '/v1/checkout/sessions', sessionParams())).json;
	const n = got.length;
	const r = await ctl('POST', `/sessions/${s.id}/complete`, { amount_tax: 200, amount_discount: 100, deliver: false });
	const ev = r.json?.event;
	check('complete with tax and discount', ev?.type === 'checkout.session.completed' && ev.data.object.amount_total === 2698 &&
		ev.data.object.total_details.amount_tax === 200 && ev.data.object.total_details.amount_discount === 100 && r.json.delivery === null, r.json);
	check('deliver:false returns a valid signature', verify({ headers: { 'stripe-signature': r.json.signature }, body: r.json.payload }, WH) &&
		JSON.parse(r.json.payload).id === ev.id);
	await sleep(100);
	check('deliver:false sends nothing', got.length === n);
	const rs = await ctl('POST', `/events/${ev.id}/resend`, {});
	check('resend delivers the same event', rs.json?.delivery?.status === 200 && (await waitHook((j) => j.id === ev.id)) !== null);

	const u = (await api('POST', '/v1/checkout/sessions', sessionParams())).json;
	const uc = await ctl('POST', `/sessions/${u.id}/complete`, { payment_status: 'unpaid' });
	check('unpaid completion', uc.json?.event?.data?.object?.payment_status === 'unpaid');
	const as = await ctl('POST', `/sessions/${u.id}/async`, { result: 'succeeded' });
	check('async payment succeeded', as.json?.event?.type === 'checkout.session.async_payment_succeeded' &&
		as.json.event.data.object.payment_status === 'paid' && as.json.delivery.status === 200, as.json);
	const pi = (await api('GET', `/v1/payment_intents/${as.json.event.data.object.payment_intent}`)).json;
	check('async success made the charge', pi.status === 'succeeded' && /^ch_/.test(pi.latest_charge));
	const u2 = (await api('POST', '/v1/checkout/sessions', sessionParams())).json;
	await ctl('POST', `/sessions/${u2.id}/complete`, { payment_status: 'unpaid', deliver: false });
	const af = await ctl('POST', `/sessions/${u2.id}/async`, { result: 'failed' });
	check('async payment failed', af.json?.event?.type === 'checkout.session.async_payment_failed' && af.json.event.data.object.payment_status === 'unpaid');

	const x = (await api('POST', '/v1/checkout/sessions', sessionParams())).json;
	const xe = await ctl('POST', `/sessions/${x.id}/expire`, {});
	check('control expire', xe.json?.event?.type === 'checkout.session.expired' && xe.json.event.data.object.status === 'expired');
	check('expired page says so', /expired/.test((await page('GET', `/pay/${x.id}`)).text));
	const y = (await api('POST', '/v1/checkout/sessions', sessionParams())).json;
	const ye = await api('POST', `/v1/checkout/sessions/${y.id}/expire`, {});
	check('API expire', ye.status === 200 && ye.json.status === 'expired' && (await waitHook((j) => j.type === 'checkout.session.expired' && j.data.object.id === y.id)) !== null);
	const ye2 = await api('POST', `/v1/checkout/sessions/${y.id}/expire`, {});
	check('expire twice is 400', ye2.status === 400);

	const ob = await ctl('GET', `/objects/${s.id}`);
	check('objects by id', ob.status === 200 && ob.json.id === s.id);
	check('unknown object is 404 JSON', (await ctl('GET', '/objects/nope')).status === 404);
	check('unknown session control is 404', (await ctl('POST', '/sessions/cs_nope/complete', {})).status === 404);
	const bj = await ctl('POST', `/sessions/${s.id}/complete`, '{not json');
	check('bad JSON is 400', bj.status === 400 && bj.json?.error?.message);
	check('array JSON is 400', (await ctl('POST', '/fail', '[1]')).status === 400);
	const evs = (await ctl('GET', '/events')).json;
	check('events listed in order', Array.isArray(evs) && evs.length > 5 && evs.every((e, i) => i === 0 || e.created >= evs[i - 1].created));
	const reqs = (await ctl('GET', '/requests')).json;
	check('requests never hold the key', !JSON.stringify(reqs).includes(SK) && reqs.every((q) => ['present', 'missing'].includes(q.authorization)));
	await ctl('DELETE', '/requests');
	check('DELETE requests clears', (await ctl('GET', '/requests')).json.length === 0);
});

// ---- Fail modes, limits, shutdown -----------------------------------------------------------------
await attempt('fail modes', async () => {
	await ctl('POST', '/fail', { path: '/v1/checkout/sessions', method: 'POST', mode: 'error', status: 402, type: 'card_error', code: 'card_declined', message: 'Declined.' });
	const e1 = await api('POST', '/v1/checkout/sessions', sessionParams());
	const e2 = await api('POST', '/v1/checkout/sessions', sessionParams());
	check('error mode once', errIs(e1, 402, 'card_error', 'card_declined') && e1.json.error.message === 'Declined.' && e2.status === 200, e1.json);
	await ctl('POST', '/fail', { path: '/v1/payment_intents*', count: -1, mode: 'error', status: 500, type: 'api_error' });
	const f1 = await api('POST', '/v1/payment_intents', { amount: 1, currency: 'usd' });
	const f2 = await api('GET', '/v1/payment_intents/pi_x');
	await ctl('DELETE', '/fail');
	const f3 = await api('POST', '/v1/payment_intents', { amount: 1, currency: 'usd' });
	check('count -1 until DELETE, prefix match', f1.status === 500 && f2.status === 500 && f3.status === 200);

	await ctl('POST', '/fail', { path: '/v1/refunds', mode: 'hang' });
	let err = null;
	try { await api('POST', '/v1/refunds', { charge: 'ch_x' }, { signal: AbortSignal.timeout(300) }); } catch (e) { err = e; }
	check('hang: client times out', err?.name === 'TimeoutError' || err?.name === 'AbortError', String(err));
	await ctl('POST', '/fail', { path: '/v1/refunds', mode: 'close' });
	err = null;
	try { await api('POST', '/v1/refunds', { charge: 'ch_x' }, { signal: AbortSignal.timeout(2000) }); } catch (e) { err = e; }
	check('close: connection dropped', err?.name === 'TypeError', String(err));
	const alive = await api('POST', '/v1/refunds', { charge: 'ch_x' });
	check('stand-in alive after hang and close', alive.status === 400 && alive.json?.error?.code === 'resource_missing');

	await ctl('POST', '/fail', { path: '/v1/payment_intents', method: 'POST', mode: 'delay', seconds: 0.6 });
	const key = `delay-${Date.now()}`;
	err = null;
	try { await api('POST', '/v1/payment_intents', { amount: 77, currency: 'usd' }, { idem: key, signal: AbortSignal.timeout(200) }); } catch (e) { err = e; }
	check('delay: short client timeout fires', err?.name === 'TimeoutError', String(err));
	const retry = await api('POST', '/v1/payment_intents', { amount: 77, currency: 'usd' }, { idem: key });
	check('delay: the work was done, the retry replays it', retry.status === 200 && retry.headers.get('idempotent-replayed') === 'true' && retry.json.amount === 77);
	await ctl('POST', '/fail', { path: '/v1/payment_intents', mode: 'delay', seconds: 0.4 });
	const t0 = Date.now();
	const slow = await api('POST', '/v1/payment_intents', { amount: 78, currency: 'usd' });
	check('delay: answered normally later', slow.status === 200 && Date.now() - t0 >= 350);
	check('bad fail mode is 400', (await ctl('POST', '/fail', { path: '/x', mode: 'explode' })).status === 400);

	const big = await api('POST', '/v1/checkout/sessions', 'metadata[a]=' + 'x'.repeat((1 << 20) + 10));
	check('body over 1 MiB is 413 Stripe-style', big.status === 413 && big.json?.error?.type === 'invalid_request_error', big.text.slice(0, 200));
	const ok = await api('GET', '/v1/payment_intents/pi_none');
	check('still serving after 413', ok.status === 404);
	check('stderr has one line per request', /POST \/v1\/checkout\/sessions 200 \d+ms req_/.test(stderr));
});

await attempt('shutdown', async () => {
	await ctl('POST', '/fail', { path: '/v1/refunds', mode: 'hang' });
	const hung = api('POST', '/v1/refunds', { charge: 'ch_x' }).catch((e) => e);
	await sleep(100);
	const exit = new Promise((r) => child.on('exit', (code, sig) => r({ code, sig })));
	child.kill('SIGTERM');
	const res = await Promise.race([exit, sleep(3000).then(() => null)]);
	check('SIGTERM exits 0 with a held request', res?.code === 0, res);
	check('held request closed on stop', (await hung) instanceof Error);
});

if (child.exitCode === null) child.kill('SIGKILL');
receiver.close();
if (failed) process.stderr.write(stderr.split('\n').filter((l) => /error|uncaught/i.test(l)).join('\n') + '\n');
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
