// admin.mjs: the admin JSON API (cgi-bin/admin, /api/v1/admin/...) through
// real HTTP against lighttpd: the role matrix of every route in the route
// table, sign-in (JWT checked with jose), lockout and enumeration, bad
// tokens, sessions and CSRF, store switching, TOTP and emailed MFA (codes
// from otplib and the outbox), password reset, the catalog (exact prices,
// validation, soft and hard delete, audit rows), staff, settings and API
// keys. Run by tests/integration/admin.sh with the harness's environment:
// COLMENA_TEST_URL, COLMENA_TEST_DB_OWNER_URL, COLMENA_TEST_SRCDIR,
// COLMENA_TEST_BUILDDIR, COLMENA_CONFIG.
//
// Every store and person it uses is its own (slugs adm-<random>-..., emails
// ...-<random>@adm.test): the demo store and the fixtures are only read.
// Prints "FAIL: name: detail" per failed check and a final
// "N passed, N failed" line; exits 1 if any check failed.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, UnsecuredJWT, decodeJwt, jwtVerify } from 'jose';
import { generate } from 'otplib';
import {
	need, tally, check, summary, confValue, run, database, request, jsonOf, envelope,
	answerChecks, sleep, now, same, sha256hex, lit,
} from './lib.mjs';

const BASE = need('COLMENA_TEST_URL').replace(/\/+$/, '');
const OWNER_URL = need('COLMENA_TEST_DB_OWNER_URL');
const SRC = need('COLMENA_TEST_SRCDIR');
const BUILD = need('COLMENA_TEST_BUILDDIR');
const COLMENA = `${BUILD}/tools/colmena`;
const ADMIN_BIN = `${BUILD}/cgi-bin/admin`;
const SECRET = jwtSecret();
const KEY = new TextEncoder().encode(SECRET);
const { sql, rows } = database(OWNER_URL);
const SFX = randomBytes(3).toString('hex');
const PW = 'Adm-pass-1!';		/* every person's first password */
const LOCK_FAILURES = 10;		/* login_max_failures (default) */
const SESSION_MAX = 5;			/* session_max */
const BODY_MAX = 1048576;		/* body_max */
const T0 = Date.now();

const ROLE_PERMS = {
	owner: ['*'],
	admin: ['products.*', 'orders.*', 'analytics.read'],
	editor: ['products.read', 'products.write', 'orders.read'],
};

// jwt_secret from the programs' config (the harness writes it), else the
// harness's default.
function jwtSecret() {
	return confValue('jwt_secret', process.env.HARNESS_JWT_SECRET ||
	    'harness-jwt-secret-0123456789abcdefghijkl', '(\\S+)');
}

const slug = (s) => `adm-${SFX}-${s}`;
const mail = (s) => `${s}-${SFX}@adm.test`;
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

// ---------------------------------------------------------------- HTTP

// One request. o: token (Bearer), cookie (session), csrf, body (JSON),
// raw (body text), headers. Returns status, headers, text, json, ms.
async function api(method, path, o = {}) {
	const { headers, body } = request(o);
	const t0 = performance.now();
	let res;
	try {
		res = await fetch(BASE + path, { method, headers, body, redirect: 'manual' });
	} catch (e) {
		return { status: 0, headers: new Headers(), text: `fetch failed: ${e.message}`, json: null, ms: 0 };
	}
	const text = await res.text();
	const ms = performance.now() - t0;
	const json = jsonOf(text);
	return {
		status: res.status, headers: res.headers, text, json, ms,
		data: json ? json.data : undefined, error: json ? json.error : undefined,
	};
}

// show(r), ok(name, r, status), err(name, r, status, code, field): see
// lib.mjs; a failure shows 600 characters of the body.
const { show, ok, err } = answerChecks(600);

// 401 UNAUTHORIZED with WWW-Authenticate, as the gate answers it.
function unauth(name, r) {
	const www = r.headers.get('www-authenticate') || '';
	return err(name, r, 401, 'UNAUTHORIZED') &&
	    check(`${name} (WWW-Authenticate)`, /^Bearer\b/.test(www), `WWW-Authenticate: ${www}`);
}

const signIn = (email, password = PW, extra = {}) =>
	api('POST', '/api/v1/admin/auth/token', { body: { email, password, ...extra } });

const sessionIn = (email, password = PW, extra = {}) =>
	api('POST', '/api/v1/admin/auth/session', { body: { email, password, ...extra } });

// A JWT for email, or a failed check and a token that fails.
async function tokenFor(email, password = PW, extra = {}) {
	const r = await signIn(email, password, extra);
	if (!ok(`sign in ${email}`, r))
		return 'no-token';
	return r.data.token;
}

const tokens = new Map();
function token(email) {
	if (!tokens.has(email))
		tokens.set(email, tokenFor(email));
	return tokens.get(email);
}

// The session cookie's value and attributes from a sign-in answer.
function sessionCookie(r) {
	const all = typeof r.headers.getSetCookie === 'function' ? r.headers.getSetCookie() :
	    [r.headers.get('set-cookie') || ''];
	const c = all.find((s) => s.startsWith('colmena_session='));
	if (c === undefined)
		return null;
	const parts = c.split(';').map((s) => s.trim());
	return { value: parts[0].slice('colmena_session='.length), attrs: parts.slice(1), raw: c };
}

// ---------------------------------------------------------------- tools

// The newest outbox row to recipient (of kind, if given), or null.
async function outbox(recipient, kind) {
	const r = await rows(`SELECT id, kind, recipient, subject, body_text, store_id FROM outbox
	    WHERE lower(recipient) = lower(${lit(recipient)})
	    ${kind ? `AND kind = ${lit(kind)}` : ''} ORDER BY id DESC LIMIT 1`);
	return r.length ? r[0] : null;
}

const tokenInLink = (body, path) => {
	const m = new RegExp(`${path.replace(/[/.]/g, '\\$&')}\\?token=([A-Za-z0-9_-]+)`).exec(body || '');
	return m ? m[1] : null;
};

// Audit rows of one entity in store, oldest first.
const auditRows = (store, entity, id) => rows(`SELECT store_id, actor, entity_type,
    entity_id, action, old_values, new_values FROM audit_logs
    WHERE entity_type = ${lit(entity)} AND entity_id = ${lit(id)} ORDER BY id`, store);

// ---------------------------------------------------------------- set-up

const ctx = { stores: {}, users: {} };

async function setup() {
	const defs = { a: ['Admin A', 'USD'], b: ['Admin B', 'EUR'], st: ['Admin Staff', 'USD'] };
	for (const [k, [name, cur]] of Object.entries(defs)) {
		const r = await run(COLMENA, ['store-create', '--slug', slug(k), '--name', `${name} ${SFX}`, '--currency', cur]);
		const m = /\(([0-9a-f-]{36})\)/.exec(r.out);
		if (!check(`setup: store-create ${slug(k)}`, r.code === 0 && m, `${r.code} ${r.out} ${r.err}`))
			throw new Error('cannot set up stores');
		ctx.stores[k] = { id: m[1], slug: slug(k) };
	}
	// People: [who, store, role]. m is staff of a (editor) and b (admin).
	const people = [
		['oa', 'a', 'owner'], ['aa', 'a', 'admin'], ['ea', 'a', 'editor'],
		['ob', 'b', 'owner'], ['m', 'a', 'editor'], ['lki', 'a', 'editor'],
		['s', 'a', 'editor'], ['t', 'a', 'editor'], ['e', 'a', 'editor'],
		['r', 'a', 'editor'], ['x', 'b', 'editor'], ['os', 'st', 'owner'],
	];
	const mk = async ([who, st, role]) => {
		const r = await run(COLMENA, ['user-create', '--store', slug(st), '--email', mail(who), '--role', role],
		    { COLMENA_PASSWORD: PW });
		check(`setup: user-create ${mail(who)} in ${slug(st)}`, r.code === 0, `${r.code} ${r.out} ${r.err}`);
	};
	// Two at a time: scrypt is the cost, and there are two cores.
	for (let i = 0; i < people.length; i += 2)
		await Promise.all(people.slice(i, i + 2).map(mk));
	// The same person joins a second store: a membership, same password.
	const r = await run(COLMENA, ['user-create', '--store', slug('b'), '--email', mail('m'), '--role', 'admin'],
	    { COLMENA_PASSWORD: 'Another-pass-2!' });
	check('setup: user-create of an existing person adds a membership, password unchanged',
	    r.code === 0 && /unchanged/.test(r.out), `${r.code} ${r.out} ${r.err}`);
	for (const u of await rows(`SELECT lower(email) AS email, id FROM users WHERE email LIKE ${lit(`%-${SFX}@adm.test`)}`))
		ctx.users[u.email] = u.id;
}

const uid = (who) => ctx.users[mail(who)];
const A = () => ctx.stores.a;
const B = () => ctx.stores.b;
const ST = () => ctx.stores.st;

// ---------------------------------------------------------------- 1. role matrix

// Every route of the program (--routes) with what admin.c's table says it needs.
function routeTable() {
	const out = spawnSync(ADMIN_BIN, ['--routes'], { encoding: 'utf8' });
	check('admin --routes lists the routes', out.status === 0 && /\/api\/v1\/admin\//.test(out.stdout),
	    `${out.status} ${out.stderr}`);
	const listed = out.stdout.split('\n').map((l) => l.trim()).filter((l) => /^[A-Z]+ \/api\/v1\/admin\//.test(l));
	const srcText = readFileSync(`${SRC}/cgi-bin/admin.c`, 'utf8');
	const needs = new Map();
	const re = /\bR\(\s*METHOD_([A-Z]+)\s*,\s*"([^"]+)"\s*,\s*(\w+)\s*,\s*([^)]*?)\s*\)\s*,/g;
	for (let m; (m = re.exec(srcText)) !== null;) {
		const [, method, path, , needText] = m;
		let need = null;
		const pm = /^"([a-z_]+\.[a-z_*]+)"\s*,\s*(.+)$/.exec(needText);
		if (pm) {
			need = { perm: pm[1], flags: pm[2] };
			if (/NEED_(USER|MANAGER|SESSION|PUBLIC)/.test(pm[2]))
				need = null;	/* a combination this test does not know */
		} else if (['PUBLIC', 'USER', 'SESSION', 'MANAGER', 'ANY_STAFF'].includes(needText)) {
			need = { kind: needText };
		}
		needs.set(`${method} ${path}`, need);
	}
	for (const l of listed)
		check(`route ${l}: its need is declared in admin.c and understood by this test`,
		    needs.has(l) && needs.get(l) !== null, `need: ${JSON.stringify(needs.get(l))}`);
	for (const k of needs.keys())
		check(`route ${k} of admin.c is served (admin --routes)`, listed.includes(k), listed.join(', '));
	return listed.filter((l) => needs.get(l)).map((l) => {
		const [method, path] = l.split(' ');
		return { method, path, need: needs.get(l) };
	});
}

function permMatch(granted, wanted) {
	if (granted === '*')
		return true;
	if (granted.endsWith('.*'))
		return wanted.startsWith(granted.slice(0, -1)) && wanted.length > granted.length - 1;
	return granted === wanted;
}

// What a credential should get: 'allow', 403, 401, or null (not tested).
function expected(need, cred) {
	if (need.kind === 'PUBLIC')
		return null;
	if (need.kind === 'SESSION')
		return 401;	/* a bearer credential is not the session cookie */
	if ((need.kind === 'USER' || need.kind === 'MANAGER') && cred.kind === 'key')
		return 403;
	if (need.kind === 'MANAGER' && cred.role !== 'owner' && cred.role !== 'admin')
		return 403;
	if (need.perm && !cred.perms.some((g) => permMatch(g, need.perm)))
		return 403;
	return 'allow';
}

async function matrix() {
	const routes = routeTable();
	const [to, ta, te] = await Promise.all([token(mail('oa')), token(mail('aa')), token(mail('ea'))]);
	for (const [role, t] of [['owner', to], ['admin', ta], ['editor', te]]) {
		let claims = {};
		try {
			claims = decodeJwt(t);
		} catch { /* checked below */ }
		check(`matrix: the ${role}'s token carries the role's permissions`,
		    claims.role === role && same(claims.permissions, ROLE_PERMS[role]), claims);
	}
	const mkKey = async (name, perms) => {
		const r = await api('POST', '/api/v1/admin/api-keys', { token: to, body: { name, permissions: perms } });
		ok(`matrix: owner creates API key ${JSON.stringify(perms)}`, r, 201);
		return r.data ? r.data.key : 'ck_none';
	};
	const creds = [
		{ name: 'owner JWT', kind: 'jwt', role: 'owner', perms: ROLE_PERMS.owner, token: to },
		{ name: 'admin JWT', kind: 'jwt', role: 'admin', perms: ROLE_PERMS.admin, token: ta },
		{ name: 'editor JWT', kind: 'jwt', role: 'editor', perms: ROLE_PERMS.editor, token: te },
		{ name: 'API key [products.read]', kind: 'key', perms: ['products.read'], token: await mkKey('matrix read', ['products.read']) },
		{ name: 'API key [*]', kind: 'key', perms: ['*'], token: await mkKey('matrix all', ['*']) },
	];
	let tested = 0;
	for (const rt of routes) {
		const path = rt.path.replace(/\{[a-z]+\}/g, () => randomUUID());
		for (const c of creds) {
			const want = expected(rt.need, c);
			if (want === null)
				continue;
			tested++;
			const o = { token: c.token };
			if (rt.method !== 'GET')
				o.body = {};	/* invalid everywhere: an allowed write stops at validation */
			const r = await api(rt.method, path, o);
			r.req = `${rt.method} ${rt.path}`;
			const name = `matrix: ${rt.method} ${rt.path} as ${c.name}`;
			if (want === 'allow') {
				check(`${name} is allowed`, [200, 201, 400, 404].includes(r.status) && envelope(r) &&
				    (r.status !== 400 || r.json.error.code === 'VALIDATION_ERROR'), () => show(r));
			} else if (want === 403) {
				err(`${name} is forbidden`, r, 403, 'FORBIDDEN');
			} else {
				err(`${name} needs the session cookie`, r, 401, 'UNAUTHORIZED');
			}
		}
	}
	check('matrix: routes were tested', tested >= 100, `only ${tested} requests`);
}

// ---------------------------------------------------------------- 2/3. sign-in and JWTs

async function jwtArea() {
	const a = A();
	const r = await signIn(mail('oa'));
	ok('sign-in: POST /auth/token', r);
	const d = r.data || {};
	check('sign-in: answer names the person, store, role and permissions',
	    d.tokenType === 'Bearer' && typeof d.token === 'string' && d.user && d.user.id === uid('oa') &&
	    d.user.email === mail('oa') && d.store && d.store.id === a.id && d.store.slug === a.slug &&
	    d.role === 'owner' && same(d.permissions, ['*']) && Array.isArray(d.stores) &&
	    d.stores.some((s) => s.id === a.id), d);
	try {
		const { payload, protectedHeader } = await jwtVerify(d.token, KEY, { algorithms: ['HS256'] });
		check('sign-in: the token verifies with jose (HS256)', protectedHeader.alg === 'HS256', protectedHeader);
		check('sign-in: the token has sub, storeId, role, permissions, iat, exp',
		    payload.sub === uid('oa') && payload.storeId === a.id && payload.role === 'owner' &&
		    same(payload.permissions, ['*']) && Number.isInteger(payload.iat) && Number.isInteger(payload.exp) &&
		    Math.abs(payload.iat - now()) < 120 && payload.exp - payload.iat === d.expiresIn, payload);
	} catch (e) {
		check('sign-in: the token verifies with jose (HS256)', false, e.message);
	}
	const te = await token(mail('ea'));
	try {
		const { payload } = await jwtVerify(te, KEY, { algorithms: ['HS256'] });
		check('sign-in: an editor\'s token has the editor\'s permissions',
		    payload.role === 'editor' && same(payload.permissions, ROLE_PERMS.editor), payload);
	} catch (e) {
		check('sign-in: an editor\'s token verifies', false, e.message);
	}

	// Bad credentials: each 401 with the envelope and WWW-Authenticate.
	unauth('jwt: no credential', await api('GET', '/api/v1/admin/me'));
	unauth('jwt: Basic scheme', await api('GET', '/api/v1/admin/me',
	    { headers: { Authorization: 'Basic ' + Buffer.from(`${mail('ea')}:${PW}`).toString('base64') } }));
	const base = {
		sub: uid('ea'), storeId: a.id, role: 'editor', permissions: ROLE_PERMS.editor,
	};
	const sign = (claims, alg = 'HS256', key = KEY) => new SignJWT(claims)
	    .setProtectedHeader({ alg, typ: 'JWT' }).sign(key);
	const good = await sign({ ...base, iat: now(), exp: now() + 600 });
	ok('jwt: a token jose signs with the secret is accepted (control)',
	    await api('GET', '/api/v1/admin/me', { token: good }));
	unauth('jwt: expired', await api('GET', '/api/v1/admin/me',
	    { token: await sign({ ...base, iat: now() - 7200, exp: now() - 3600 }) }));
	const [h, p, s] = te.split('.');
	const pl = JSON.parse(Buffer.from(p, 'base64url').toString());
	const forged = Buffer.from(JSON.stringify({ ...pl, role: 'owner', permissions: ['*'] })).toString('base64url');
	unauth('jwt: altered payload (role owner), signature kept', await api('GET', '/api/v1/admin/users',
	    { token: `${h}.${forged}.${s}` }));
	const moved = Buffer.from(JSON.stringify({ ...pl, storeId: B().id })).toString('base64url');
	unauth('jwt: altered payload (other store), signature kept', await api('GET', '/api/v1/admin/me',
	    { token: `${h}.${moved}.${s}` }));
	unauth('jwt: alg none', await api('GET', '/api/v1/admin/me',
	    { token: new UnsecuredJWT({ ...base, iat: now(), exp: now() + 600 }).encode() }));
	unauth('jwt: alg none header on a signed payload', await api('GET', '/api/v1/admin/me',
	    { token: `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.` }));
	unauth('jwt: HS384 with the right secret', await api('GET', '/api/v1/admin/me',
	    { token: await sign({ ...base, iat: now(), exp: now() + 600 }, 'HS384') }));
	unauth('jwt: HS256 with the wrong secret', await api('GET', '/api/v1/admin/me',
	    { token: await sign({ ...base, iat: now(), exp: now() + 600 }, 'HS256',
	        new TextEncoder().encode('another-secret-0123456789abcdefghijklmnop')) }));
	unauth('jwt: sub that is no UUID', await api('GET', '/api/v1/admin/me',
	    { token: await sign({ ...base, sub: 'root', iat: now(), exp: now() + 600 }) }));
	unauth('jwt: a valid token of someone not staff of the claimed store', await api('GET', '/api/v1/admin/me',
	    { token: await sign({ ...base, storeId: B().id, iat: now(), exp: now() + 600 }) }));
	unauth('jwt: garbage bearer', await api('GET', '/api/v1/admin/me', { token: 'not.a.jwt' }));
	unauth('jwt: iat an hour ahead', await api('GET', '/api/v1/admin/me',
	    { token: await sign({ ...base, iat: now() + 3600, exp: now() + 7200 }) }));
	unauth('jwt: no exp', await api('GET', '/api/v1/admin/me', { token: await sign({ ...base, iat: now() }) }));
	err('sign-in: for a store the person is not staff of', await signIn(mail('oa'), PW, { store: B().slug }),
	    403, 'FORBIDDEN');

	// Tenancy: A's owner on B's product and category by id.
	const tb = await token(mail('ob'));
	const to = await token(mail('oa'));
	const pb = await api('POST', '/api/v1/admin/products', { token: tb, body: { name: 'B only', price: 3.5 } });
	ok('tenancy: B\'s owner creates a product', pb, 201);
	const cb = await api('POST', '/api/v1/admin/categories', { token: tb, body: { name: 'B shelf' } });
	ok('tenancy: B\'s owner creates a category', cb, 201);
	ctx.bCategory = cb.data && cb.data.id;
	ctx.bProduct = pb.data && pb.data.id;
	const pid = ctx.bProduct || randomUUID();
	err('tenancy: A\'s token GETs B\'s product: 404', await api('GET', `/api/v1/admin/products/${pid}`, { token: to }),
	    404, 'NOT_FOUND');
	err('tenancy: A\'s token PATCHes B\'s product: 404', await api('PATCH', `/api/v1/admin/products/${pid}`,
	    { token: to, body: { name: 'Taken over', price: 1 } }), 404, 'NOT_FOUND');
	err('tenancy: A\'s token DELETEs B\'s product: 404', await api('DELETE', `/api/v1/admin/products/${pid}`,
	    { token: to }), 404, 'NOT_FOUND');
	err('tenancy: A\'s token hard-DELETEs B\'s product: 404', await api('DELETE',
	    `/api/v1/admin/products/${pid}?hard=true`, { token: to }), 404, 'NOT_FOUND');
	err('tenancy: A\'s token GETs B\'s category: 404', await api('GET',
	    `/api/v1/admin/categories/${ctx.bCategory || randomUUID()}`, { token: to }), 404, 'NOT_FOUND');
	err('tenancy: A\'s token PATCHes B\'s category: 404', await api('PATCH',
	    `/api/v1/admin/categories/${ctx.bCategory || randomUUID()}`, { token: to, body: { name: 'Mine' } }),
	    404, 'NOT_FOUND');
	const after = await api('GET', `/api/v1/admin/products/${pid}`, { token: tb });
	check('tenancy: B\'s product is unchanged', after.status === 200 && pb.data &&
	    same({ ...after.data }, { ...pb.data }), () => `${show(after)} vs ${JSON.stringify(pb.data)}`);
	const list = await api('GET', '/api/v1/admin/products?limit=100', { token: to });
	check('tenancy: A\'s product list holds none of B\'s', list.status === 200 && Array.isArray(list.data) &&
	    !list.data.some((x) => x.id === pid), () => show(list));
}

// ---------------------------------------------------------------- 2. lockout and enumeration

async function lockout() {
	const known = mail('lki');	/* a k and an i: see the case-folding checks */
	const ghost = mail('ghost');
	const wrong = 'Wrong-pass-9!';
	const tk = [];
	const tu = [];
	const answers = [];
	// Pairs at once (two admin processes): both see the same load.
	for (let i = 0; i < LOCK_FAILURES; i++) {
		const [rk, ru] = await Promise.all([signIn(known, wrong), signIn(ghost, wrong)]);
		tk.push(rk.ms);
		tu.push(ru.ms);
		answers.push([rk, ru]);
	}
	answers.forEach(([rk, ru], i) => {
		err(`lockout: wrong password, failure ${i + 1}`, rk, 401, 'INVALID_CREDENTIALS');
		err(`lockout: unknown email, failure ${i + 1}`, ru, 401, 'INVALID_CREDENTIALS');
		check(`enumeration: failure ${i + 1}: unknown email and wrong password answer alike`,
		    rk.status === ru.status && same(rk.json && rk.json.error, ru.json && ru.json.error),
		    () => `${show(rk)} / ${show(ru)}`);
	});
	const mk = median(tk);
	const mu = median(tu);
	check('enumeration: wrong password and unknown email take time of the same order (ratio < 3)',
	    mk / mu < 3 && mu / mk < 3, `median ${mk.toFixed(1)} ms vs ${mu.toFixed(1)} ms`);

	const locked = await signIn(known, wrong);
	err(`lockout: after ${LOCK_FAILURES} failures: 429`, locked, 429, 'RATE_LIMITED');
	const ra = Number(locked.headers.get('retry-after'));
	check('lockout: Retry-After in seconds, up to the lock time', Number.isInteger(ra) && ra > 0 && ra <= 15 * 60,
	    `Retry-After: ${locked.headers.get('retry-after')}`);
	err('lockout: the right password is refused while locked', await signIn(known, PW), 429, 'RATE_LIMITED');
	err('lockout: the address in other capitals is locked too', await signIn(known.toUpperCase(), PW),
	    429, 'RATE_LIMITED');
	err('lockout: session sign-in is locked too', await sessionIn(known, PW), 429, 'RATE_LIMITED');
	const lockedGhost = await signIn(ghost, wrong);
	err('lockout: an unknown email is locked the same way', lockedGhost, 429, 'RATE_LIMITED');
	check('enumeration: the lock answers alike for known and unknown addresses',
	    lockedGhost.status === locked.status && same(lockedGhost.json && lockedGhost.json.error, locked.json && locked.json.error) &&
	    lockedGhost.headers.has('retry-after'), () => `${show(locked)} / ${show(lockedGhost)}`);
	const db = await rows(`SELECT encode(email_hash, 'hex') AS h, failures, locked_until > now() AS locked
	    FROM login_throttle WHERE email_hash IN (decode(${lit(sha256hex(known))}, 'hex'),
	    decode(${lit(sha256hex(ghost))}, 'hex'))`);
	check('lockout: both locks are rows of login_throttle (shared by every process)',
	    db.length === 2 && db.every((x) => x.locked === true), db);

	// The account is found by PostgreSQL's lower(), which folds U+212A KELVIN
	// SIGN to "k" (and U+0130 to "i"): the same account, so the same lock.
	const kelvin = known.replace('k', '\u212A');
	err('lockout: the address spelt with U+212A KELVIN SIGN for k is locked too', await signIn(kelvin, PW),
	    429, 'RATE_LIMITED');
	err('lockout: the address spelt with U+0130 (capital I with dot) for i is locked too',
	    await signIn(known.replace('i', '\u0130'), PW), 429, 'RATE_LIMITED');

	// A completed password reset lifts the lock (confirm_unlock_sql).
	ok('lockout: a reset can be asked for while locked', await api('POST', '/api/v1/admin/auth/password-reset',
	    { body: { email: known } }), 202);
	const mailRow = await outbox(known, 'password_reset');
	const tok = tokenInLink(mailRow && mailRow.body_text, '/admin/reset');
	ok('lockout: the reset is confirmed', await api('POST', '/api/v1/admin/auth/password-reset/confirm',
	    { body: { token: tok || 'none', password: 'Unlocked-pass-3!' } }));
	ok('lockout: after the reset the new password signs in', await signIn(known, 'Unlocked-pass-3!'));
}

// ---------------------------------------------------------------- 4. sessions

async function sessions() {
	const who = mail('s');
	const jwtBefore = await token(who);
	const sess = [];
	for (let i = 0; i <= SESSION_MAX; i++) {
		const r = await sessionIn(who);
		ok(`session: sign-in ${i + 1}`, r, 201);
		sess.push({ r, cookie: sessionCookie(r), csrf: r.data && r.data.csrfToken });
	}
	const first = sess[0];
	const c = first.cookie;
	check('session: Set-Cookie colmena_session', c !== null && c.value.length >= 32, first.r.headers.get('set-cookie'));
	const attrs = c ? c.attrs.map((x) => x.toLowerCase()) : [];
	check('session: cookie is HttpOnly, Secure, SameSite=Strict, Path=/',
	    attrs.includes('httponly') && attrs.includes('secure') && attrs.includes('samesite=strict') &&
	    attrs.includes('path=/'), c && c.raw);
	check('session: sign-in answers a CSRF token', typeof first.csrf === 'string' && first.csrf.length >= 20,
	    () => show(first.r));
	// At most SESSION_MAX: the first has ended, the others work.
	const ended = await api('GET', '/api/v1/admin/auth/session', { cookie: c ? c.value : 'x' });
	unauth('session: the oldest of 6 sessions has ended', ended);
	const clr = sessionCookie(ended);
	check('session: an ended session\'s cookie is cleared', clr !== null && clr.value === '' &&
	    clr.attrs.some((x) => /^max-age=0$/i.test(x)), clr && clr.raw);
	const cur = sess[1];
	const g = await api('GET', '/api/v1/admin/auth/session', { cookie: cur.cookie && cur.cookie.value });
	ok('session: GET /auth/session', g);
	check('session: GET /auth/session answers the CSRF token and person', g.data && g.data.csrfToken === cur.csrf &&
	    g.data.user && g.data.user.email === who && g.data.store && g.data.store.id === A().id, () => show(g));
	for (let i = 2; i <= SESSION_MAX; i++)
		ok(`session: session ${i + 1} still works`, await api('GET', '/api/v1/admin/me',
		    { cookie: sess[i].cookie && sess[i].cookie.value }));
	const me = await api('GET', '/api/v1/admin/me', { cookie: cur.cookie.value });
	check('session: /me says the credential is the session', me.data && me.data.credential === 'session', () => show(me));

	// CSRF on writes.
	const ck = cur.cookie.value;
	err('csrf: PATCH /me with the cookie and no X-CSRF-Token', await api('PATCH', '/api/v1/admin/me',
	    { cookie: ck, body: { name: 'No Token' } }), 403, 'CSRF_TOKEN_INVALID');
	err('csrf: PATCH /me with a wrong X-CSRF-Token', await api('PATCH', '/api/v1/admin/me',
	    { cookie: ck, csrf: randomBytes(32).toString('base64url'), body: { name: 'Wrong Token' } }),
	    403, 'CSRF_TOKEN_INVALID');
	err('csrf: another session\'s token is wrong too', await api('PATCH', '/api/v1/admin/me',
	    { cookie: ck, csrf: sess[2].csrf, body: { name: 'Wrong Token' } }), 403, 'CSRF_TOKEN_INVALID');
	const named = await api('PATCH', '/api/v1/admin/me', { cookie: ck, csrf: cur.csrf, body: { name: 'Session Person' } });
	ok('csrf: PATCH /me with the right token', named);
	check('csrf: the name changed', named.data && named.data.name === 'Session Person', () => show(named));
	const dbName = await sql(`SELECT name FROM users WHERE id = ${lit(uid('s'))}`);
	check('csrf: refused writes changed nothing', dbName === 'Session Person', dbName);
	const au = await rows(`SELECT actor, store_id, old_values->>'name' AS old, new_values->>'name' AS new
	    FROM audit_logs WHERE entity_type = 'users' AND entity_id = ${lit(uid('s'))} ORDER BY id`, A().id);
	check('audit: PATCH /me is logged in the store acted for, by the person', au.length === 1 &&
	    au[0].actor === `user:${uid('s')}` && au[0].store_id === A().id && au[0].old === null &&
	    au[0].new === 'Session Person', au);

	// Password change from the last session: the others end, it stays.
	const last = sess[SESSION_MAX];
	const chg = await api('POST', '/api/v1/admin/me/password', { cookie: last.cookie.value, csrf: last.csrf,
	    body: { currentPassword: PW, newPassword: 'Changed-pass-2!' } });
	ok('password change: from a session', chg);
	check('password change: a session gets no token', chg.data && chg.data.passwordChanged === true &&
	    !('token' in chg.data), () => show(chg));
	for (let i = 1; i < SESSION_MAX; i++)
		unauth(`password change: other session ${i + 1} has ended`, await api('GET', '/api/v1/admin/me',
		    { cookie: sess[i].cookie.value }));
	ok('password change: the current session goes on', await api('GET', '/api/v1/admin/me',
	    { cookie: last.cookie.value }));
	unauth('password change: a token issued before it is refused', await api('GET', '/api/v1/admin/me',
	    { token: jwtBefore }));

	// Sign out.
	err('sign-out: DELETE /auth/session needs the CSRF token', await api('DELETE', '/api/v1/admin/auth/session',
	    { cookie: last.cookie.value }), 403, 'CSRF_TOKEN_INVALID');
	const out = await api('DELETE', '/api/v1/admin/auth/session', { cookie: last.cookie.value, csrf: last.csrf });
	ok('sign-out: DELETE /auth/session', out);
	const cleared = sessionCookie(out);
	check('sign-out: the cookie is cleared', cleared !== null && cleared.value === '' &&
	    cleared.attrs.some((x) => /^max-age=0$/i.test(x)), cleared && cleared.raw);
	unauth('sign-out: the cookie no longer works', await api('GET', '/api/v1/admin/auth/session',
	    { cookie: last.cookie.value }));
	unauth('session: a made-up cookie', await api('GET', '/api/v1/admin/me', { cookie: randomBytes(32).toString('base64url') }));

	// Password change with a JWT: a fresh token comes back, the old one ends.
	const t2 = await tokenFor(who, 'Changed-pass-2!');
	const sx = await sessionIn(who, 'Changed-pass-2!');
	ok('password change: one more session', sx, 201);
	const sxc = sessionCookie(sx);
	await sleep(1100);	/* tokens carry whole seconds */
	const chg2 = await api('POST', '/api/v1/admin/me/password', { token: t2,
	    body: { currentPassword: 'Changed-pass-2!', newPassword: 'Changed-pass-3!' } });
	ok('password change: with a token', chg2);
	err('password change: a wrong current password', await api('POST', '/api/v1/admin/me/password',
	    { token: chg2.data && chg2.data.token, body: { currentPassword: 'Nope-nope-1!', newPassword: 'Changed-pass-4!' } }),
	    400, 'VALIDATION_ERROR', 'currentPassword');
	ok('password change: the token it answers works', await api('GET', '/api/v1/admin/me',
	    { token: chg2.data && chg2.data.token }));
	unauth('password change: the token used for it is refused now', await api('GET', '/api/v1/admin/me', { token: t2 }));
	unauth('password change with a token ends every session', await api('GET', '/api/v1/admin/me',
	    { cookie: sxc ? sxc.value : 'x' }));
	const pa = await rows(`SELECT actor, store_id, old_values, new_values FROM audit_logs
	    WHERE entity_type = 'users' AND entity_id = ${lit(uid('s'))} ORDER BY id`, A().id);
	check('audit: password changes are logged without the hash', pa.length === 3 &&
	    pa.slice(1).every((x) => x.actor === `user:${uid('s')}` &&
	        x.old_values.password_changed_at !== x.new_values.password_changed_at) &&
	    !/password_hash|\$s1\$|scrypt/.test(JSON.stringify(pa)), pa);
}

// ---------------------------------------------------------------- 4. switching store

async function switching() {
	const who = mail('m');
	const a = A();
	const b = B();
	const s = await sessionIn(who, PW, { store: a.slug });
	ok('switch: session sign-in for store A', s, 201);
	check('switch: sign-in lists both stores with their roles', s.data && s.data.role === 'editor' &&
	    Array.isArray(s.data.stores) && s.data.stores.length === 2 &&
	    s.data.stores.some((x) => x.id === b.id && x.role === 'admin') &&
	    s.data.stores.some((x) => x.id === a.id && x.role === 'editor'), () => show(s));
	const ck = sessionCookie(s);
	const cookie = ck ? ck.value : 'x';
	const csrf = s.data && s.data.csrfToken;
	err('switch: as A\'s editor, API keys are forbidden', await api('GET', '/api/v1/admin/api-keys', { cookie }),
	    403, 'FORBIDDEN');
	err('switch: PUT /auth/session/store needs the CSRF token', await api('PUT', '/api/v1/admin/auth/session/store',
	    { cookie, body: { store: b.slug } }), 403, 'CSRF_TOKEN_INVALID');
	const sw = await api('PUT', '/api/v1/admin/auth/session/store', { cookie, csrf, body: { store: b.slug } });
	ok('switch: PUT /auth/session/store {store: B slug}', sw);
	check('switch: now B\'s admin', sw.data && sw.data.store && sw.data.store.id === b.id && sw.data.role === 'admin' &&
	    same(sw.data.permissions, ROLE_PERMS.admin), () => show(sw));
	const me = await api('GET', '/api/v1/admin/me', { cookie });
	check('switch: /me acts for B as admin', me.status === 200 && me.data.store.id === b.id && me.data.role === 'admin',
	    () => show(me));
	ok('switch: as B\'s admin, API keys are allowed', await api('GET', '/api/v1/admin/api-keys', { cookie }));
	const set = await api('GET', '/api/v1/admin/settings', { cookie });
	check('switch: settings are B\'s', set.status === 200 && set.data.id === b.id, () => show(set));
	ok('switch: by id works too', await api('PUT', '/api/v1/admin/auth/session/store',
	    { cookie, csrf, body: { store: a.id } }));
	const me2 = await api('GET', '/api/v1/admin/me', { cookie });
	check('switch: back in A as editor', me2.status === 200 && me2.data.store.id === a.id && me2.data.role === 'editor',
	    () => show(me2));
	err('switch: a store they are not staff of', await api('PUT', '/api/v1/admin/auth/session/store',
	    { cookie, csrf, body: { store: ST().slug } }), 403, 'FORBIDDEN');
	err('switch: the demo store (not theirs)', await api('PUT', '/api/v1/admin/auth/session/store',
	    { cookie, csrf, body: { store: 'demo' } }), 403, 'FORBIDDEN');
	const me3 = await api('GET', '/api/v1/admin/me', { cookie });
	check('switch: a refused switch leaves the session where it was', me3.status === 200 && me3.data.store.id === a.id,
	    () => show(me3));

	// Tokens: a token for another of the person's stores, no password.
	const ta = await tokenFor(who, PW, { store: a.slug });
	const st = await api('GET', '/api/v1/admin/auth/stores', { token: ta });
	check('switch: GET /auth/stores lists both', st.status === 200 && Array.isArray(st.data) && st.data.length === 2,
	    () => show(st));
	const tb = await api('POST', '/api/v1/admin/auth/token', { token: ta, body: { store: b.slug } });
	ok('switch: POST /auth/token with a token and {store}', tb);
	let claims = {};
	try {
		claims = (await jwtVerify(tb.data && tb.data.token, KEY, { algorithms: ['HS256'] })).payload;
	} catch { /* checked below */ }
	check('switch: the new token is for B as admin', claims.storeId === b.id && claims.role === 'admin' &&
	    claims.sub === uid('m'), claims);
	const sb = await api('GET', '/api/v1/admin/settings', { token: tb.data && tb.data.token });
	check('switch: the new token acts for B', sb.status === 200 && sb.data.id === b.id, () => show(sb));
	err('switch: a token for a store they are not staff of', await api('POST', '/api/v1/admin/auth/token',
	    { token: ta, body: { store: ST().slug } }), 403, 'FORBIDDEN');
	await sql(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = ${lit(uid('m'))}`);
	unauth('session: an expired session', await api('GET', '/api/v1/admin/me', { cookie }));
	err('switch: {store} with no credential', await api('POST', '/api/v1/admin/auth/token',
	    { body: { store: b.slug } }), 401, 'UNAUTHORIZED');
}

// ---------------------------------------------------------------- 5. MFA

async function totp() {
	const who = mail('t');
	const t = await token(who);
	const en = await api('POST', '/api/v1/admin/me/mfa/totp', { token: t });
	ok('totp: enrolment starts', en);
	const secret = en.data && en.data.secret;
	let uri = null;
	try {
		uri = new URL(en.data.otpauthUri);
	} catch { /* checked below */ }
	check('totp: secret and otpauth URI', typeof secret === 'string' && /^[A-Z2-7]{32}$/.test(secret) && uri &&
	    uri.protocol === 'otpauth:' && uri.host === 'totp' && uri.searchParams.get('secret') === secret &&
	    decodeURIComponent(uri.pathname).includes(who), () => show(en));
	err('totp: a wrong first code', await api('POST', '/api/v1/admin/me/mfa/totp/confirm',
	    { token: t, body: { code: await generate({ secret, epoch: now() + 3600 }) } }), 400, 'VALIDATION_ERROR', 'code');
	const cf = await api('POST', '/api/v1/admin/me/mfa/totp/confirm',
	    { token: t, body: { code: await generate({ secret, epoch: now() }) } });
	ok('totp: confirmed with an otplib code', cf);
	const codes = (cf.data && cf.data.backupCodes) || [];
	check('totp: 10 backup codes', codes.length === 10 && codes.every((c) => /^[a-z2-7]{5}-[a-z2-7]{5}$/.test(c)) &&
	    new Set(codes).size === 10, () => show(cf));
	const me = await api('GET', '/api/v1/admin/me', { token: t });
	check('totp: /me shows MFA on', me.data && me.data.mfa && me.data.mfa.enabled === true &&
	    me.data.mfa.method === 'totp' && me.data.mfa.backupCodesLeft === 10, () => show(me));
	err('totp: enrolling again while on', await api('POST', '/api/v1/admin/me/mfa/totp', { token: t }), 409, 'CONFLICT');

	const need = await signIn(who);
	err('totp: sign-in without a code', need, 401, 'MFA_REQUIRED');
	check('totp: MFA_REQUIRED names the methods', need.error && need.error.details &&
	    same(need.error.details.methods, ['totp', 'backup']), () => show(need));
	check('totp: MFA_REQUIRED gives no token', !(need.text || '').includes('"token"'), () => show(need));
	const next = await generate({ secret, epoch: now() + 30 });
	const good = await signIn(who, PW, { mfaCode: next });
	ok('totp: sign-in with an otplib code', good);
	err('totp: the same code again is refused', await signIn(who, PW, { mfaCode: next }), 401, 'INVALID_CREDENTIALS');
	err('totp: a wrong password with a code', await signIn(who, 'Wrong-pass-1!', { mfaCode: '123456' }),
	    401, 'INVALID_CREDENTIALS');
	ok('totp: a backup code signs in', await signIn(who, PW, { mfaCode: codes[0] }));
	err('totp: the backup code again is refused', await signIn(who, PW, { mfaCode: codes[0] }), 401, 'INVALID_CREDENTIALS');
	err('totp: new backup codes need the password', await api('POST', '/api/v1/admin/me/mfa/backup-codes',
	    { token: t, body: { password: 'Wrong-pass-1!' } }), 400, 'VALIDATION_ERROR', 'password');
	const regen = await api('POST', '/api/v1/admin/me/mfa/backup-codes', { token: t, body: { password: PW } });
	ok('totp: backup codes regenerated', regen);
	const fresh = (regen.data && regen.data.backupCodes) || [];
	check('totp: 10 new codes, none of the old', fresh.length === 10 && !fresh.some((c) => codes.includes(c)),
	    () => show(regen));
	err('totp: an unused old backup code is void', await signIn(who, PW, { mfaCode: codes[1] }),
	    401, 'INVALID_CREDENTIALS');
	ok('totp: a new backup code signs in', await signIn(who, PW, { mfaCode: fresh[0] }));
	const me2 = await api('GET', '/api/v1/admin/me', { token: t });
	check('totp: 9 backup codes left', me2.data && me2.data.mfa && me2.data.mfa.backupCodesLeft === 9, () => show(me2));
	err('totp: disabling needs the password', await api('DELETE', '/api/v1/admin/me/mfa',
	    { token: t, body: { password: 'Wrong-pass-1!' } }), 400, 'VALIDATION_ERROR', 'password');
	const off = await api('DELETE', '/api/v1/admin/me/mfa', { token: t, body: { password: PW } });
	ok('totp: disabled', off);
	check('totp: disabled says so', off.data && off.data.enabled === false, () => show(off));
	ok('totp: sign-in without a code after disabling', await signIn(who));
	const left = await sql(`SELECT count(*) FROM mfa_backup_codes WHERE user_id = ${lit(uid('t'))}`);
	check('totp: disabling voids the backup codes', left === '0', left);
	const ta = await rows(`SELECT actor, old_values->>'mfa_method' AS old, new_values->>'mfa_method' AS new,
	    old_values::text || new_values::text AS j FROM audit_logs
	    WHERE entity_type = 'users' AND entity_id = ${lit(uid('t'))} ORDER BY id`, A().id);
	check('audit: TOTP on and off are logged, without the secret', ta.length === 2 &&
	    ta[0].new === 'totp' && ta[1].old === 'totp' && ta[1].new === null &&
	    ta.every((x) => x.actor === `user:${uid('t')}` && !x.j.includes(secret) && !/totp_secret|totp_pending/.test(x.j)), ta);
}

async function emailMfa() {
	const who = mail('e');
	const t = await token(who);
	err('email mfa: needs the password', await api('POST', '/api/v1/admin/me/mfa/email',
	    { token: t, body: { password: 'Wrong-pass-1!' } }), 400, 'VALIDATION_ERROR', 'password');
	const on = await api('POST', '/api/v1/admin/me/mfa/email', { token: t, body: { password: PW } });
	ok('email mfa: turned on', on);
	check('email mfa: method email and 10 backup codes', on.data && on.data.method === 'email' &&
	    Array.isArray(on.data.backupCodes) && on.data.backupCodes.length === 10, () => show(on));
	const before = await sql(`SELECT coalesce(max(id), 0) FROM outbox WHERE lower(recipient) = lower(${lit(who)})`);
	const need = await signIn(who);
	err('email mfa: sign-in without a code', need, 401, 'MFA_REQUIRED');
	check('email mfa: MFA_REQUIRED names the methods', need.error && need.error.details &&
	    same(need.error.details.methods, ['email', 'backup']), () => show(need));
	const row = await outbox(who, 'mfa_code');
	const m = row && /\b(\d{6})\b/.exec(row.body_text);
	check('email mfa: an outbox row (mfa_code) to the address holds a 6-digit code',
	    row !== null && Number(row.id) > Number(before) && m !== null, row);
	const code = m ? m[1] : '000000';
	err('email mfa: a wrong code', await signIn(who, PW, { mfaCode: code === '111111' ? '222222' : '111111' }),
	    401, 'INVALID_CREDENTIALS');
	ok('email mfa: sign-in with the emailed code', await signIn(who, PW, { mfaCode: code }));
	err('email mfa: the code again is refused', await signIn(who, PW, { mfaCode: code }), 401, 'INVALID_CREDENTIALS');
	err('email mfa: another code is sent', await signIn(who), 401, 'MFA_REQUIRED');
	const row2 = await outbox(who, 'mfa_code');
	const m2 = row2 && /\b(\d{6})\b/.exec(row2.body_text);
	check('email mfa: a new outbox row', row2 && row && row2.id !== row.id && m2, row2);
	await sql(`UPDATE users SET email_code_expires_at = now() - interval '1 second' WHERE id = ${lit(uid('e'))}`);
	err('email mfa: an expired code is refused', await signIn(who, PW, { mfaCode: m2 ? m2[1] : '000000' }),
	    401, 'INVALID_CREDENTIALS');
}

// ---------------------------------------------------------------- 6. password reset

async function reset() {
	const who = mail('r');
	const ghost = mail('nobody');
	const sess = await sessionIn(who);
	ok('reset: a session before the reset', sess, 201);
	const sck = sessionCookie(sess);
	const rk = await api('POST', '/api/v1/admin/auth/password-reset', { body: { email: who } });
	const ru = await api('POST', '/api/v1/admin/auth/password-reset', { body: { email: ghost } });
	ok('reset: a known address: 202', rk, 202);
	ok('reset: an unknown address: 202', ru, 202);
	const strip = (r) => r.json && { ...r.json, meta: undefined };
	check('reset: known and unknown answer alike (but meta)', rk.status === ru.status && same(strip(rk), strip(ru)),
	    () => `${show(rk)} / ${show(ru)}`);
	const row0 = await outbox(who, 'password_reset');
	const tok0 = tokenInLink(row0 && row0.body_text, '/admin/reset');
	check('reset: an outbox row (password_reset) with a ?token= link', row0 !== null && tok0 !== null, row0);
	ok('reset: asked twice', await api('POST', '/api/v1/admin/auth/password-reset', { body: { email: who } }), 202);
	const row = await outbox(who, 'password_reset');
	const tok = tokenInLink(row && row.body_text, '/admin/reset');
	check('reset: a second link', tok !== null && tok !== tok0 && row.id !== row0.id, row);
	const none = await sql(`SELECT count(*) FROM outbox WHERE lower(recipient) = lower(${lit(ghost)})`);
	check('reset: no outbox row for the unknown address', none === '0', none);
	err('reset: a bad email', await api('POST', '/api/v1/admin/auth/password-reset', { body: { email: 'nope' } }),
	    400, 'VALIDATION_ERROR', 'email');
	const weak = await api('POST', '/api/v1/admin/auth/password-reset/confirm', { body: { token: tok, password: 'short' } });
	err('reset: a weak password', weak, 400, 'VALIDATION_ERROR', 'password');
	const why = (weak.error && weak.error.details && weak.error.details.password) || '';
	check('reset: the weak password\'s answer names each failed rule',
	    /8 characters/.test(why) && /upper-case/i.test(why) && /digit/i.test(why) && /special/i.test(why), why);
	const good = await api('POST', '/api/v1/admin/auth/password-reset/confirm',
	    { body: { token: tok, password: 'Reset-pass-2!' } });
	ok('reset: confirmed with a good password', good);
	check('reset: confirm names the account', good.data && good.data.email === who && good.data.passwordSet === true,
	    () => show(good));
	err('reset: the link works once', await api('POST', '/api/v1/admin/auth/password-reset/confirm',
	    { body: { token: tok, password: 'Reset-pass-3!' } }), 400, 'VALIDATION_ERROR', 'token');
	err('reset: the earlier link died with it', await api('POST', '/api/v1/admin/auth/password-reset/confirm',
	    { body: { token: tok0, password: 'Reset-pass-3!' } }), 400, 'VALIDATION_ERROR', 'token');
	unauth('reset: the sessions from before have ended', await api('GET', '/api/v1/admin/me',
	    { cookie: sck ? sck.value : 'x' }));
	err('reset: an unknown token', await api('POST', '/api/v1/admin/auth/password-reset/confirm',
	    { body: { token: randomBytes(32).toString('base64url'), password: 'Reset-pass-3!' } }),
	    400, 'VALIDATION_ERROR', 'token');
	const [nw, old] = await Promise.all([signIn(who, 'Reset-pass-2!'), signIn(who, PW)]);
	ok('reset: the new password signs in', nw);
	err('reset: the old password fails', old, 401, 'INVALID_CREDENTIALS');

	ok('reset: asked again', await api('POST', '/api/v1/admin/auth/password-reset', { body: { email: who.toUpperCase() } }), 202);
	const row2 = await outbox(who, 'password_reset');
	const tok2 = tokenInLink(row2 && row2.body_text, '/admin/reset');
	check('reset: a new link (asked in capitals)', tok2 !== null && tok2 !== tok, row2);
	await sql(`UPDATE user_tokens SET expires_at = now() - interval '1 minute'
	    WHERE user_id = ${lit(uid('r'))} AND used_at IS NULL`);
	err('reset: an expired link', await api('POST', '/api/v1/admin/auth/password-reset/confirm',
	    { body: { token: tok2, password: 'Reset-pass-4!' } }), 400, 'VALIDATION_ERROR', 'token');
	const still = await signIn(who, 'Reset-pass-2!');
	ok('reset: an expired link changed nothing', still);
}

// ---------------------------------------------------------------- 7. catalog

async function catalog() {
	const a = A();
	const to = await token(mail('oa'));
	const P = '/api/v1/admin/products';
	const C = '/api/v1/admin/categories';
	const name = `Adm Widget ${SFX}`;
	const cr = await api('POST', P, { token: to, body: { name, price: 12.99, description: 'A widget.' } });
	ok('catalog: create a product', cr, 201);
	const p = cr.data || {};
	check('catalog: answered price 12.99 (a JSON number) in USD', p.price === 12.99 && /"price":12\.99[,}]/.test(cr.text) &&
	    p.currency === 'USD' && p.isActive === true && p.name === name && p.slug === `adm-widget-${SFX}`,
	    () => show(cr));
	const minor = p.id ? await sql(`SELECT price_minor FROM products WHERE id = ${lit(p.id)}`, a.id) : '';
	check('catalog: stored as 1299 minor units', minor === '1299', minor);

	const bad = async (label, body, field, o = {}) =>
		err(`catalog: ${label}`, await api('POST', P, { token: to, body, ...o }), 400, 'VALIDATION_ERROR', field);
	await bad('price 12.999', { name: 'X', price: 12.999 }, 'price');
	await bad('price as a string', { name: 'X', price: '12.99' }, 'price');
	await bad('price 0', { name: 'X', price: 0 }, 'price');
	await bad('price negative', { name: 'X', price: -1 }, 'price');
	await bad('price over 999999.99', { name: 'X', price: 1000000 }, 'price');
	await bad('price missing', { name: 'X' }, 'price');
	await bad('an unknown field', { name: 'X', price: 1, colour: 'red' }, 'colour');
	await bad('name of 256 characters', { name: 'n'.repeat(256), price: 1 }, 'name');
	await bad('description of 5001 characters', { name: 'X', price: 1, description: 'd'.repeat(5001) }, 'description');
	await bad('categoryId of another store', { name: 'X', price: 1, categoryId: ctx.bCategory || randomUUID() }, 'categoryId');
	await bad('categoryId of no category', { name: 'X', price: 1, categoryId: randomUUID() }, 'categoryId');
	await bad('categoryId not a UUID', { name: 'X', price: 1, categoryId: 'books' }, 'categoryId');
	err('catalog: malformed JSON', await api('POST', P, { token: to, raw: '{"name": "X", "price": 1,' }),
	    400, 'VALIDATION_ERROR', 'body');
	err('catalog: a JSON array body', await api('POST', P, { token: to, raw: '[1]' }), 400, 'VALIDATION_ERROR', 'body');
	err('catalog: a body over body_max', await api('POST', P, { token: to,
	    body: { name: 'Big', price: 1, description: 'x'.repeat(BODY_MAX + 10) } }), 413, 'PAYLOAD_TOO_LARGE');
	err('catalog: Content-Type text/plain', await api('POST', P, { token: to,
	    raw: JSON.stringify({ name: 'X', price: 1 }), headers: { 'Content-Type': 'text/plain' } }),
	    415, 'UNSUPPORTED_MEDIA_TYPE');
	err('catalog: a form body', await api('POST', P, { token: to,
	    raw: 'name=X&price=1', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }),
	    415, 'UNSUPPORTED_MEDIA_TYPE');
	const none = await sql(`SELECT count(*) FROM products WHERE name IN ('X', 'Big')`, a.id);
	check('catalog: refused creates stored nothing', none === '0', none);
	const edge = await api('POST', P, { token: to, body: { name: 'é'.repeat(255), price: 999999.99,
	    description: 'd'.repeat(5000) } });
	ok('catalog: 255 characters (2 bytes each), 5000-character description and price 999999.99 are fine', edge, 201);
	check('catalog: the largest price comes back exact', edge.data && edge.data.price === 999999.99, () => show(edge));
	const z = await api('POST', P, { token: to, raw: `{"name": "Zeros ${SFX}", "price": 12.990, "slug": "zeros-${SFX}"}` });
	check('catalog: price 12.990 is 12.99', z.status === 201 && z.data.price === 12.99, () => show(z));
	err('catalog: a slug taken in the store', await api('POST', P, { token: to,
	    body: { name: 'Again', price: 1, slug: `zeros-${SFX}` } }), 409, 'CONFLICT');
	err('catalog: PATCH to a slug taken in the store', await api('PATCH', `${P}/${p.id}`, { token: to,
	    body: { slug: `zeros-${SFX}` } }), 409, 'CONFLICT');
	err('catalog: an unknown query parameter', await api('GET', `${P}?colour=red`, { token: to }),
	    400, 'VALIDATION_ERROR', 'colour');
	const lst = await api('GET', `${P}?limit=1`, { token: to });
	check('catalog: list has pagination', lst.status === 200 && lst.json.pagination && lst.json.pagination.limit === 1 &&
	    lst.json.pagination.total >= 2 && lst.json.pagination.hasMore === true && lst.data.length === 1, () => show(lst));

	// Partial update.
	const up = await api('PATCH', `${P}/${p.id}`, { token: to, body: { price: 15 } });
	ok('catalog: PATCH {price}', up);
	check('catalog: only the price changed', up.data && up.data.price === 15 && up.data.name === name &&
	    up.data.description === 'A widget.' && up.data.slug === p.slug && up.data.isActive === true, () => show(up));
	check('catalog: stored as 1500', await sql(`SELECT price_minor FROM products WHERE id = ${lit(p.id)}`, a.id) === '1500',
	    'price_minor');
	err('catalog: PATCH {} changes nothing', await api('PATCH', `${P}/${p.id}`, { token: to, body: {} }),
	    400, 'VALIDATION_ERROR');
	err('catalog: PATCH {name: null}', await api('PATCH', `${P}/${p.id}`, { token: to, body: { name: null } }),
	    400, 'VALIDATION_ERROR', 'name');
	err('catalog: PATCH categoryId of another store', await api('PATCH', `${P}/${p.id}`,
	    { token: to, body: { categoryId: ctx.bCategory || randomUUID() } }), 400, 'VALIDATION_ERROR', 'categoryId');
	err('catalog: PATCH price 1.001', await api('PATCH', `${P}/${p.id}`, { token: to, body: { price: 1.001 } }),
	    400, 'VALIDATION_ERROR', 'price');
	const g = await api('GET', `${P}/${p.id}`, { token: to });
	check('catalog: refused PATCHes changed nothing', g.status === 200 && g.data.price === 15 && g.data.name === name &&
	    g.data.categoryId === null, () => show(g));

	// Soft delete: hidden from the storefront.
	const pub = `/api/v1/stores/${a.slug}/products/${p.slug}`;
	ok('catalog: the storefront shows the product', await api('GET', pub));
	const sd = await api('DELETE', `${P}/${p.id}`, { token: to });
	ok('catalog: soft delete', sd);
	check('catalog: soft delete says so', sd.data && sd.data.deleted === 'soft', () => show(sd));
	const gd = await api('GET', `${P}/${p.id}`, { token: to });
	check('catalog: soft-deleted product is inactive', gd.status === 200 && gd.data.isActive === false, () => show(gd));
	let pr;
	for (let i = 0; i < 20; i++) {	/* caches are told through NOTIFY */
		pr = await api('GET', pub);
		if (pr.status === 404)
			break;
		await sleep(100);
	}
	err('catalog: the storefront 404s a soft-deleted product', pr, 404, 'NOT_FOUND');
	// Hard delete of a product without orders.
	const hd = await api('DELETE', `${P}/${p.id}?hard=true`, { token: to });
	ok('catalog: hard delete', hd);
	check('catalog: hard delete says so', hd.data && hd.data.deleted === 'hard', () => show(hd));
	err('catalog: a hard-deleted product is gone', await api('GET', `${P}/${p.id}`, { token: to }), 404, 'NOT_FOUND');
	check('catalog: its row is gone', await sql(`SELECT count(*) FROM products WHERE id = ${lit(p.id)}`, a.id) === '0', 'row');
	// A product with orders can only be deactivated.
	const sold = await api('POST', P, { token: to, body: { name: `Sold ${SFX}`, price: 2 } });
	ok('catalog: create a product to sell', sold, 201);
	const sid = sold.data && sold.data.id;
	await sql(`WITH o AS (INSERT INTO orders (store_id, customer_email, status, currency, subtotal_minor, total_minor)
	    VALUES (current_store_id(), 'buyer@adm.test', 'paid', 'USD', 200, 200) RETURNING id)
	    INSERT INTO order_items (store_id, order_id, product_id, product_name, quantity, price_minor)
	    SELECT current_store_id(), o.id, ${lit(sid)}, 'Sold', 1, 200 FROM o`, a.id);
	err('catalog: hard delete of a product with orders', await api('DELETE', `${P}/${sid}?hard=true`, { token: to }),
	    409, 'CONFLICT');
	const kept = await api('GET', `${P}/${sid}`, { token: to });
	check('catalog: the sold product is still there and active', kept.status === 200 && kept.data.isActive === true,
	    () => show(kept));
	err('catalog: DELETE of no such product', await api('DELETE', `${P}/${randomUUID()}`, { token: to }), 404, 'NOT_FOUND');
	err('catalog: a product id that is no UUID', await api('GET', `${P}/not-a-uuid`, { token: to }), 404, 'NOT_FOUND');

	// Categories.
	const cp = await api('POST', C, { token: to, body: { name: `Parent ${SFX}` } });
	ok('categories: create a parent', cp, 201);
	const cc = await api('POST', C, { token: to, body: { name: `Child ${SFX}`, parentId: cp.data && cp.data.id } });
	ok('categories: create a child', cc, 201);
	check('categories: the child names its parent', cc.data && cc.data.parentId === (cp.data && cp.data.id), () => show(cc));
	const pid = cp.data && cp.data.id;
	const cid = cc.data && cc.data.id;
	err('categories: a parent cycle', await api('PATCH', `${C}/${pid}`, { token: to, body: { parentId: cid } }),
	    400, 'VALIDATION_ERROR', 'parentId');
	err('categories: its own parent', await api('PATCH', `${C}/${pid}`, { token: to, body: { parentId: pid } }),
	    400, 'VALIDATION_ERROR', 'parentId');
	err('categories: a parent of another store', await api('POST', C, { token: to,
	    body: { name: 'Stray', parentId: ctx.bCategory || randomUUID() } }), 400, 'VALIDATION_ERROR', 'parentId');
	const gp = await api('GET', `${C}/${pid}`, { token: to });
	check('categories: the refused cycle changed nothing', gp.status === 200 && gp.data.parentId === null, () => show(gp));
	const dup = { name: 'Dup', slug: `dup-${SFX}` };
	ok('categories: a given slug', await api('POST', C, { token: to, body: dup }), 201);
	err('categories: the same slug again', await api('POST', C, { token: to, body: dup }), 409, 'CONFLICT');
	const inCat = await api('POST', P, { token: to, body: { name: `Filed ${SFX}`, price: 1, categoryId: cid } });
	ok('catalog: a product in the child category', inCat, 201);
	const nul = await api('PATCH', `${P}/${inCat.data && inCat.data.id}`, { token: to,
	    body: { categoryId: null, description: null } });
	check('catalog: PATCH categoryId null and description null clear them', nul.status === 200 &&
	    nul.data.categoryId === null && nul.data.description === '' && nul.data.name === `Filed ${SFX}`, () => show(nul));
	err('catalog: PATCH with a body over body_max', await api('PATCH', `${P}/${inCat.data && inCat.data.id}`,
	    { token: to, body: { description: 'x'.repeat(BODY_MAX + 10) } }), 413, 'PAYLOAD_TOO_LARGE');
	err('catalog: PATCH as text/plain', await api('PATCH', `${P}/${inCat.data && inCat.data.id}`,
	    { token: to, raw: '{"name":"T"}', headers: { 'Content-Type': 'text/plain' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
	err('catalog: PATCH with malformed JSON', await api('PATCH', `${P}/${inCat.data && inCat.data.id}`,
	    { token: to, raw: '{"name":' }), 400, 'VALIDATION_ERROR', 'body');
	const dc = await api('DELETE', `${C}/${pid}`, { token: to });
	ok('categories: delete the parent', dc);
	check('categories: its child moved up', dc.data && dc.data.movedChildren === 1, () => show(dc));
	const gc = await api('GET', `${C}/${cid}`, { token: to });
	check('categories: the child is top level now', gc.status === 200 && gc.data.parentId === null, () => show(gc));

	// Audit: every write, with actor, old and new values, in the store.
	const actor = `user:${uid('oa')}`;
	const pa = await auditRows(a.id, 'products', p.id);
	const acts = pa.map((x) => x.action);
	check('audit: product create, updates and delete are logged', same(acts, ['create', 'update', 'update', 'delete']), pa);
	check('audit: every product row names the owner as actor, in store A',
	    pa.length > 0 && pa.every((x) => x.actor === actor && x.store_id === a.id), pa);
	check('audit: create has the new values', pa[0] && pa[0].old_values === null && pa[0].new_values &&
	    pa[0].new_values.price_minor === 1299 && pa[0].new_values.name === name, pa[0]);
	check('audit: update has old and new price', pa[1] && pa[1].old_values && pa[1].old_values.price_minor === 1299 &&
	    pa[1].new_values.price_minor === 1500, pa[1]);
	check('audit: soft delete is an update of isActive', pa[2] && pa[2].old_values.is_active === true &&
	    pa[2].new_values.is_active === false, pa[2]);
	check('audit: hard delete keeps the old values', pa[3] && pa[3].new_values === null && pa[3].old_values &&
	    pa[3].old_values.id === p.id, pa[3]);
	const ca = await auditRows(a.id, 'categories', pid);
	check('audit: category create and delete are logged by the owner',
	    ca.length >= 2 && ca[0].action === 'create' && ca[ca.length - 1].action === 'delete' &&
	    ca.every((x) => x.actor === actor), ca);
	// A key's writes are logged as the key.
	const kr = await api('POST', '/api/v1/admin/api-keys', { token: to, body: { name: 'writer', permissions: ['products.write'] } });
	ok('audit: a products.write key', kr, 201);
	const kp = await api('POST', P, { token: kr.data && kr.data.key, body: { name: `By key ${SFX}`, price: 4 } });
	ok('audit: the key creates a product', kp, 201);
	const ka = kp.data ? await auditRows(a.id, 'products', kp.data.id) : [];
	check('audit: a key\'s write has actor key:<id>', ka.length === 1 && ka[0].actor === `key:${kr.data.id}` &&
	    ka[0].action === 'create', ka);
}

// ---------------------------------------------------------------- 10. API keys

async function apiKeys() {
	const a = A();
	const to = await token(mail('oa'));
	const ta = await token(mail('aa'));
	const K = '/api/v1/admin/api-keys';
	const cr = await api('POST', K, { token: to, body: { name: 'Reader', permissions: ['products.read'] } });
	ok('keys: owner creates a products.read key', cr, 201);
	const k = cr.data || {};
	const hex = a.id.replace(/-/g, '');
	check('keys: the key is shown, ck_<store>_<secret>', typeof k.key === 'string' &&
	    new RegExp(`^ck_${hex}_[A-Za-z0-9_-]{43}$`).test(k.key) && same(k.permissions, ['products.read']) &&
	    k.lastUsedAt === null && k.revokedAt === null && k.createdBy === uid('oa') &&
	    typeof k.prefix === 'string' && k.prefix.endsWith(k.key.slice(-4)), () => show(cr));
	check('keys: the answer is not cacheable', /no-store/.test(cr.headers.get('cache-control') || ''),
	    cr.headers.get('cache-control'));
	const stored = await sql(`SELECT encode(key_hash, 'hex') FROM api_keys WHERE id = ${lit(k.id)}`, a.id);
	check('keys: stored as its SHA-256 only', stored === sha256hex(k.key || ''), stored);
	const l1 = await api('GET', K, { token: to });
	const mine = l1.data && l1.data.find((x) => x.id === k.id);
	check('keys: listed without the key', l1.status === 200 && mine && !('key' in mine) &&
	    !l1.text.includes((k.key || 'x').slice(36)), () => show(l1));
	const use = await api('GET', '/api/v1/admin/products', { token: k.key });
	ok('keys: GET /products with the key', use);
	err('keys: POST /products with a read key', await api('POST', '/api/v1/admin/products',
	    { token: k.key, body: { name: 'By reader', price: 1 } }), 403, 'FORBIDDEN');
	err('keys: a key cannot list keys', await api('GET', K, { token: k.key }), 403, 'FORBIDDEN');
	err('keys: a key cannot create keys', await api('POST', K, { token: k.key,
	    body: { name: 'child', permissions: ['products.read'] } }), 403, 'FORBIDDEN');
	err('keys: a key cannot revoke keys', await api('DELETE', `${K}/${k.id}`, { token: k.key }), 403, 'FORBIDDEN');
	err('keys: a key cannot switch store', await api('POST', '/api/v1/admin/auth/token',
	    { token: k.key, body: { store: a.slug } }), 403, 'FORBIDDEN');
	err('keys: A\'s key on B\'s product', await api('GET', `/api/v1/admin/products/${ctx.bProduct || randomUUID()}`,
	    { token: k.key }), 404, 'NOT_FOUND');
	const l2 = await api('GET', K, { token: to });
	const used = l2.data && l2.data.find((x) => x.id === k.id);
	check('keys: lastUsedAt is set after use', used && typeof used.lastUsedAt === 'string' &&
	    !Number.isNaN(Date.parse(used.lastUsedAt)), () => show(l2));
	err('keys: admin cannot give users.manage', await api('POST', K, { token: ta,
	    body: { name: 'Too much', permissions: ['users.manage'] } }), 403, 'FORBIDDEN');
	err('keys: admin cannot give *', await api('POST', K, { token: ta,
	    body: { name: 'Too much', permissions: ['*'] } }), 403, 'FORBIDDEN');
	err('keys: admin cannot give settings.*', await api('POST', K, { token: ta,
	    body: { name: 'Too much', permissions: ['products.read', 'settings.*'] } }), 403, 'FORBIDDEN');
	const ak = await api('POST', K, { token: ta, body: { name: 'Admin made', permissions: ['products.*', 'orders.read'] } });
	ok('keys: admin may give what admin has', ak, 201);
	err('keys: an unknown permission', await api('POST', K, { token: to,
	    body: { name: 'Odd', permissions: ['products.fly'] } }), 400, 'VALIDATION_ERROR', 'permissions');
	err('keys: no permissions', await api('POST', K, { token: to, body: { name: 'Empty', permissions: [] } }),
	    400, 'VALIDATION_ERROR', 'permissions');
	const cnt = await sql(`SELECT count(*) FROM api_keys WHERE name IN ('Too much', 'Odd', 'Empty', 'child')`, a.id);
	check('keys: refused keys were not created', cnt === '0', cnt);

	const rv = await api('DELETE', `${K}/${k.id}`, { token: to });
	ok('keys: revoke', rv);
	check('keys: revoke answers revokedAt', rv.data && rv.data.id === k.id && typeof rv.data.revokedAt === 'string',
	    () => show(rv));
	unauth('keys: a revoked key', await api('GET', '/api/v1/admin/products', { token: k.key }));
	err('keys: revoking again', await api('DELETE', `${K}/${k.id}`, { token: to }), 404, 'NOT_FOUND');
	const l3 = await api('GET', K, { token: to });
	const gone = l3.data && l3.data.find((x) => x.id === k.id);
	check('keys: a revoked key stays listed as revoked', gone && typeof gone.revokedAt === 'string', () => show(l3));
	unauth('keys: a malformed key', await api('GET', '/api/v1/admin/products', { token: 'ck_123' }));
	unauth('keys: an unknown key', await api('GET', '/api/v1/admin/products',
	    { token: `ck_${hex}_${randomBytes(32).toString('base64url')}` }));
	const live = ak.data && ak.data.key;
	if (live) {
		const other = `ck_${B().id.replace(/-/g, '')}_${live.slice(36)}`;
		unauth('keys: a key with another store\'s id', await api('GET', '/api/v1/admin/products', { token: other }));
		ok('keys: the admin-made key works', await api('GET', '/api/v1/admin/products', { token: live }));
	}
	const ka = k.id ? await auditRows(a.id, 'api_keys', k.id) : [];
	check('audit: key create and revoke are logged by the owner', ka.length === 2 && ka[0].action === 'create' &&
	    ka[1].action === 'update' && ka.every((x) => x.actor === `user:${uid('oa')}`) &&
	    ka[1].old_values.revoked_at === null && ka[1].new_values.revoked_at !== null &&
	    !JSON.stringify(ka).includes('key_hash'), ka);
}

// ---------------------------------------------------------------- 8. staff

async function staff() {
	const st = ST();
	const to = await token(mail('os'));
	const U = '/api/v1/admin/users';
	const newbie = mail('new');
	const inv = await api('POST', U, { token: to, body: { email: newbie, role: 'editor', name: 'New Person' } });
	ok('staff: invite a new email', inv, 201);
	check('staff: the invited member', inv.data && inv.data.email === newbie && inv.data.role === 'editor' &&
	    inv.data.invited === true && inv.data.name === 'New Person', () => show(inv));
	const nid = inv.data && inv.data.id;
	const row = await outbox(newbie, 'invite');
	const tok = tokenInLink(row && row.body_text, '/admin/accept');
	check('staff: an invite in the outbox with an /admin/accept?token= link, for this store',
	    row !== null && tok !== null && row.store_id === st.id, row);
	err('staff: the invited person cannot sign in yet', await signIn(newbie, PW), 401, 'INVALID_CREDENTIALS');
	err('staff: inviting a member again', await api('POST', U, { token: to, body: { email: newbie.toUpperCase(), role: 'admin' } }),
	    409, 'CONFLICT');
	const acc = await api('POST', '/api/v1/admin/auth/password-reset/confirm', { body: { token: tok, password: 'Joined-pass-1!' } });
	ok('staff: the invitation is accepted', acc);
	const tn = await signIn(newbie, 'Joined-pass-1!');
	ok('staff: the new person signs in', tn);
	check('staff: with the invited role in the store', tn.data && tn.data.role === 'editor' && tn.data.store.id === st.id,
	    () => show(tn));
	const ntok = tn.data && tn.data.token;
	const ns = await sessionIn(newbie, 'Joined-pass-1!');
	ok('staff: the new person has a session too', ns, 201);
	const nck = sessionCookie(ns);

	const x = mail('x');
	const ix = await api('POST', U, { token: to, body: { email: x, role: 'admin' } });
	ok('staff: add a person of another store', ix, 201);
	check('staff: added, not invited', ix.data && ix.data.id === uid('x') && ix.data.invited === false &&
	    ix.data.role === 'admin', () => show(ix));
	const added = await outbox(x, 'staff_added');
	check('staff: an outbox row (staff_added) tells them', added !== null && added.store_id === st.id, added);
	const xinv = await sql(`SELECT count(*) FROM outbox WHERE lower(recipient) = lower(${lit(x)}) AND kind = 'invite'`);
	check('staff: no invitation link for someone with a password', xinv === '0', xinv);
	const memb = await sql(`SELECT count(*) FROM store_users WHERE user_id = ${lit(uid('x'))}`, B().id);
	check('staff: their other membership stays', memb === '1', memb);
	err('staff: an unknown role', await api('POST', U, { token: to, body: { email: mail('odd'), role: 'god' } }),
	    400, 'VALIDATION_ERROR', 'role');
	err('staff: a bad email', await api('POST', U, { token: to, body: { email: 'nope', role: 'editor' } }),
	    400, 'VALIDATION_ERROR', 'email');

	const ch = await api('PATCH', `${U}/${nid}`, { token: to, body: { role: 'admin' } });
	ok('staff: change a role', ch);
	check('staff: the new role', ch.data && ch.data.role === 'admin', () => show(ch));
	ok('staff: the new role takes effect on their existing token', await api('GET', '/api/v1/admin/api-keys', { token: ntok }));
	err('staff: demoting the last owner', await api('PATCH', `${U}/${uid('os')}`, { token: to, body: { role: 'admin' } }),
	    409, 'CONFLICT');
	const rmOwner = await api('DELETE', `${U}/${uid('os')}`, { token: to });
	err('staff: removing the last owner', rmOwner, 409, 'CONFLICT');
	check('staff: the last-owner answer says why', /owner/i.test((rmOwner.error && rmOwner.error.message) || ''),
	    () => show(rmOwner));
	const list = await api('GET', U, { token: to });
	check('staff: the owner is still the owner', list.status === 200 && Array.isArray(list.data) &&
	    list.data.some((m) => m.id === uid('os') && m.role === 'owner') &&
	    list.data.some((m) => m.id === uid('x') && m.role === 'admin') &&
	    list.data.some((m) => m.id === nid && m.role === 'admin'), () => show(list));
	err('staff: PATCH of no such member', await api('PATCH', `${U}/${randomUUID()}`, { token: to, body: { role: 'editor' } }),
	    404, 'NOT_FOUND');
	const rm = await api('DELETE', `${U}/${nid}`, { token: to });
	ok('staff: remove a member', rm);
	unauth('staff: a removed member\'s token', await api('GET', '/api/v1/admin/me', { token: ntok }));
	unauth('staff: a removed member\'s session', await api('GET', '/api/v1/admin/me', { cookie: nck ? nck.value : 'x' }));
	const q = mail('gone');
	const iq = await api('POST', U, { token: to, body: { email: q, role: 'editor' } });
	ok('staff: invite someone', iq, 201);
	const qtok = tokenInLink((await outbox(q, 'invite') || {}).body_text, '/admin/accept');
	ok('staff: remove them before they accept', await api('DELETE', `${U}/${iq.data && iq.data.id}`, { token: to }));
	err('staff: the invitation of a removed person no longer works', await api('POST',
	    '/api/v1/admin/auth/password-reset/confirm', { body: { token: qtok || 'none', password: 'Joined-pass-1!' } }),
	    400, 'VALIDATION_ERROR', 'token');
	err('staff: removing again', await api('DELETE', `${U}/${nid}`, { token: to }), 404, 'NOT_FOUND');
	const sa = await rows(`SELECT actor, action, old_values, new_values FROM audit_logs
	    WHERE entity_type = 'store_users' AND (new_values->>'user_id' = ${lit(nid)} OR old_values->>'user_id' = ${lit(nid)})
	    ORDER BY id`, st.id);
	check('audit: staff create, role change and removal are logged by the owner',
	    same(sa.map((z) => z.action), ['create', 'update', 'delete']) && sa.every((z) => z.actor === `user:${uid('os')}`) &&
	    sa[1].old_values.role === 'editor' && sa[1].new_values.role === 'admin', sa);
}

// ---------------------------------------------------------------- 9. settings

async function settings() {
	const st = ST();
	const to = await token(mail('os'));
	const S = '/api/v1/admin/settings';
	const g = await api('GET', S, { token: to });
	ok('settings: GET', g);
	check('settings: the store\'s fields', g.data && g.data.id === st.id && g.data.slug === st.slug &&
	    g.data.currency === 'USD' && same(g.data.allowedOrigins, []) && g.data.isActive === true &&
	    'supportEmail' in g.data, () => show(g));
	const p = await api('PATCH', S, { token: to, body: {
		name: `Renamed ${SFX}`,
		allowedOrigins: ['HTTPS://Shop.Example:443', 'https://shop.example', 'http://localhost:3000'],
		supportEmail: 'help@adm.test',
	} });
	ok('settings: PATCH name, allowedOrigins, supportEmail', p);
	check('settings: saved and origins normalised', p.data && p.data.name === `Renamed ${SFX}` &&
	    same(p.data.allowedOrigins, ['https://shop.example', 'http://localhost:3000']) &&
	    p.data.supportEmail === 'help@adm.test', () => show(p));
	const g2 = await api('GET', S, { token: to });
	check('settings: GET shows the change', g2.data && g2.data.name === `Renamed ${SFX}` &&
	    same(g2.data.allowedOrigins, ['https://shop.example', 'http://localhost:3000']), () => show(g2));
	for (const [m, label] of [['GET', 'answer'], ['OPTIONS', 'preflight']]) {
		const r = await api(m, '/api/v1/admin/settings', { token: m === 'GET' ? to : undefined,
		    headers: { Origin: 'https://shop.example', 'Access-Control-Request-Method': 'GET' } });
		check(`settings: no CORS on the admin API (${label}, even for an allowed origin)`,
		    r.status < 500 && !r.headers.has('access-control-allow-origin'),
		    `${r.status} ACAO: ${r.headers.get('access-control-allow-origin')}`);
	}
	for (const o of ['https://shop.example/path', 'https://shop.example/', 'ftp://shop.example',
	    'shop.example', 'https://user@shop.example', 'https://shop.example:99999'])
		err(`settings: origin ${o}`, await api('PATCH', S, { token: to, body: { allowedOrigins: [o] } }),
		    400, 'VALIDATION_ERROR', 'allowedOrigins');
	err('settings: a bad supportEmail', await api('PATCH', S, { token: to, body: { supportEmail: 'nope' } }),
	    400, 'VALIDATION_ERROR', 'supportEmail');
	err('settings: nothing to change', await api('PATCH', S, { token: to, body: {} }), 400, 'VALIDATION_ERROR');
	err('settings: name null', await api('PATCH', S, { token: to, body: { name: null } }), 400, 'VALIDATION_ERROR', 'name');
	err('settings: an unknown field', await api('PATCH', S, { token: to, body: { slug: 'mine' } }),
	    400, 'VALIDATION_ERROR', 'slug');
	const g3 = await api('GET', S, { token: to });
	check('settings: refused PATCHes changed nothing', g3.data && same(g3.data.allowedOrigins, g2.data && g2.data.allowedOrigins) &&
	    g3.data.supportEmail === 'help@adm.test' && g3.data.slug === st.slug, () => show(g3));
	const cl = await api('PATCH', S, { token: to, body: { supportEmail: null } });
	check('settings: supportEmail null clears it', cl.status === 200 && cl.data.supportEmail === null, () => show(cl));

	// Currency: free while the store has neither products nor orders.
	err('settings: currency in lower case', await api('PATCH', S, { token: to, body: { currency: 'eur' } }),
	    400, 'VALIDATION_ERROR', 'currency');
	err('settings: an unknown currency', await api('PATCH', S, { token: to, body: { currency: 'ZZZ' } }),
	    400, 'VALIDATION_ERROR', 'currency');
	const jp = await api('PATCH', S, { token: to, body: { currency: 'JPY' } });
	check('settings: an empty store may change to JPY', jp.status === 200 && jp.data.currency === 'JPY', () => show(jp));
	err('settings: in JPY a price with decimals is refused', await api('POST', '/api/v1/admin/products',
	    { token: to, body: { name: 'Yen', price: 5.5 } }), 400, 'VALIDATION_ERROR', 'price');
	const us = await api('PATCH', S, { token: to, body: { currency: 'USD' } });
	check('settings: ... and back to USD', us.status === 200 && us.data.currency === 'USD', () => show(us));
	const pr = await api('POST', '/api/v1/admin/products', { token: to, body: { name: `Priced ${SFX}`, price: 10.5 } });
	ok('settings: a product in USD', pr, 201);
	err('settings: with products, no change to other decimals (JPY)', await api('PATCH', S,
	    { token: to, body: { currency: 'JPY' } }), 409, 'CONFLICT');
	const eu = await api('PATCH', S, { token: to, body: { currency: 'EUR' } });
	check('settings: with products, EUR (same decimals) is fine', eu.status === 200 && eu.data.currency === 'EUR',
	    () => show(eu));
	const gp = pr.data ? await api('GET', `/api/v1/admin/products/${pr.data.id}`, { token: to }) : { status: 0, text: '' };
	check('settings: the products follow the currency', gp.status === 200 && gp.data.currency === 'EUR' &&
	    gp.data.price === 10.5, () => show(gp));
	await sql(`INSERT INTO orders (store_id, customer_email, status, currency) VALUES
	    (current_store_id(), 'buyer@adm.test', 'pending', 'EUR')`, st.id);
	err('settings: with orders, no currency change', await api('PATCH', S, { token: to, body: { currency: 'GBP' } }),
	    409, 'CONFLICT');
	const g4 = await api('GET', S, { token: to });
	check('settings: the currency stayed EUR', g4.data && g4.data.currency === 'EUR', () => show(g4));
	const au = await rows(`SELECT actor, old_values->>'name' AS old, new_values->>'name' AS new FROM audit_logs
	    WHERE entity_type = 'stores' AND entity_id = ${lit(st.id)} AND action = 'update'
	    AND old_values->>'name' IS DISTINCT FROM new_values->>'name'`, st.id);
	check('audit: the rename is logged with old and new name by the owner', au.length === 1 &&
	    au[0].actor === `user:${uid('os')}` && au[0].new === `Renamed ${SFX}` && au[0].old === `Admin Staff ${SFX}`, au);
}

// ---------------------------------------------------------------- main

async function area(name, fn) {
	try {
		await fn();
	} catch (e) {
		check(`${name}: ran to the end`, false, `threw ${e && e.stack ? e.stack : e}`);
	}
}

try {
	await setup();
	await Promise.all([
		(async () => {
			await area('matrix', matrix);
			await area('jwt', jwtArea);
			await area('catalog', catalog);
			await area('keys', apiKeys);
			await area('staff', staff);
			await area('settings', settings);
		})(),
		(async () => {
			await area('sessions', sessions);
			await area('switch', switching);
			await area('totp', totp);
			await area('email mfa', emailMfa);
			await area('reset', reset);
		})(),
	]);
	// Alone, so the timing comparison sees no other load.
	await area('lockout', lockout);
} catch (e) {
	check('suite ran to the end', false, `threw ${e && e.stack ? e.stack : e}`);
}
console.log(`(admin suite: stores adm-${SFX}-*, ${((Date.now() - T0) / 1000).toFixed(1)} s)`);
console.log(summary());
process.exit(tally.failed === 0 ? 0 : 1);
