// crosscheck.mjs: compares the C JWT and TOTP code, driven through
// tests/integration/authcheck, with independent implementations: jose for
// HS256 JWTs and otplib for RFC 6238 TOTP. Run by crosscheck.sh as
//   node crosscheck.mjs PATH/TO/authcheck
// Prints one "ok - ..." or "FAIL - ..." line per check, then
// "N passed, N failed"; exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { CompactSign, SignJWT, UnsecuredJWT, jwtVerify } from 'jose';
import { generate, generateSecret, generateURI, verify } from 'otplib';

const authcheck = process.argv[2];
const enc = new TextEncoder();
let passed = 0;
let failed = 0;

function check(name, ok, detail) {
	if (ok) {
		passed++;
		console.log(`ok - ${name}`);
	} else {
		failed++;
		console.log(`FAIL - ${name}${detail === undefined ? '' : ': ' + detail}`);
	}
}

// Run one check whose body may throw; a throw is a failure.
async function attempt(name, fn) {
	try {
		const r = await fn();
		check(name, r === true, r === true ? undefined : String(r));
	} catch (e) {
		check(name, false, `threw ${e && e.code ? e.code + ' ' : ''}${e && e.message}`);
	}
}

// authcheck ARGS...: { code, out } with stdout trimmed.
function run(...args) {
	const r = spawnSync(authcheck, args.map(String), { encoding: 'utf8' });
	if (r.error)
		throw r.error;
	if (r.status === 2)
		throw new Error(`authcheck usage error: ${r.stderr.trim()}`);
	return { code: r.status, out: r.stdout.trim() };
}

function b64url(s) {
	return Buffer.from(s).toString('base64url');
}

// Compare two values as JSON; true or a message.
function same(got, want) {
	const g = JSON.stringify(got);
	const w = JSON.stringify(want);
	return g === w ? true : `got ${g}, want ${w}`;
}

// The claims authcheck jwt-verify prints after "ok", as a payload object.
function cVerify(key, token, now) {
	const r = run('jwt-verify', key, token, now);
	const lines = r.out.split('\n');
	if (r.code !== 0 || lines[0] !== 'ok')
		return { status: lines[0], code: r.code };
	const kv = {};
	for (const l of lines.slice(1)) {
		const i = l.indexOf('=');
		kv[l.slice(0, i)] = l.slice(i + 1);
	}
	return {
		status: 'ok',
		claims: {
			sub: kv.sub,
			storeId: kv.storeId,
			role: kv.role,
			permissions: kv.permissions === '' ? [] : kv.permissions.split(','),
			iat: Number(kv.iat),
			exp: Number(kv.exp),
		},
	};
}

function cSign(key, c) {
	const r = run('jwt-sign', key, c.sub, c.storeId, c.role,
	    c.permissions.join(','), c.iat, c.exp);
	if (r.code !== 0)
		throw new Error(`jwt-sign exit ${r.code}`);
	return r.out;
}

// Expect C to refuse token with status; true or a message.
function cRefuses(key, token, now, status) {
	const v = cVerify(key, token, now);
	if (v.status === status && v.code === 1)
		return true;
	return `C answered ${v.status} (exit ${v.code}), want ${status}`;
}

const KEY = 'crosscheck-key-0123456789abcdef!';
const OTHER = 'some-other-key-0123456789abcdef!';
const key = enc.encode(KEY);
const IAT = 1700000000;
const EXP = IAT + 900;
const NOW = IAT + 60;
const at = (t) => ({ algorithms: ['HS256'], currentDate: new Date(t * 1000) });

const sets = {
	'admin with two permissions': {
		sub: '123e4567-e89b-12d3-a456-426614174000',
		storeId: '0f000000-0000-4000-8000-000000000001',
		role: 'admin',
		permissions: ['products:write', 'orders:read'],
		iat: IAT, exp: EXP,
	},
	'owner with no permissions': {
		sub: '00000000-0000-4000-8000-0000000000aa',
		storeId: '0f000000-0000-4000-8000-000000000002',
		role: 'owner',
		permissions: [],
		iat: IAT, exp: EXP,
	},
	'editor with quotes, <>& and non-ASCII': {
		sub: 'a"b\\c </script> & \u00f1and\u00fa \u2028 \u{1f41d}',
		storeId: 'st\u00f6re',
		role: 'editor',
		permissions: ['x', 'products:read', '\u00e9'],
		iat: IAT, exp: EXP,
	},
};

// 1. C signs, jose verifies and reads the same claims.
for (const [name, c] of Object.entries(sets)) {
	await attempt(`jose verifies a C token (${name})`, async () => {
		const { payload, protectedHeader } = await jwtVerify(cSign(KEY, c), key, at(NOW));
		const h = same(protectedHeader, { alg: 'HS256', typ: 'JWT' });
		return h === true ? same(payload, c) : h;
	});
}

// 2. Byte for byte: jose signing the same JSON makes the same token.
for (const name of ['admin with two permissions', 'owner with no permissions']) {
	await attempt(`C and jose make the same token (${name})`, async () => {
		const c = sets[name];
		const j = await new CompactSign(enc.encode(JSON.stringify(c)))
		    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key);
		return same(cSign(KEY, c), j);
	});
}

// 3. jose signs, C verifies and reads the same claims.
async function joseSign(c, header = { alg: 'HS256', typ: 'JWT' }, k = key) {
	return new SignJWT({ storeId: c.storeId, role: c.role, permissions: c.permissions })
	    .setProtectedHeader(header).setSubject(c.sub).setIssuedAt(c.iat)
	    .setExpirationTime(c.exp).sign(k);
}
for (const [name, c] of Object.entries(sets)) {
	if (name.includes('quotes'))
		continue;	/* authcheck prints one claim a line: plain text only */
	await attempt(`C verifies a jose token (${name})`, async () => {
		const v = cVerify(KEY, await joseSign(c), NOW);
		return v.status === 'ok' ? same(v.claims, c) : `C answered ${v.status}`;
	});
}
await attempt('C verifies a jose token without typ and with extra claims', async () => {
	const c = sets['admin with two permissions'];
	const t = await new SignJWT({ ...c, jti: 'abc', aud: 'colmena' })
	    .setProtectedHeader({ alg: 'HS256' }).sign(key);
	const v = cVerify(KEY, t, NOW);
	return v.status === 'ok' ? same(v.claims, c) : `C answered ${v.status}`;
});

// 4. Refusals: other algorithms, alg none, time limits, keys, tampering.
const base = sets['admin with two permissions'];
for (const alg of ['HS384', 'HS512']) {
	await attempt(`C refuses a jose ${alg} token as JWT_BAD_ALG`, async () =>
	    cRefuses(KEY, await joseSign(base, { alg, typ: 'JWT' }), NOW, 'JWT_BAD_ALG'));
}
await attempt('C refuses a jose unsecured (alg none) token as JWT_BAD_ALG', async () => {
	const t = new UnsecuredJWT({ ...base }).encode();
	return cRefuses(KEY, t, NOW, 'JWT_BAD_ALG');
});
await attempt('C refuses a hand-made alg none token as JWT_BAD_ALG', async () => {
	const t = `${b64url('{"alg":"none","typ":"JWT"}')}.${b64url(JSON.stringify(base))}.`;
	return cRefuses(KEY, t, NOW, 'JWT_BAD_ALG');
});
await attempt('C refuses alg none carrying a valid HS256 signature as JWT_BAD_ALG', async () => {
	const parts = cSign(KEY, base).split('.');
	const t = `${b64url('{"alg":"none"}')}.${parts[1]}.${parts[2]}`;
	return cRefuses(KEY, t, NOW, 'JWT_BAD_ALG');
});
await attempt('C refuses an expired jose token as JWT_EXPIRED; jose agrees', async () => {
	const t = await joseSign({ ...base, iat: NOW - 1000, exp: NOW - 10 });
	const r = cRefuses(KEY, t, NOW, 'JWT_EXPIRED');
	if (r !== true)
		return r;
	try {
		await jwtVerify(t, key, at(NOW));
		return 'jose accepted it';
	} catch (e) {
		return e.code === 'ERR_JWT_EXPIRED' ? true : `jose said ${e.code}`;
	}
});
await attempt('C and jose agree at the exp boundary (exp == now refused)', async () => {
	const t = cSign(KEY, base);
	const c1 = cVerify(KEY, t, EXP - 1).status;
	const c2 = cVerify(KEY, t, EXP).status;
	let j1 = 'ok';
	let j2 = 'ok';
	await jwtVerify(t, key, at(EXP - 1)).catch((e) => { j1 = e.code; });
	await jwtVerify(t, key, at(EXP)).catch((e) => { j2 = e.code; });
	return same([c1, c2, j1, j2], ['ok', 'JWT_EXPIRED', 'ok', 'ERR_JWT_EXPIRED']);
});
await attempt('C refuses a jose token issued in the future as JWT_NOT_YET_VALID', async () =>
    cRefuses(KEY, await joseSign({ ...base, iat: NOW + 120, exp: NOW + 1000 }), NOW,
    'JWT_NOT_YET_VALID'));
await attempt('C refuses a jose token under another key as JWT_BAD_SIGNATURE', async () =>
    cRefuses(KEY, await joseSign(base, undefined, enc.encode(OTHER)), NOW,
    'JWT_BAD_SIGNATURE'));
await attempt('jose refuses a C token under another key', async () => {
	try {
		await jwtVerify(cSign(OTHER, base), key, at(NOW));
		return 'jose accepted it';
	} catch (e) {
		return e.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' ? true : `jose said ${e.code}`;
	}
});
await attempt('C and jose refuse a C token with a swapped payload', async () => {
	const parts = cSign(KEY, base).split('.');
	const t = `${parts[0]}.${b64url(JSON.stringify({ ...base, role: 'owner' }))}.${parts[2]}`;
	const r = cRefuses(KEY, t, NOW, 'JWT_BAD_SIGNATURE');
	if (r !== true)
		return r;
	try {
		await jwtVerify(t, key, at(NOW));
		return 'jose accepted it';
	} catch (e) {
		return e.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' ? true : `jose said ${e.code}`;
	}
});
await attempt('C and jose refuse a signed token whose exp is a string', async () => {
	const t = await new CompactSign(enc.encode(JSON.stringify({ ...base, exp: String(EXP) })))
	    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key);
	const r = cRefuses(KEY, t, NOW, 'JWT_BAD_CLAIMS');
	if (r !== true)
		return r;
	try {
		await jwtVerify(t, key, at(NOW));
		return 'jose accepted it';
	} catch (e) {
		return e.code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' ? true : `jose said ${e.code}`;
	}
});
await attempt('C refuses a signed token whose permissions are not an array', async () => {
	const t = await new CompactSign(enc.encode(JSON.stringify({ ...base, permissions: 'all' })))
	    .setProtectedHeader({ alg: 'HS256' }).sign(key);
	return cRefuses(KEY, t, NOW, 'JWT_BAD_CLAIMS');
});

// 5. TOTP: otplib (SHA-1, 6 digits, 30 s) and C agree on codes.
const secrets = [
	'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',	/* RFC 6238's SHA-1 key */
	generateSecret(),
	generateSecret(),
	generateSecret({ length: 32 }),
];
const times = [59, 1111111109, 1234567890, 2000000000, Math.floor(Date.now() / 1000)];
for (const [i, secret] of secrets.entries()) {
	for (const t of times) {
		await attempt(`secret ${i} at ${t}: C totp-code equals otplib`, async () => {
			const o = await generate({ secret, epoch: t });
			return same(run('totp-code', secret, t).out, o);
		});
		await attempt(`secret ${i} at ${t}: C totp-verify accepts otplib's code`, async () => {
			const o = await generate({ secret, epoch: t });
			const r = run('totp-verify', secret, o, t);
			return r.code === 0 && r.out === 'ok' ? true : `C answered ${r.out}`;
		});
	}
}
await attempt('otplib verifies a C totp-code', async () => {
	const t = 1234567890;
	const code = run('totp-code', secrets[1], t).out;
	const r = await verify({ secret: secrets[1], token: code, epoch: t });
	return r.valid === true ? true : JSON.stringify(r);
});

// Drift: codes one step away are accepted, two steps away are not.
for (const secret of secrets.slice(1, 3)) {
	const t = 1700000015;
	const now = await generate({ secret, epoch: t });
	for (const d of [-30, 30, -60, 60]) {
		const code = await generate({ secret, epoch: t + d });
		const want = Math.abs(d) === 30 ? 'ok' : 'fail';
		if (want === 'fail' && code === now)
			continue;	/* a one-in-a-million collision, not a bug */
		await attempt(`C totp-verify of otplib's code ${d > 0 ? '+' : ''}${d} s: ${want}`,
		    async () => same(run('totp-verify', secret, code, t).out, want));
	}
}

// The otpauth:// URI an app scans: same label and parameters as otplib's.
await attempt('C totp-uri matches otplib generateURI', async () => {
	const issuer = 'Colmena Shop: Tienda';
	const account = 'ana maria+staff@example.com';
	const c = new URL(run('totp-uri', issuer, account, secrets[1]).out);
	const o = new URL(generateURI({ issuer, label: account, secret: secrets[1] }));
	const got = [c.protocol, c.host, decodeURIComponent(c.pathname),
	    c.searchParams.get('secret'), c.searchParams.get('issuer'),
	    c.searchParams.get('algorithm'), c.searchParams.get('digits'),
	    c.searchParams.get('period')];
	const want = [o.protocol, o.host, decodeURIComponent(o.pathname),
	    o.searchParams.get('secret'), o.searchParams.get('issuer'),
	    o.searchParams.get('algorithm') ?? 'SHA1', o.searchParams.get('digits') ?? '6',
	    o.searchParams.get('period') ?? '30'];
	return same(got, want);
});

console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
