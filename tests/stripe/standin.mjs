// standin.mjs: a local stand-in for api.stripe.com, used by ColmenaCommerce's
// tests and demo in place of the real Stripe. It speaks Stripe's wire protocol
// (form-encoded nested params, Bearer auth, Idempotency-Key, Stripe-Account,
// Stripe's error shapes) for the endpoints the C client calls, serves test-mode
// checkout and onboarding pages, signs and delivers webhook events, and offers
// a /_standin control API to tests. Built-in modules only; all state in memory.
//   node tests/stripe/standin.mjs --port 0 [--webhook-url URL] ... (see usage)
import http from 'node:http';
import { createHmac, randomInt } from 'node:crypto';

// ---- Options ---------------------------------------------------------------
const USAGE = 'usage: node standin.mjs --port P [--host 127.0.0.1] [--secret-key sk_test_...]\n' +
	'  [--webhook-url URL] [--webhook-secret whsec_...] [--connect-webhook-secret whsec_...]\n' +
	'  [--public-url http://127.0.0.1:P] [--account acct_... (repeatable)]';
const FLAGS = { '--port': 'port', '--host': 'host', '--secret-key': 'secretKey',
	'--webhook-url': 'webhookUrl', '--webhook-secret': 'webhookSecret',
	'--connect-webhook-secret': 'connectSecret', '--public-url': 'publicUrl', '--account': 'accounts' };
const opt = { port: null, host: '127.0.0.1', secretKey: null, webhookUrl: null, webhookSecret: null,
	connectSecret: null, publicUrl: null, accounts: [], afterMs: 100 };
for (let i = 2, argv = process.argv; i < argv.length; i++) {
	const eq = argv[i].indexOf('=');
	const flag = eq > 0 ? argv[i].slice(0, eq) : argv[i];
	const val = eq > 0 ? argv[i].slice(eq + 1) : argv[++i];
	if (!FLAGS[flag] || val === undefined) die(`bad argument: ${argv[eq > 0 ? i : i - 1]}`);
	if (flag === '--account') opt.accounts.push(val); else opt[FLAGS[flag]] = val;
}
if (!/^\d{1,5}$/.test(opt.port ?? '') || +opt.port > 65535) die('--port must be 0..65535');
for (const a of opt.accounts) if (!/^acct_\w+$/.test(a)) die(`bad --account: ${a}`);

function die(msg) { process.stderr.write(`standin: ${msg}\n${USAGE}\n`); process.exit(2); }
function log(msg) { process.stderr.write(`standin: ${msg}\n`); }

// ---- Constants and small helpers -------------------------------------------
const API_VERSION = '2024-06-20';
const BODY_MAX = 1 << 20;		// API bodies over this are 413
const DRAIN_MAX = 64 << 20;		// past this the connection is dropped
const ZERO_DEC = new Set('bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf'.split(' '));
const THREE_DEC = new Set('bhd jod kwd omr tnd'.split(' '));
const LOCALES = new Set(('auto bg cs da de el en en-GB es es-419 et fi fil fr fr-CA hr hu id it ja ko ' +
	'lt lv ms mt nb nl pl pt pt-BR ro ru sk sl sv th tr vi zh zh-HK zh-TW').split(' '));
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const NO_KEY = "You did not provide an API key. You need to provide your API key in the Authorization " +
	"header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See " +
	'https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.';
const B62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

const rid = (n) => Array.from({ length: n }, () => B62[randomInt(62)]).join('');
const now = () => Math.floor(Date.now() / 1000);
const snap = (o) => JSON.parse(JSON.stringify(o));
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const decimals = (c) => (ZERO_DEC.has(c) ? 0 : THREE_DEC.has(c) ? 3 : 2);
const isEmail = (s) => s.length <= 512 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s);
function mask(key) {
	const m = /^([a-z]{2,4}_(?:test|live)_)(.*)$/.exec(key);
	const [pre, rest] = m ? [m[1], m[2]] : ['', key];
	return pre + '*'.repeat(Math.max(rest.length - 4, 4)) + rest.slice(-4);
}
// Minor units as "12.00" (JPY: "1200"); money() adds the symbol or code.
function major(minor, cur) {
	const d = decimals(cur);
	let s = String(Math.abs(minor));
	if (d) { s = s.padStart(d + 1, '0'); s = `${s.slice(0, -d)}.${s.slice(-d)}`; }
	return (minor < 0 ? '-' : '') + s;
}
function money(minor, cur) {
	const sym = { usd: '$', eur: '€', gbp: '£', jpy: '¥' }[cur];
	return sym ? sym + major(minor, cur) : `${major(minor, cur)} ${cur.toUpperCase()}`;
}
function canon(v) {
	if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
	if (v && typeof v === 'object')
		return `{${Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + canon(v[k])).join(',')}}`;
	return JSON.stringify(v);
}

// ---- State -------------------------------------------------------------------
// objects: id -> { obj (the Stripe-shaped object), account (null: platform), x (private extras) }
const objects = new Map();
const idem = new Map();		// apikey\naccount\nkey -> { fp, status, body, reqId }
let requests = [], events = [], deliveries = [], rules = [];
const held = new Set();		// sockets of "hang" requests

function put(obj, account, x = {}) { objects.set(obj.id, { obj, account: account ?? null, x }); return obj; }
// The entry for id if it is a `kind` seen from `account` (undefined: any account).
function find(id, kind, account) {
	const e = typeof id === 'string' ? objects.get(id) : undefined;
	if (!e || (kind && e.obj.object !== kind) || (account !== undefined && e.account !== account)) return null;
	return e;
}
for (const id of opt.accounts) put(newAccount(id, { type: 'express' }), null);

// ---- Errors ----------------------------------------------------------------
// A Stripe error answer. `stored`: the endpoint had started executing, so the
// answer is kept for its Idempotency-Key like Stripe does.
class StripeError extends Error {
	constructor(status, type, message, { code, param, stored, ...more } = {}) {
		super(message);
		Object.assign(this, { status, type, code, param, stored, more });
	}
	body() {
		const e = {};
		if (this.code) { e.code = this.code; e.doc_url = `https://stripe.com/docs/error-codes/${this.code.replace(/_/g, '-')}`; }
		e.message = this.message;
		if (this.param) e.param = this.param;
		Object.assign(e, this.more);
		e.type = this.type;
		return { error: e };
	}
}
const invalid = (message, param, code, extra) =>
	new StripeError(400, 'invalid_request_error', message, { param, code, ...extra });
const missing = (param) => invalid(`Missing required param: ${param}.`, param, 'parameter_missing');
const noSuch = (kind, id, param, status = 400) =>
	new StripeError(status, 'invalid_request_error', `No such ${kind}: '${id}'`, { param, code: 'resource_missing' });
function need(p, key, name = key) { if (p?.[key] === undefined) throw missing(name); return p[key]; }

// ---- Form decoding (Stripe's nested keys) ----------------------------------
// a=1&b[c]=2&d[]=x&e[0][f]=y -> nested objects; a container whose keys are all
// 0..n-1 becomes an array (non-dense indexes stay an object, and the schema
// then rejects it where an array is expected). Throws a 400 StripeError.
function parseForm(text) {
	const root = { kids: new Map(), push: null };
	const bad = (name) => invalid(`Invalid parameter name or nesting: ${name}`, name);
	for (const piece of text.split('&')) {
		if (piece === '') continue;
		const eq = piece.indexOf('=');
		const name = pct(eq < 0 ? piece : piece.slice(0, eq));
		const value = eq < 0 ? '' : pct(piece.slice(eq + 1));
		const m = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(name);
		if (!m) throw bad(name);
		const segs = [m[1], ...Array.from(m[2].matchAll(/\[([^[\]]*)\]/g), (x) => x[1])];
		if (segs.length > 12) throw bad(name);
		let cur = root;
		segs.forEach((seg, i) => {
			let key = seg;
			if (i > 0 && seg === '') {
				if (cur.push === false) throw bad(name);
				cur.push = true;
				key = String(cur.kids.size);
			} else if (i > 0) {
				if (cur.push === true) throw bad(name);
				cur.push = false;
			}
			const have = cur.kids.get(key);
			if (i === segs.length - 1) {
				if (have && typeof have === 'object') throw bad(name);
				cur.kids.set(key, value);
			} else {
				if (typeof have === 'string') throw bad(name);
				if (!have) cur.kids.set(key, { kids: new Map(), push: null });
				cur = cur.kids.get(key);
			}
		});
	}
	return build(root, true);
}
// A path segment, %-decoded when it decodes.
function seg(s) { try { return decodeURIComponent(s); } catch { return s; } }
function pct(s) {
	try { return decodeURIComponent(s.replace(/\+/g, ' ')); }
	catch { throw invalid(`Invalid URL encoding in request: ${s.slice(0, 60)}`); }
}
function build(node, isRoot) {
	if (typeof node === 'string') return node;
	const keys = [...node.kids.keys()];
	if (!isRoot && keys.length && keys.every((k) => /^(0|[1-9]\d{0,5})$/.test(k) && +k < keys.length)) {
		const arr = [];
		for (const k of keys) arr[+k] = build(node.kids.get(k));
		return arr;
	}
	return Object.fromEntries(keys.map((k) => [k, build(node.kids.get(k))]));
}

// ---- Parameter schemas -------------------------------------------------------
// 'str' | 'int' | 'bool' | 'meta' (metadata) | {o: fields} | {a: spec} | {mo: spec} (any keys).
const o = (fields) => ({ o: fields }), a = (s) => ({ a: s }), mo = (s) => ({ mo: s });
const join = (name, k) => (name ? `${name}[${k}]` : k);
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

// Checks v against spec; returns it with ints and booleans converted.
function walk(spec, v, name) {
	if (v === '') {
		if (spec === 'meta') return {};
		throw invalid(`You passed an empty string for '${name}'. We assume empty values are an attempt to ` +
			`unset a parameter; however '${name}' cannot be unset. You should remove '${name}' from your ` +
			'request or supply a non-empty value.', name, 'parameter_invalid_empty');
	}
	switch (spec) {
	case 'str':
		if (typeof v !== 'string') throw invalid(`Invalid string: ${JSON.stringify(v).slice(0, 80)}`, name);
		return v;
	case 'int':
		if (typeof v !== 'string' || !/^-?\d{1,15}$/.test(v))
			throw invalid(`Invalid integer: ${typeof v === 'string' ? v.slice(0, 80) : 'object'}`, name, 'parameter_invalid_integer');
		return Number(v);
	case 'bool':
		if (v !== 'true' && v !== 'false') throw invalid(`Invalid boolean: ${typeof v === 'string' ? v.slice(0, 80) : 'object'}`, name);
		return v === 'true';
	case 'meta': {
		if (typeof v !== 'object') throw invalid('Invalid hash', name);
		const ent = Object.entries(v).filter(([, x]) => x !== '');
		if (ent.length > 50) throw invalid(`Invalid ${name}: metadata can have at most 50 keys, but you passed in ${ent.length}.`, name);
		for (const [k, x] of ent) {
			if (typeof x !== 'string') throw invalid(`Invalid ${name}[${k}]: metadata values must be strings.`, join(name, k));
			if (k.length > 40) throw invalid(`Invalid ${name}: metadata keys can be at most 40 characters long, but you passed in a key that is ${k.length} characters long.`, name);
			if (x.length > 500) throw invalid(`Invalid ${name}: metadata values can be at most 500 characters long, but you passed in a value that is ${x.length} characters long.`, join(name, k));
		}
		return Object.fromEntries(ent);
	}
	}
	if (spec.a) {
		if (!Array.isArray(v)) throw invalid('Invalid array', name);
		return v.map((x, i) => walk(spec.a, x, join(name, i)));
	}
	if (!isObj(v)) throw invalid('Invalid hash', name);
	const out = {};
	for (const [k, x] of Object.entries(v)) {
		const sub = spec.mo ?? (Object.hasOwn(spec.o, k) ? spec.o[k] : null);
		if (!sub) throw invalid(`Received unknown parameter: ${join(name, k)}`, join(name, k), 'parameter_unknown');
		Object.defineProperty(out, k, { value: walk(sub, x, join(name, k)), enumerable: true, writable: true });
	}
	return out;
}

const SESSION = o({
	mode: 'str', success_url: 'str', cancel_url: 'str', customer_email: 'str', client_reference_id: 'str',
	metadata: 'meta', expires_at: 'int', allow_promotion_codes: 'bool', locale: 'str',
	automatic_tax: o({ enabled: 'bool' }), payment_method_types: a('str'),
	payment_intent_data: o({ metadata: 'meta', application_fee_amount: 'int', description: 'str', receipt_email: 'str' }),
	line_items: a(o({ quantity: 'int', price: 'str', price_data: o({
		currency: 'str', unit_amount: 'int', product: 'str', tax_behavior: 'str',
		product_data: o({ name: 'str', description: 'str', images: a('str'), metadata: 'meta', tax_code: 'str' }) }) })),
});
const PI = o({ amount: 'int', currency: 'str', metadata: 'meta', receipt_email: 'str', description: 'str',
	automatic_payment_methods: o({ enabled: 'bool', allow_redirects: 'str' }), application_fee_amount: 'int',
	payment_method_types: a('str'), statement_descriptor_suffix: 'str' });
const REFUND = o({ payment_intent: 'str', charge: 'str', amount: 'int', reason: 'str', metadata: 'meta' });
const ACCOUNT = o({ type: 'str', country: 'str', email: 'str', metadata: 'meta', business_type: 'str',
	default_currency: 'str', capabilities: mo(o({ requested: 'bool' })),
	business_profile: o({ name: 'str', url: 'str', mcc: 'str', product_description: 'str', support_email: 'str' }) });
const LINK = o({ account: 'str', refresh_url: 'str', return_url: 'str', type: 'str', collect: 'str' });
const NONE = o({});

// ---- Validation helpers used by the endpoints --------------------------------
function currency(v, name) {
	if (!/^[a-zA-Z]{3}$/.test(v)) throw invalid(`Invalid currency: ${v.slice(0, 20)}.`, name);
	return v.toLowerCase();
}
function url(v, name) {
	let u;
	try { u = new URL(v); } catch { /* answered below */ }
	if (!u || !/^https?:$/.test(u.protocol) || v.length > 5000) throw invalid('Not a valid URL', name, 'url_invalid');
	return v;
}
function email(v, name) { if (!isEmail(v)) throw invalid(`Invalid email address: ${v.slice(0, 80)}`, name, 'email_invalid'); return v; }
function atLeast(n, min, name) { if (n < min) throw invalid(`This value must be greater than or equal to ${min}.`, name); return n; }
function atMost(n, max, name) { if (n > max) throw invalid(`This value must be less than or equal to ${max}.`, name); return n; }
function oneOf(v, list, name) {
	if (!list.includes(v)) throw invalid(`Invalid ${name}: must be one of ${list.slice(0, -1).join(', ')}, or ${list.at(-1)}`, name);
	return v;
}
function connectOnly(ctx, name) {
	if (!ctx.account) throw invalid('Can only apply an application_fee_amount when the PaymentIntent is attempting a ' +
		'direct payment (using an OAuth key or Stripe-Account header) or destination payment (using ' +
		'`transfer_data[destination]`).', name);
}

// ---- Object builders ------------------------------------------------------------
function newPI(f, account) {
	const id = 'pi_' + rid(24);
	return put({ id, object: 'payment_intent', amount: f.amount, amount_capturable: 0, amount_received: 0,
		application_fee_amount: f.application_fee_amount ?? null,
		automatic_payment_methods: f.apm ?? null, canceled_at: null, capture_method: 'automatic',
		client_secret: `${id}_secret_${rid(25)}`, confirmation_method: 'automatic', created: now(),
		currency: f.currency, customer: null, description: f.description ?? null, last_payment_error: null,
		latest_charge: null, livemode: false, metadata: { ...f.metadata }, payment_method: null,
		payment_method_types: f.types ?? ['card'], receipt_email: f.receipt_email ?? null,
		status: f.status ?? 'requires_payment_method' }, account);
}
// Makes the PI succeed with a new charge; returns the charge.
function charge(pi, account, email_ = pi.receipt_email) {
	const ch = put({ id: 'ch_' + rid(24), object: 'charge', amount: pi.amount, amount_captured: pi.amount,
		amount_refunded: 0, application_fee_amount: pi.application_fee_amount, balance_transaction: null,
		billing_details: { email: email_ ?? null, name: null }, captured: true, created: now(),
		currency: pi.currency, description: pi.description, disputed: false, livemode: false,
		metadata: { ...pi.metadata }, paid: true, payment_intent: pi.id, receipt_email: pi.receipt_email,
		refunded: false, status: 'succeeded' }, account);
	Object.assign(pi, { status: 'succeeded', amount_received: pi.amount, latest_charge: ch.id, last_payment_error: null });
	return ch;
}
function newAccount(id, f) {
	const caps = Object.fromEntries(Object.entries(f.capabilities ?? {}).filter(([, c]) => c.requested).map(([k]) => [k, 'inactive']));
	return { id, object: 'account', business_profile: f.business_profile ?? null, business_type: f.business_type ?? null,
		capabilities: caps, charges_enabled: false, country: f.country ?? 'US', created: now(),
		default_currency: f.default_currency ?? 'usd', details_submitted: false, email: f.email ?? null,
		livemode: false, metadata: f.metadata ?? {}, payouts_enabled: false,
		requirements: { currently_due: ['external_account', 'tos_acceptance.date', 'tos_acceptance.ip'], disabled_reason: 'requirements.past_due' },
		type: f.type };
}

// ---- API endpoints --------------------------------------------------------------
// Each gets ctx { p (checked params), account, reqId, idemKey, after[] } and the
// path captures; returns the Stripe object to answer, or throws StripeError.
function createSession(ctx) {
	const p = ctx.p, t = now();
	const mode = need(p, 'mode');
	if (mode !== 'payment') {
		oneOf(mode, ['payment', 'setup', 'subscription'], 'mode');
		throw invalid(`The stand-in only supports mode=payment, not ${mode}.`, 'mode');
	}
	url(need(p, 'success_url'), 'success_url');
	if (p.cancel_url !== undefined) url(p.cancel_url, 'cancel_url');
	const items = need(p, 'line_items');
	if (items.length > 100) throw invalid('You may only specify up to 100 line items.', 'line_items');
	let cur = null, subtotal = 0;
	const lines = items.map((li, i) => {
		const n = `line_items[${i}]`;
		const qty = atLeast(need(li, 'quantity', `${n}[quantity]`), 1, `${n}[quantity]`);
		atMost(qty, 999999, `${n}[quantity]`);
		if (li.price !== undefined) throw noSuch('price', li.price, `${n}[price]`);
		const pd = need(li, 'price_data', `${n}[price_data]`);
		const c = currency(need(pd, 'currency', `${n}[price_data][currency]`), `${n}[price_data][currency]`);
		if (cur && c !== cur) throw invalid('Checkout does not support multiple currencies in a single session; all line_items must use the same currency.', `${n}[price_data][currency]`);
		cur = c;
		if (pd.product !== undefined) throw noSuch('product', pd.product, `${n}[price_data][product]`);
		const unit = need(pd, 'unit_amount', `${n}[price_data][unit_amount]`);
		atMost(atLeast(unit, 0, `${n}[price_data][unit_amount]`), 99999999, `${n}[price_data][unit_amount]`);
		const prod = need(pd, 'product_data', `${n}[price_data][product_data]`);
		const name = need(prod, 'name', `${n}[price_data][product_data][name]`);
		subtotal += unit * qty;
		return { prod, id: 'li_' + rid(24), object: 'item', amount_discount: 0, amount_subtotal: unit * qty, amount_tax: 0,
			amount_total: unit * qty, currency: c, description: name,
			price: { id: 'price_' + rid(24), object: 'price', active: false, created: t, currency: c, livemode: false,
				metadata: {}, product: null, type: 'one_time', unit_amount: unit, unit_amount_decimal: String(unit) },
			quantity: qty };
	});
	if (!lines.length) throw missing('line_items');
	if (subtotal > 99999999) throw invalid(`The Checkout Session's total amount due must be no more than ${money(99999999, cur)}.`, 'line_items', 'amount_too_large');
	if (p.customer_email !== undefined) email(p.customer_email, 'customer_email');
	if ((p.client_reference_id ?? '').length > 200) throw invalid('Invalid string: client_reference_id must be at most 200 characters', 'client_reference_id');
	if (p.expires_at !== undefined && p.expires_at < t + 1800) throw invalid('The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.', 'expires_at');
	if (p.expires_at !== undefined && p.expires_at > t + 86400) throw invalid('The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.', 'expires_at');
	if (p.locale !== undefined && !LOCALES.has(p.locale)) oneOf(p.locale, [...LOCALES], 'locale');
	const pid = p.payment_intent_data ?? {};
	if (pid.application_fee_amount !== undefined) {
		connectOnly(ctx, 'payment_intent_data[application_fee_amount]');
		atMost(atLeast(pid.application_fee_amount, 0, 'payment_intent_data[application_fee_amount]'), subtotal, 'payment_intent_data[application_fee_amount]');
	}
	if (pid.receipt_email !== undefined) email(pid.receipt_email, 'payment_intent_data[receipt_email]');
	const tax = p.automatic_tax?.enabled ?? false;
	for (const li of lines) {	// all checked: now the products exist
		li.price.product = put({ id: 'prod_' + rid(14), object: 'product', active: true, created: t, description: li.prod.description ?? null,
			images: li.prod.images ?? [], livemode: false, metadata: li.prod.metadata ?? {}, name: li.description }, ctx.account).id;
		delete li.prod;
	}
	const id = 'cs_test_' + rid(58);
	return put({ id, object: 'checkout.session', allow_promotion_codes: p.allow_promotion_codes ?? null,
		amount_subtotal: subtotal, amount_total: subtotal,
		automatic_tax: { enabled: tax, liability: null, status: tax ? 'requires_location_inputs' : null },
		cancel_url: p.cancel_url ?? null, client_reference_id: p.client_reference_id ?? null, created: t,
		currency: cur, customer: null, customer_details: null, customer_email: p.customer_email ?? null,
		expires_at: p.expires_at ?? t + 86400, livemode: false, locale: p.locale ?? null, metadata: p.metadata ?? {},
		mode, payment_intent: null, payment_method_types: p.payment_method_types ?? ['card'], payment_status: 'unpaid',
		status: 'open', success_url: p.success_url, total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
		ui_mode: 'hosted', url: `${opt.publicUrl}/pay/${id}` }, ctx.account, { lines, pid });
}
function session(ctx, id) {
	const e = find(id, 'checkout.session', ctx.account);
	if (!e) throw noSuch('checkout.session', id, 'id', 404);
	lazyExpire(e.obj);
	return e;
}
function expireSession(ctx, id) {
	const s = session(ctx, id).obj;
	if (s.status !== 'open') throw invalid('Only Checkout Sessions with a status in ["open"] can be expired.', null, null, { stored: true });
	Object.assign(s, { status: 'expired', url: null });
	const ev = makeEvent('checkout.session.expired', s, ctx.account, ctx);
	ctx.after.push(() => deliver(ev));
	return s;
}
function createPI(ctx) {
	const p = ctx.p;
	const amount = atMost(atLeast(need(p, 'amount'), 1, 'amount'), 99999999, 'amount');
	const cur = currency(need(p, 'currency'), 'currency');
	if (p.receipt_email !== undefined) email(p.receipt_email, 'receipt_email');
	if (p.application_fee_amount !== undefined) {
		connectOnly(ctx, 'application_fee_amount');
		atMost(atLeast(p.application_fee_amount, 0, 'application_fee_amount'), amount, 'application_fee_amount');
	}
	const apm = p.automatic_payment_methods ?? (p.payment_method_types ? null : { enabled: true });
	if (apm && apm.enabled === undefined) throw missing('automatic_payment_methods[enabled]');
	return newPI({ ...p, amount, currency: cur, apm, types: p.payment_method_types }, ctx.account);
}
function createRefund(ctx) {
	const p = ctx.p;
	if (p.payment_intent === undefined && p.charge === undefined)
		throw invalid('One of the following params should be provided for this request: payment_intent or charge.', null, 'parameter_missing');
	let ch = null;
	if (p.payment_intent !== undefined) {
		const pi = find(p.payment_intent, 'payment_intent', ctx.account)?.obj;
		if (!pi) throw noSuch('payment_intent', p.payment_intent, 'payment_intent');
		ch = pi.status === 'succeeded' ? find(pi.latest_charge, 'charge')?.obj : null;
		if (!ch) throw invalid('This PaymentIntent does not have a successful charge to refund.', 'payment_intent', 'charge_not_refundable', { stored: true });
	}
	if (p.charge !== undefined) {
		const c = find(p.charge, 'charge', ctx.account)?.obj;
		if (!c) throw noSuch('charge', p.charge, 'charge');
		if (ch && c.id !== ch.id) throw invalid(`The charge '${c.id}' does not belong to PaymentIntent '${p.payment_intent}'.`, 'charge');
		ch = c;
	}
	if (p.reason !== undefined) oneOf(p.reason, ['duplicate', 'fraudulent', 'requested_by_customer'], 'reason');
	if (p.amount !== undefined) atLeast(p.amount, 1, 'amount');
	const left = ch.amount - ch.amount_refunded;
	const disp = [...objects.values()].find((e) => e.obj.object === 'dispute' && e.obj.charge === ch.id && !['won', 'lost'].includes(e.obj.status));
	if (disp) throw invalid(`Charge ${ch.id} has been charged back; cannot issue a refund.`, null, 'charge_disputed', { stored: true });
	if (left <= 0) throw invalid(`Charge ${ch.id} has already been refunded.`, null, 'charge_already_refunded', { stored: true });
	const amount = p.amount ?? left;
	if (amount > left) throw invalid(`Refund amount (${money(amount, ch.currency)}) is greater than unrefunded amount on charge (${money(left, ch.currency)})`, 'amount', 'amount_too_large', { stored: true });
	const re = put({ id: 're_' + rid(24), object: 'refund', amount, balance_transaction: null, charge: ch.id, created: now(),
		currency: ch.currency, metadata: p.metadata ?? {}, payment_intent: ch.payment_intent, reason: p.reason ?? null,
		receipt_number: null, status: 'succeeded' }, ctx.account);
	ch.amount_refunded += amount;
	ch.refunded = ch.amount_refunded === ch.amount;
	const ev = makeEvent('charge.refunded', ch, ctx.account, ctx);
	ctx.after.push(() => deliver(ev));
	return re;
}
function createAccount(ctx) {
	const p = ctx.p;
	oneOf(need(p, 'type'), ['custom', 'express', 'standard'], 'type');
	if (p.country !== undefined && !/^[A-Za-z]{2}$/.test(p.country)) throw invalid(`Invalid country: ${p.country.slice(0, 20)}`, 'country');
	if (p.email !== undefined) email(p.email, 'email');
	const acct = newAccount('acct_' + rid(16), { ...p, country: p.country?.toUpperCase() });
	return put(acct, null);
}
function getAccount(ctx, id) {
	const e = find(id, 'account');
	if (!e || (ctx.account && ctx.account !== id)) throw noSuch('account', id, 'account', 404);
	return e.obj;
}
function createLink(ctx) {
	const p = ctx.p;
	const acct = need(p, 'account');
	const refresh = url(need(p, 'refresh_url'), 'refresh_url');
	const ret = url(need(p, 'return_url'), 'return_url');
	oneOf(need(p, 'type'), ['account_onboarding', 'account_update'], 'type');
	if (!find(acct, 'account')) throw noSuch('account', acct, 'account');
	const t = now(), lid = rid(24);
	put({ id: 'link_' + lid, object: 'standin.link', account: acct, refresh_url: refresh, return_url: ret, expires_at: t + 300 }, null);
	return { object: 'account_link', created: t, expires_at: t + 300,
		url: `${opt.publicUrl}/onboard/${acct}?link=${lid}` };
}
// GET of an object by id, scoped to the caller's account.
const getter = (kind) => (ctx, id) => {
	const e = kind === 'checkout.session' ? session(ctx, id) : find(id, kind, ctx.account);
	if (!e) throw noSuch(kind, id, 'id', 404);
	return e.obj;
};
function lineItems(ctx, id) {
	const e = session(ctx, id);
	return { object: 'list', data: e.x.lines, has_more: false, url: `/v1/checkout/sessions/${id}/line_items` };
}

const ROUTES = [
	['POST', /^\/v1\/checkout\/sessions$/, SESSION, createSession],
	['GET', /^\/v1\/checkout\/sessions\/([^/]+)$/, NONE, getter('checkout.session')],
	['GET', /^\/v1\/checkout\/sessions\/([^/]+)\/line_items$/, o({ limit: 'int', starting_after: 'str' }), lineItems],
	['POST', /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/, NONE, expireSession],
	['POST', /^\/v1\/payment_intents$/, PI, createPI],
	['GET', /^\/v1\/payment_intents\/([^/]+)$/, o({ client_secret: 'str' }), getter('payment_intent')],
	['POST', /^\/v1\/refunds$/, REFUND, createRefund],
	['GET', /^\/v1\/refunds\/([^/]+)$/, NONE, getter('refund')],
	['GET', /^\/v1\/charges\/([^/]+)$/, NONE, getter('charge')],
	['GET', /^\/v1\/disputes\/([^/]+)$/, NONE, getter('dispute')],
	['GET', /^\/v1\/events\/([^/]+)$/, NONE, getter('event')],
	['POST', /^\/v1\/accounts$/, ACCOUNT, createAccount],
	['GET', /^\/v1\/accounts\/([^/]+)$/, NONE, getAccount],
	['POST', /^\/v1\/account_links$/, LINK, createLink],
];

// expand[]=a.b: replaces id strings (same account) by their objects; arrays are walked.
function expand(obj, paths, account) {
	const out = snap(obj);
	for (const path of paths ?? []) {
		const segs = path.split('.');
		if (segs.length > 4) throw invalid(`You cannot expand more than 4 levels of a property (${path}).`, 'expand');
		let ok = false;
		const step = (node, i) => {
			if (Array.isArray(node)) return node.forEach((n) => step(n, i));
			if (!isObj(node) || !Object.hasOwn(node, segs[i])) return;
			const k = segs[i];
			if (i < segs.length - 1) { step(node[k], i + 1); return; }
			if (k === 'line_items' && node.object === 'checkout.session') { node[k] = lineItems({ account }, node.id); ok = true; }
			else if (node[k] === null || isObj(node[k])) ok = true;
			else if (find(node[k], null, account)) { node[k] = snap(find(node[k]).obj); ok = true; }
		};
		if (segs[0] === 'line_items' && out.object === 'checkout.session') out.line_items = null;
		step(out, 0);
		if (!ok) throw invalid(`This property cannot be expanded (${path}).`, 'expand');
	}
	return out;
}
function lazyExpire(s) {
	if (s.status === 'open' && now() >= s.expires_at) Object.assign(s, { status: 'expired', url: null });
}

// ---- API request pipeline ---------------------------------------------------------
// Answers one /v1 request: { status, body (string), headers, after[], replayed }.
function api(req, path, query, raw, reqId) {
	const h = req.headers;
	const version = /^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/.test(h['stripe-version'] ?? '') ? h['stripe-version'] : API_VERSION;
	const out = { status: 200, body: '', headers: { 'Request-Id': reqId, 'Stripe-Version': version }, after: [], replayed: false };
	let scope = null, fp = null;
	try {
		const key = apiKey(h.authorization);
		if (!key) throw new StripeError(401, 'invalid_request_error', NO_KEY);
		if (opt.secretKey && key !== opt.secretKey) throw new StripeError(401, 'invalid_request_error', `Invalid API Key provided: ${mask(key)}`);
		if (h['stripe-version'] !== undefined && version !== h['stripe-version'])
			throw invalid(`Invalid Stripe API version: ${h['stripe-version'].slice(0, 40)}`);
		const account = h['stripe-account'] || null;
		if (account !== null) {
			if (!find(account, 'account')) throw new StripeError(403, 'invalid_request_error', `The provided key '${mask(key)}' does not ` +
				`have access to account '${account.slice(0, 60)}' (or that account does not exist). Application access may have been revoked.`, { code: 'account_invalid' });
			out.headers['Stripe-Account'] = account;
		}
		const ik = req.method === 'POST' ? h['idempotency-key'] || null : null;
		if (ik !== null) {
			if (ik.length > 255) throw invalid(`Invalid idempotency key: keys must be at most 255 characters long, but you passed in a key that is ${ik.length} characters long.`);
			if (/^[\x20-\x7e]*$/.test(ik)) out.headers['Idempotency-Key'] = ik;
		}
		const route = ROUTES.find((r) => r[0] === req.method && r[1].test(path));
		if (!route) throw new StripeError(404, 'invalid_request_error', `Unrecognized request URL (${req.method}: ${path.slice(0, 200)}). ` +
			'Please see https://stripe.com/docs or we can help at https://support.stripe.com/.');
		const caps = route[1].exec(path).slice(1).map(seg);
		const params = parseForm(req.method === 'POST' ? [query, raw].filter(Boolean).join('&') : query);
		const p = walk({ o: { ...route[2].o, expand: a('str') } }, params, '');
		if (ik !== null) {
			scope = `${key}\n${account ?? ''}\n${ik}`;
			fp = `${req.method} ${path}\n${canon(params)}`;
			const prev = idem.get(scope);
			if (prev) {
				const [was] = prev.fp.split('\n');
				if (was !== `${req.method} ${path}`) throw new StripeError(400, 'idempotency_error', 'Keys for idempotent requests can only ' +
					`be used for the same endpoint they were first used for ('${was}' vs '${req.method} ${path}'). Try using a key other than '${ik}' if you meant to execute a different request.`);
				if (prev.fp !== fp) throw new StripeError(400, 'idempotency_error', 'Keys for idempotent requests can only be used ' +
					`with the same parameters they were first used with. Try using a key other than '${ik}' if you meant to execute a different request.`);
				Object.assign(out, { status: prev.status, body: prev.body, replayed: true });
				Object.assign(out.headers, { 'Idempotent-Replayed': 'true', 'Original-Request': prev.reqId });
				return out;
			}
		}
		const ctx = { p, account, reqId, idemKey: ik, after: out.after };
		const obj = route[3](ctx, ...caps);
		out.body = JSON.stringify(expand(obj, p.expand, account), null, 2);
	} catch (e) {
		const se = e instanceof StripeError ? e : new StripeError(500, 'api_error', 'An unknown error occurred', { stored: true });
		if (!(e instanceof StripeError)) log(`internal error: ${e.stack}`);
		Object.assign(out, { status: se.status, body: JSON.stringify(se.body(), null, 2), after: [] });
		if (!se.stored) return out;
	}
	if (scope) idem.set(scope, { fp, status: out.status, body: out.body, reqId });
	return out;
}
function apiKey(auth) {
	const m = /^(Bearer|Basic)\s+(\S+)\s*$/i.exec(auth ?? '');
	if (!m) return null;
	if (m[1].toLowerCase() === 'bearer') return m[2];
	const user = Buffer.from(m[2], 'base64').toString('latin1').split(':')[0];
	return user || null;
}

// ---- Events and webhook delivery ----------------------------------------------------
function makeEvent(type, obj, account, ctx) {
	const ev = { id: 'evt_' + rid(24), object: 'event' };
	if (account) ev.account = account;
	Object.assign(ev, { api_version: API_VERSION, created: now(), data: { object: snap(obj) }, livemode: false,
		pending_webhooks: 1, request: { id: ctx?.reqId ?? null, idempotency_key: ctx?.idemKey ?? null }, type });
	put(ev, account ?? null);
	events.push(ev);
	return ev;
}
// The exact body and Stripe-Signature header Stripe would send for ev.
function sign(ev) {
	const payload = JSON.stringify(ev, null, 2), t = now();
	const secret = (ev.account ? opt.connectSecret ?? opt.webhookSecret : opt.webhookSecret) ?? '';
	const v1 = createHmac('sha256', secret).update(`${t}.${payload}`).digest('hex');
	return { payload, signature: `t=${t},v1=${v1}` };
}
// POSTs ev to the webhook URL (loopback only) and resolves to the delivery record.
function deliver(ev, signed = sign(ev)) {
	const rec = { event: ev.id, type: ev.type, url: opt.webhookUrl, status: 0, body: '', error: null, at: Date.now() };
	deliveries.push(rec);
	return new Promise((resolve) => {
		const done = (err) => {
			if (err && !rec.error) { rec.error = err; log(`delivery of ${ev.type} ${ev.id} failed: ${err}`); }
			resolve(rec);
		};
		let u = null;
		try { u = new URL(opt.webhookUrl); } catch { return done(opt.webhookUrl ? 'bad webhook URL' : 'no webhook URL configured'); }
		if (u.protocol !== 'http:' || !LOOPBACK.has(u.hostname)) return done('refusing to deliver to a non-loopback or non-http URL');
		const r = http.request(u, { method: 'POST', timeout: 10000, headers: {
			'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
			'Stripe-Signature': signed.signature, 'Content-Length': Buffer.byteLength(signed.payload), 'Cache-Control': 'no-cache' } }, (res) => {
			const chunks = [];
			let size = 0;
			res.on('data', (c) => { if ((size += c.length) <= 65536) chunks.push(c); });
			res.on('error', (e) => done(e.message));
			res.on('end', () => {
				rec.status = res.statusCode;
				rec.body = Buffer.concat(chunks).toString('utf8');
				done(res.statusCode >= 200 && res.statusCode < 300 ? null : `HTTP ${res.statusCode}`);
			});
		});
		r.on('timeout', () => r.destroy(new Error('timeout')));
		r.on('error', (e) => done(e.message));
		r.end(signed.payload);
	});
}
// Makes, signs and (unless body.deliver === false) delivers an event: the control API's answer.
async function emit(type, obj, account, body) {
	const event = makeEvent(type, obj, account, null);
	const signed = sign(event);
	const delivery = body.deliver === false ? null : await deliver(event, signed);
	return { event, delivery, signature: signed.signature, payload: signed.payload };
}

// ---- Simulations shared by the pages and the control API --------------------------------
// Completes an open session like the hosted page's Pay button (the caller makes the event).
function complete(e, { payment_status = 'paid', amount_tax = 0, amount_discount = 0, email: mail } = {}) {
	const s = e.obj;
	const total = s.amount_subtotal - amount_discount + amount_tax;
	Object.assign(s.total_details, { amount_discount, amount_tax });
	Object.assign(s, { status: 'complete', url: null, amount_total: total,
		customer_details: { address: null, email: mail || s.customer_email || 'customer@example.com', name: null, phone: null, tax_exempt: 'none', tax_ids: [] } });
	if (s.automatic_tax.enabled) s.automatic_tax.status = 'complete';
	if (total === 0) { s.payment_status = 'no_payment_required'; return; }
	const pid = e.x.pid;
	const pi = newPI({ amount: total, currency: s.currency, metadata: pid.metadata, description: pid.description,
		receipt_email: pid.receipt_email, application_fee_amount: pid.application_fee_amount,
		status: payment_status === 'paid' ? 'requires_confirmation' : 'processing' }, e.account);
	if (payment_status === 'paid') charge(pi, e.account, s.customer_details.email);
	Object.assign(s, { payment_intent: pi.id, payment_status });
}
function failPI(pi, message) {
	Object.assign(pi, { status: 'requires_payment_method', last_payment_error: { code: 'card_declined',
		decline_code: 'generic_decline', message, type: 'card_error' } });
}

// ---- Control API (/_standin, JSON, no auth) --------------------------------------------
class Ctl extends Error { constructor(status, message) { super(message); this.status = status; } }
function ctlGet(id, kind) {
	const e = find(id, kind);
	if (!e) throw new Ctl(404, `No such ${kind ?? 'object'}: '${id}'`);
	return e;
}
const flag = (v, name) => { if (v !== undefined && typeof v !== 'boolean') throw new Ctl(400, `${name} must be a boolean`); return v; };
const count = (v, name) => { if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) throw new Ctl(400, `${name} must be a non-negative integer`); return v ?? 0; };
const CONTROL = [
	['GET', /^requests$/, () => requests],
	['DELETE', /^requests$/, () => { requests = []; return { deleted: true }; }],
	['GET', /^events$/, () => events],
	['GET', /^deliveries$/, () => deliveries],
	['GET', /^objects\/([^/]+)$/, (b, id) => ctlGet(id).obj],
	['GET', /^fail$/, () => rules],
	['DELETE', /^fail$/, () => { rules = []; return { deleted: true }; }],
	['POST', /^fail$/, (b) => {
		const r = { path: b.path, method: b.method ?? null, count: b.count ?? 1, mode: b.mode ?? 'error', status: b.status,
			type: b.type ?? 'api_error', code: b.code ?? null, message: b.message ?? 'An error occurred (injected by the stand-in).',
			param: b.param ?? null, decline_code: b.decline_code ?? null, seconds: b.seconds ?? 1 };
		if (typeof r.path !== 'string' || !r.path.startsWith('/')) throw new Ctl(400, 'path must be a string starting with /');
		if (r.method !== null && typeof r.method !== 'string') throw new Ctl(400, 'method must be a string');
		for (const k of ['type', 'code', 'message', 'param', 'decline_code']) if (r[k] !== null) r[k] = String(r[k]);
		if (!['error', 'hang', 'close', 'delay'].includes(r.mode)) throw new Ctl(400, 'mode must be error, hang, close or delay');
		if (!Number.isSafeInteger(r.count) || r.count < -1 || r.count === 0) throw new Ctl(400, 'count must be -1 or >= 1');
		if (typeof r.seconds !== 'number' || !(r.seconds >= 0 && r.seconds <= 600)) throw new Ctl(400, 'seconds must be 0..600');
		r.status ??= r.type === 'card_error' ? 402 : 500;
		if (!Number.isInteger(r.status) || r.status < 200 || r.status > 599) throw new Ctl(400, 'status must be 200..599');
		rules.push(r);
		return { rules };
	}],
	['POST', /^config$/, (b) => {
		for (const [k, f] of [['webhook_url', 'webhookUrl'], ['webhook_secret', 'webhookSecret'], ['connect_webhook_secret', 'connectSecret']])
			if (b[k] !== undefined) opt[f] = b[k] === null ? null : String(b[k]);
		if (b.event_delay_ms !== undefined) opt.afterMs = count(b.event_delay_ms, 'event_delay_ms');
		return { webhook_url: opt.webhookUrl, event_delay_ms: opt.afterMs };
	}],
	['POST', /^reset$/, () => {
		objects.clear(); idem.clear(); requests = []; events = []; deliveries = []; rules = [];
		for (const id of opt.accounts) put(newAccount(id, { type: 'express' }), null);
		return { reset: true };
	}],
	['POST', /^events\/([^/]+)\/resend$/, async (b, id) => {
		const ev = ctlGet(id, 'event').obj, signed = sign(ev);
		return { event: ev, delivery: await deliver(ev, signed), signature: signed.signature, payload: signed.payload };
	}],
	['POST', /^sessions\/([^/]+)\/complete$/, (b, id) => {
		const e = ctlGet(id, 'checkout.session');
		lazyExpire(e.obj);
		if (e.obj.status !== 'open') throw new Ctl(400, `Checkout session ${id} is ${e.obj.status}, not open`);
		const ps = b.payment_status ?? 'paid';
		if (!['paid', 'unpaid'].includes(ps)) throw new Ctl(400, 'payment_status must be paid or unpaid');
		const tax = count(b.amount_tax, 'amount_tax'), disc = count(b.amount_discount, 'amount_discount');
		if (disc > e.obj.amount_subtotal) throw new Ctl(400, 'amount_discount exceeds amount_subtotal');
		if (b.email !== undefined && (typeof b.email !== 'string' || !isEmail(b.email))) throw new Ctl(400, 'email must be an email address');
		complete(e, { payment_status: ps, amount_tax: tax, amount_discount: disc, email: b.email });
		return emit('checkout.session.completed', e.obj, e.account, b);
	}],
	['POST', /^sessions\/([^/]+)\/expire$/, (b, id) => {
		const e = ctlGet(id, 'checkout.session');
		if (!['open', 'expired'].includes(e.obj.status)) throw new Ctl(400, `Checkout session ${id} is ${e.obj.status}, not open`);
		Object.assign(e.obj, { status: 'expired', url: null });
		return emit('checkout.session.expired', e.obj, e.account, b);
	}],
	['POST', /^sessions\/([^/]+)\/async$/, (b, id) => {
		const e = ctlGet(id, 'checkout.session'), s = e.obj;
		const pi = find(s.payment_intent, 'payment_intent')?.obj;
		if (s.status !== 'complete' || s.payment_status !== 'unpaid' || pi?.status !== 'processing')
			throw new Ctl(400, `Checkout session ${id} is not complete and unpaid with a processing payment`);
		if (b.result === 'succeeded') { charge(pi, e.account, s.customer_details.email); s.payment_status = 'paid'; }
		else if (b.result === 'failed') failPI(pi, b.message ?? 'The payment failed.');
		else throw new Ctl(400, 'result must be succeeded or failed');
		return emit(`checkout.session.async_payment_${b.result}`, s, e.account, b);
	}],
	['POST', /^payment_intents\/([^/]+)\/(succeed|fail)$/, (b, id, what) => {
		const e = ctlGet(id, 'payment_intent'), pi = e.obj;
		if (['succeeded', 'canceled'].includes(pi.status)) throw new Ctl(400, `PaymentIntent ${id} is already ${pi.status}`);
		if (what === 'succeed') { charge(pi, e.account); return emit('payment_intent.succeeded', pi, e.account, b); }
		failPI(pi, typeof b.message === 'string' ? b.message : 'Your card was declined.');
		return emit('payment_intent.payment_failed', pi, e.account, b);
	}],
	['POST', /^charges\/([^/]+)\/dispute$/, (b, id) => {
		const e = ctlGet(id, 'charge'), ch = e.obj;
		if (ch.disputed) throw new Ctl(400, `Charge ${id} is already disputed`);
		const amount = count(b.amount, 'amount') || ch.amount;
		ch.disputed = true;
		const dp = put({ id: 'dp_' + rid(24), object: 'dispute', amount, balance_transactions: [], charge: ch.id, created: now(),
			currency: ch.currency, is_charge_refundable: false, livemode: false, metadata: {}, payment_intent: ch.payment_intent,
			reason: typeof b.reason === 'string' ? b.reason : 'fraudulent', status: 'needs_response' }, e.account);
		return emit('charge.dispute.created', dp, e.account, b);
	}],
	['POST', /^disputes\/([^/]+)\/close$/, (b, id) => {
		const e = ctlGet(id, 'dispute');
		if (!['won', 'lost'].includes(b.status)) throw new Ctl(400, 'status must be won or lost');
		if (['won', 'lost'].includes(e.obj.status)) throw new Ctl(400, `Dispute ${id} is already closed`);
		e.obj.status = b.status;
		return emit('charge.dispute.closed', e.obj, e.account, b);
	}],
	['POST', /^accounts\/([^/]+)\/update$/, (b, id) => {
		const acct = ctlGet(id, 'account').obj;
		for (const [k, v] of Object.entries(b)) {
			if (k === 'deliver') continue;
			if (!['charges_enabled', 'payouts_enabled', 'details_submitted'].includes(k)) throw new Ctl(400, `unknown field ${k}`);
			acct[k] = flag(v, k);
		}
		return emit('account.updated', acct, id, b);
	}],
];
async function control(req, res, path, raw) {
	try {
		let b = {};
		if (raw.trim() !== '') {
			try { b = JSON.parse(raw); } catch { throw new Ctl(400, 'Body is not valid JSON'); }
			if (!isObj(b)) throw new Ctl(400, 'Body must be a JSON object');
		}
		flag(b.deliver, 'deliver');
		const rest = path.slice('/_standin/'.length);
		const r = CONTROL.find((c) => c[0] === req.method && c[1].test(rest));
		if (!r) throw new Ctl(404, `Unknown control endpoint ${req.method} ${path}`);
		sendJson(res, 200, await r[2](b, ...r[1].exec(rest).slice(1).map(seg)));
	} catch (e) {
		if (!(e instanceof Ctl || e instanceof StripeError)) log(`control error: ${e.stack}`);
		sendJson(res, e.status ?? 500, { error: { type: 'invalid_request_error', message: e.message } });
	}
}

// ---- Hosted pages ------------------------------------------------------------------------
const CSS = 'body{font:16px/1.5 system-ui,sans-serif;background:#f6f9fc;color:#1a1f36;margin:0}' +
	'main{max-width:32rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 2px 8px #0002}' +
	'.badge{display:inline-block;background:#ffde92;color:#9a3412;font-size:.75rem;font-weight:700;padding:0 .5rem;border-radius:4px}' +
	'table{width:100%;border-collapse:collapse}td{padding:.4rem 0;border-bottom:1px solid #e3e8ee}td.n{text-align:right}' +
	'button{font:inherit;padding:.6rem 1.2rem;border:0;border-radius:6px;cursor:pointer;margin-top:1rem}' +
	'#pay,#complete{background:#635bff;color:#fff}#cancel{background:#e3e8ee}form{display:inline;margin-right:.5rem}' +
	'input{font:inherit;padding:.4rem;width:100%;box-sizing:border-box}';
function page(res, status, title, inner) {
	const html = `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
		`<title>${esc(title)}</title><style>${CSS}</style></head><body><main><span class="badge">TEST MODE</span>\n<h1>${esc(title)}</h1>\n${inner}\n</main></body></html>\n`;
	res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html), 'Cache-Control': 'no-store' });
	res.end(html);
}
function redirect(res, to) {
	res.writeHead(303, { Location: /^[\x21-\x7e]*$/.test(to) ? to : new URL(to).href, 'Content-Length': 0 });
	res.end();
}
function pageForm(raw) { try { return parseForm(raw); } catch { return {}; } }

async function pages(req, res, path, query, raw) {
	let m;
	if ((m = /^\/pay\/([^/]+)(?:\/(pay|cancel))?$/.exec(path))) {
		const e = find(seg(m[1]), 'checkout.session');
		if (!e) return page(res, 404, 'Checkout session not found', '<p>There is no checkout session with this id.</p>');
		const s = e.obj, act = m[2];
		lazyExpire(s);
		if (req.method !== (act ? 'POST' : 'GET')) return page(res, 405, 'Method not allowed', '<p>Use the buttons on the checkout page.</p>');
		if (act === 'cancel') return s.cancel_url ? redirect(res, s.cancel_url) : page(res, 200, 'Checkout cancelled', '<p>You cancelled this checkout.</p>');
		if (s.status !== 'open') {
			const msg = s.status === 'expired' ? 'This checkout session has expired.' : 'This checkout session is already complete: the payment was made.';
			return page(res, act ? 409 : 200, s.status === 'expired' ? 'Checkout session expired' : 'Checkout session complete', `<p>${esc(msg)}</p>`);
		}
		if (act === 'pay') {
			const mail = pageForm(raw).email;
			complete(e, { email: typeof mail === 'string' && isEmail(mail) ? mail : undefined });
			const ev = makeEvent('checkout.session.completed', s, e.account, null);
			await deliver(ev);
			return redirect(res, s.success_url.split('{CHECKOUT_SESSION_ID}').join(s.id));
		}
		const rows = e.x.lines.map((li) => `<tr><td>${esc(li.description)} × ${li.quantity}</td><td class="n">${esc(money(li.amount_total, li.currency))}</td></tr>`).join('');
		const total = money(s.amount_total, s.currency);
		const who = s.customer_email ? `<p>Email: <span id="email">${esc(s.customer_email)}</span></p>`
			: '<p><label>Email <input id="email" name="email" type="email" form="payform" value="customer@example.com"></label></p>';
		return page(res, 200, 'Test mode checkout', `<table>${rows}<tr><td><strong>Total</strong></td><td class="n"><strong id="total">${esc(total)}</strong></td></tr></table>\n${who}\n` +
			`<form id="payform" method="post" action="/pay/${esc(encodeURIComponent(s.id))}/pay"><button id="pay" type="submit">Pay ${esc(total)}</button></form>` +
			`<form method="post" action="/pay/${esc(encodeURIComponent(s.id))}/cancel"><button id="cancel" type="submit">Cancel</button></form>`);
	}
	if ((m = /^\/onboard\/([^/]+)(?:\/(complete))?$/.exec(path))) {
		const id = seg(m[1]), e = find(id, 'account');
		if (!e) return page(res, 404, 'Account not found', '<p>There is no connected account with this id.</p>');
		const lid = (m[2] ? pageForm(raw) : pageForm(query)).link;
		const link = find(typeof lid === 'string' ? 'link_' + lid : null, 'standin.link')?.obj;
		if (link && link.account !== id) return page(res, 400, 'Wrong link', '<p>This link is for another account.</p>');
		if (link && now() > link.expires_at) return redirect(res, link.refresh_url);
		if (req.method !== (m[2] ? 'POST' : 'GET')) return page(res, 405, 'Method not allowed', '<p>Use the button on the onboarding page.</p>');
		if (!m[2]) {
			return page(res, 200, 'Test mode onboarding', `<p>Connected account <code>${esc(id)}</code>${e.obj.email ? ` (${esc(e.obj.email)})` : ''}.</p>\n` +
				`<form method="post" action="/onboard/${esc(encodeURIComponent(id))}/complete"><input type="hidden" name="link" value="${esc(lid ?? '')}">` +
				'<button id="complete" type="submit">Complete onboarding</button></form>');
		}
		const acct = e.obj;
		Object.assign(acct, { charges_enabled: true, details_submitted: true, payouts_enabled: true,
			requirements: { currently_due: [], disabled_reason: null } });
		for (const k of Object.keys(acct.capabilities)) acct.capabilities[k] = 'active';
		await deliver(makeEvent('account.updated', acct, id, null));
		return link ? redirect(res, link.return_url) : page(res, 200, 'Onboarding complete', '<p>You can close this page.</p>');
	}
	sendJson(res, 404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${path.slice(0, 200)}).` } });
}

// ---- HTTP server ------------------------------------------------------------------------------
function sendJson(res, status, body, headers = {}) {
	const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2);
	if (res.headersSent || res.destroyed) return;
	res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text),
		'Cache-Control': 'no-cache, no-store', ...headers });
	res.end(text);
}
// Reads the body; past BODY_MAX it is drained and dropped (tooBig), past DRAIN_MAX the socket closed.
function readBody(req) {
	return new Promise((resolve) => {
		const chunks = [];
		let size = 0;
		req.on('data', (c) => {
			size += c.length;
			if (size <= BODY_MAX) chunks.push(c);
			else if (size > DRAIN_MAX) req.destroy();
		});
		req.on('end', () => resolve({ raw: Buffer.concat(chunks).toString('utf8'), tooBig: size > BODY_MAX }));
		req.on('error', () => resolve({ raw: '', tooBig: size > BODY_MAX }));
		req.on('close', () => resolve({ raw: '', tooBig: size > BODY_MAX, gone: !req.complete }));
	});
}
// The first failure rule matching method and path (a trailing * matches a prefix), used up by one.
function takeRule(method, path) {
	const i = rules.findIndex((r) => (!r.method || r.method.toUpperCase() === method) &&
		(r.path.endsWith('*') ? path.startsWith(r.path.slice(0, -1)) : r.path === path));
	if (i < 0) return null;
	const r = rules[i];
	if (r.count > 0 && --r.count === 0) rules.splice(i, 1);
	return r;
}
const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));

async function onRequest(req, res) {
	const t0 = Date.now(), reqId = 'req_' + rid(14);
	const qi = req.url.indexOf('?');
	const path = qi < 0 ? req.url : req.url.slice(0, qi), query = qi < 0 ? '' : req.url.slice(qi + 1);
	res.on('error', () => {});
	res.on('close', () => log(`${req.method} ${path.slice(0, 200)} ${res.writableFinished ? res.statusCode : 0} ${Date.now() - t0}ms ${reqId}`));
	const { raw, tooBig, gone } = await readBody(req);
	if (gone) return;
	if (tooBig && !path.startsWith('/v1/')) return sendJson(res, 413, { error: { type: 'invalid_request_error',
		message: `Request body too large: the maximum is ${BODY_MAX} bytes.` } }, { Connection: 'close' });
	if (path.startsWith('/_standin/')) return control(req, res, path, raw);
	const h = req.headers;
	const rec = path.startsWith('/v1/') ? { method: req.method, path, query, headers: {
		'idempotency-key': h['idempotency-key'] ?? null, 'stripe-account': h['stripe-account'] ?? null,
		'stripe-version': h['stripe-version'] ?? null, 'content-type': h['content-type'] ?? null },
		authorization: h.authorization ? 'present' : 'missing', params: null, raw: tooBig ? '' : raw, status: 0, replayed: false, at: t0 } : null;
	if (rec) {
		requests.push(rec);
		try { rec.params = parseForm(req.method === 'POST' ? [query, raw].filter(Boolean).join('&') : query); } catch { /* stays null */ }
	}
	if (tooBig) {
		if (rec) rec.status = 413;
		return sendJson(res, 413, { error: { type: 'invalid_request_error', message: `Request body too large: the maximum is ${BODY_MAX} bytes.` } },
			{ 'Request-Id': reqId, Connection: 'close' });
	}
	const rule = takeRule(req.method, path);
	if (rule?.mode === 'hang') { held.add(req.socket); req.socket.on('close', () => held.delete(req.socket)); return; }
	if (rule?.mode === 'close') { req.socket.destroy(); return; }
	if (rule?.mode === 'error') {
		const e = new StripeError(rule.status, rule.type, rule.message, { code: rule.code, param: rule.param,
			...(rule.decline_code ? { decline_code: rule.decline_code } : {}) });
		if (rec) rec.status = rule.status;
		return sendJson(res, rule.status, e.body(), { 'Request-Id': reqId, 'Stripe-Version': API_VERSION });
	}
	if (!rec) {
		if (rule?.mode === 'delay') await sleep(rule.seconds);
		return pages(req, res, path, query, raw);
	}
	const out = api(req, path, query, raw, reqId);
	Object.assign(rec, { status: out.status, replayed: out.replayed });
	if (rule?.mode === 'delay') await sleep(rule.seconds);
	sendJson(res, out.status, out.body, out.headers);
	// Events an API call causes (charge.refunded, ...) go out once the answer is sent.
	if (out.after.length) res.once('finish', () => setTimeout(() => out.after.forEach((fn) => fn()), opt.afterMs));
}

const server = http.createServer((req, res) => {
	onRequest(req, res).catch((e) => {
		log(`internal error: ${e.stack}`);
		sendJson(res, 500, new StripeError(500, 'api_error', 'An unknown error occurred').body());
	});
});
server.on('clientError', (err, sock) => { if (sock.writable) sock.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'); else sock.destroy(); });
server.listen(Number(opt.port), opt.host, () => {
	const port = server.address().port;
	opt.publicUrl = (opt.publicUrl ?? `http://${opt.host.includes(':') ? `[${opt.host}]` : opt.host}:${port}`).replace(/\/+$/, '');
	process.stdout.write(`ready ${port}\n`);
});
server.on('error', (e) => { log(`cannot listen: ${e.message}`); process.exit(1); });
function stop(sig) {
	log(`${sig}: stopping`);
	for (const s of held) s.destroy();
	server.close(() => process.exit(0));
	server.closeAllConnections?.();
	setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
process.on('uncaughtException', (e) => log(`uncaught: ${e.stack}`));
