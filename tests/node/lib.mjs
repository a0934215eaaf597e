// lib.mjs: the helpers the Node integration suites share (admin.mjs,
// payments.mjs, browser.mjs), so that each suite keeps only its checks:
// the environment it needs, the check counter with its "FAIL: name:
// detail" lines and its final "N passed, N failed" line, values of the
// programs' config, psql for SQL as the owner role, the parts of an HTTP
// request to lighttpd that every suite builds alike, the checks of the
// JSON envelope, and small utilities. Where the suites differ in a detail
// (how much of a failure they print, psql's stdin), the detail is a
// parameter. Only node: built-ins; importing it runs nothing.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';

// The environment variable name, or, when it is unset or empty, a failed
// check ("FAIL: environment: name is not set" and hint) and exit 1.
export function need(name, hint = '') {
	const v = process.env[name];
	if (v === undefined || v === '') {
		console.log(`FAIL: environment: ${name} is not set${hint}`);
		console.log('0 passed, 1 failed');
		process.exit(1);
	}
	return v;
}

// ---------------------------------------------------------------- checks

// The suite's counts, for summary() and its exit status.
export const tally = { passed: 0, failed: 0 };

// A check function (name, cond, detail): counts cond; when it is false,
// prints "FAIL: name: detail", detail being a string, a value (shown as
// JSON) or a function giving either (called only then), cut to max
// characters. Returns whether cond held.
export function checker(max) {
	return (name, cond, detail) => {
		if (cond) {
			tally.passed++;
			return true;
		}
		tally.failed++;
		let d = typeof detail === 'function' ? detail() : detail;
		if (typeof d !== 'string')
			d = JSON.stringify(d);
		console.log(`FAIL: ${name}: ${String(d).slice(0, max)}`);
		return false;
	};
}

export const check = checker(1500);

// A suite's last line.
export const summary = () => `${tally.passed} passed, ${tally.failed} failed`;

// ---------------------------------------------------------------- config

// A value of the programs' config ($COLMENA_CONFIG; the harness writes it),
// else dflt (no config, no such key or an empty value). value: the
// pattern the value must match, as a regular-expression group.
export function confValue(key, dflt, value = '(.*?)') {
	try {
		const m = readFileSync(process.env.COLMENA_CONFIG || '', 'utf8')
		    .match(new RegExp(`^\\s*${key}\\s*=\\s*${value}\\s*$`, 'm'));
		if (m && m[1] !== '')
			return m[1];
	} catch { /* no config: the default */ }
	return dflt;
}

// ---------------------------------------------------------------- programs

// The newest PostgreSQL's psql in Debian's layout, else psql from PATH.
export function findPsql() {
	try {
		const vs = readdirSync('/usr/lib/postgresql')
		    .filter((v) => existsSync(`/usr/lib/postgresql/${v}/bin/psql`))
		    .sort((a, b) => Number(a) - Number(b));
		if (vs.length > 0)
			return `/usr/lib/postgresql/${vs[vs.length - 1]}/bin/psql`;
	} catch { /* not Debian's layout */ }
	return 'psql';
}

// Run cmd with args (env added to ours); resolves to { code, out, err }
// (code -1 when it cannot start). stdin is /dev/null, or, when input is
// given, a pipe that is sent input and closed.
export function run(cmd, args, env = {}, input) {
	return new Promise((resolve) => {
		const p = spawn(cmd, args, {
			env: { ...process.env, ...env },
			stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
		});
		let out = '';
		let errs = '';
		p.stdout.on('data', (d) => { out += d; });
		p.stderr.on('data', (d) => { errs += d; });
		p.on('error', (e) => resolve({ code: -1, out, err: e.message }));
		p.on('close', (code) => resolve({ code, out, err: errs }));
		if (input !== undefined)
			p.stdin.end(input);
	});
}

// SQL through psql as the role of url. sql(q, store) runs q (with
// app.store_id = store if given) and resolves to its stdout, trailing
// newlines trimmed, or throws with psql's error and the first shown
// characters of q; rows(q, store) resolves to q's rows as objects (q is
// wrapped in row_to_json). input: psql's stdin, as for run().
export function database(url, { shown = 200, input } = {}) {
	const psql = findPsql();

	async function sql(q, store) {
		const env = store ? { PGOPTIONS: `-c app.store_id=${store}` } : {};
		const r = await run(psql, ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', q],
		    env, input);
		if (r.code !== 0)
			throw new Error(`psql failed: ${r.err.trim()} (query: ${q.slice(0, shown)})`);
		return r.out.replace(/\n+$/, '');
	}

	async function rows(q, store) {
		const out = await sql(`SELECT row_to_json(t) FROM (${q}) t`, store);
		return out === '' ? [] : out.split('\n').map((l) => JSON.parse(l));
	}

	return { sql, rows };
}

// ---------------------------------------------------------------- HTTP

// The headers and body of a request to the programs. o: token (Bearer),
// cookie (the colmena_session cookie), csrf (X-CSRF-Token), origin,
// headers (sent as given), body (sent as JSON) or raw (the body's text);
// a body goes with Content-Type: application/json unless headers name one.
export function request(o) {
	const headers = { ...(o.headers || {}) };
	if (o.token !== undefined)
		headers.Authorization = `Bearer ${o.token}`;
	if (o.cookie !== undefined)
		headers.Cookie = `colmena_session=${o.cookie}`;
	if (o.csrf !== undefined)
		headers['X-CSRF-Token'] = o.csrf;
	if (o.origin !== undefined)
		headers.Origin = o.origin;
	let body;
	if (o.raw !== undefined)
		body = o.raw;
	else if (o.body !== undefined)
		body = JSON.stringify(o.body);
	if (body !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type'))
		headers['Content-Type'] = 'application/json';
	return { headers, body };
}

// text parsed as JSON, or null when it is not JSON.
export function jsonOf(text) {
	try {
		return JSON.parse(text);
	} catch {
		return null;
	}
}

// Whether answer r (status, text, json) is the API's envelope.
export function envelope(r) {
	const j = r.json;
	return j !== null && typeof j === 'object' && typeof j.success === 'boolean' &&
	    j.meta && typeof j.meta.requestId === 'string' && typeof j.meta.timestamp === 'string';
}

// show, ok and err for a suite's answers. show(r): the request (r.req, if
// the suite records it), the status and the body's first shown characters.
// ok(name, r, status): a success envelope with that status (200 unless
// given). err(name, r, status, code, field): an error answer with status,
// the envelope, error.code, a message and, when field is given,
// error.details naming it.
export function answerChecks(shown) {
	const show = (r) => `${r.req ? `${r.req} -> ` : ''}HTTP ${r.status} ${String(r.text).slice(0, shown)}`;

	function ok(name, r, status = 200) {
		return check(name, r.status === status && envelope(r) && r.json.success === true &&
		    'data' in r.json && !('error' in r.json), () => show(r));
	}

	function err(name, r, status, code, field) {
		const e = r.json && r.json.error;
		let good = r.status === status && envelope(r) && r.json.success === false &&
		    e && e.code === code && typeof e.message === 'string' && e.message.length > 0;
		if (good && field !== undefined)
			good = e.details && typeof e.details === 'object' && field in e.details;
		return check(name, good, () => show(r));
	}

	return { show, ok, err };
}

// ---------------------------------------------------------------- small

export const sleep = (ms) => new Promise((res) => setTimeout(res, ms));
export const now = () => Math.floor(Date.now() / 1000);
export const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
export const sha256hex = (s) => createHash('sha256').update(s).digest('hex');
// s as an SQL string literal.
export const lit = (s) => `'${String(s).replace(/'/g, "''")}'`;
