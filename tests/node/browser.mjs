// browser.mjs: the buyer's whole path in headless Chromium (Debian's
// /usr/bin/chromium, driven by npm playwright-core): a checkout made over
// the API (successUrl and cancelUrl on the order page's origin), the
// Stripe stand-in's test checkout page with the line items and the total,
// Pay, the return to the success URL with the order id and key, the order
// page saying Paid, a click on its download link and the file's bytes
// (SHA-256 = product_files.sha256); Cancel returning to the cancel URL with
// the order still pending; a wrong key showing the not-found page. Run by
// tests/integration/browser.sh with the harness's environment
// (COLMENA_TEST_URL, COLMENA_TEST_DB_OWNER_URL, COLMENA_TEST_BUILDDIR,
// COLMENA_CONFIG, COLMENA_TEST_STRIPE_URL). On a failed check the page is
// saved as a screenshot in the suite's temp dir, which is then kept.
// Prints "FAIL: name: detail" per failed check and "N passed, N failed".
import {
	existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync,
} from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
	need as needLib, tally, checker, summary, confValue, run, database, sha256hex, lit,
} from './lib.mjs';

const CHROMIUM = '/usr/bin/chromium';
const BASE = need('COLMENA_TEST_URL').replace(/\/+$/, '');
const OWNER_URL = need('COLMENA_TEST_DB_OWNER_URL');
const BUILD = need('COLMENA_TEST_BUILDDIR');
need('COLMENA_CONFIG');	/* read by confValue */
const STRIPE = need('COLMENA_TEST_STRIPE_URL').replace(/\/+$/, '');
const COLMENA = `${BUILD}/tools/colmena`;
const SFX = randomBytes(3).toString('hex');
const STORAGE = confValue('storage_root', process.env.COLMENA_FILES || '/tmp/files');
const PUBLIC_URL = confValue('public_url', BASE).replace(/\/+$/, '');
const TMP = mkdtempSync(join(tmpdir(), 'colmena-browser.'));
const T0 = Date.now();

let page = null;
let shots = 0;

function need(name) {
	return needLib(name, ' (run through tests/run)');
}

const { sql } = database(OWNER_URL);

// The count and the FAIL line (a failure shows 1200 characters of detail);
// a failed check also saves what the browser shows (once per check).
const tallied = checker(1200);
async function check(name, cond, detail) {
	if (tallied(name, cond, detail))
		return true;
	if (page !== null) {
		const f = join(TMP, `failure-${++shots}.png`);
		try {
			await page.screenshot({ path: f, fullPage: true });
			console.log(`  screenshot of ${page.url()}: ${f}`);
		} catch (e) {
			console.log(`  (no screenshot: ${e.message})`);
		}
	}
	return false;
}

// A store of our own whose allowed origins include the order pages', and
// a product with a stored file, as an upload leaves it.
async function setup() {
	const r = await run(COLMENA, ['store-create', '--slug', `brw-${SFX}`, '--name', `Browser Shop ${SFX}`,
		'--currency', 'USD', '--origin', BASE, '--support-email', `help-${SFX}@brw.test`]);
	const m = /\(([0-9a-f-]{36})\)/.exec(r.out);
	if (!await check('set-up: colmena store-create', r.code === 0 && m, `${r.code} ${r.out} ${r.err}`))
		throw new Error('no store');
	const store = m[1];
	const pid = randomUUID();
	const fid = randomUUID();
	const content = Buffer.from(`Browser guide ${SFX}\n${randomBytes(6000).toString('base64')}\n`);
	const key = `stores/${store}/products/files/${fid}`;
	mkdirSync(dirname(join(STORAGE, key)), { recursive: true });
	writeFileSync(join(STORAGE, key), content);
	const name = `Browser Guide ${SFX}`;
	await sql(`INSERT INTO products (id, store_id, name, slug, price_minor, currency, max_downloads)
	    VALUES (${lit(pid)}, ${lit(store)}, ${lit(name)}, ${lit(`guide-${SFX}`)}, 1299, 'USD', 3);
	    INSERT INTO product_files (id, store_id, product_id, storage_key, backend, file_name, content_type,
	    size, sha256) VALUES (${lit(fid)}, ${lit(store)}, ${lit(pid)}, ${lit(key)}, 'local',
	    ${lit(`guide-${SFX}.txt`)}, 'text/plain', ${content.length}, ${lit(sha256hex(content))});
	    UPDATE products SET file_id = ${lit(fid)}, file_key = ${lit(key)},
	    file_name = ${lit(`guide-${SFX}.txt`)}, file_size = ${content.length}, file_type = 'text/plain',
	    file_sha256 = ${lit(sha256hex(content))} WHERE id = ${lit(pid)}`, store);
	return { store, pid, name, content };
}

// A checkout over the API, as the store's own site makes it.
async function checkout(s, email, qty = 2) {
	const res = await fetch(`${BASE}/api/v1/stores/${s.store}/checkout`, {
		method: 'POST', headers: { 'Content-Type': 'application/json', Origin: BASE },
		body: JSON.stringify({
			items: [{ productId: s.pid, quantity: qty }], customer: { email, name: 'Bea Browser' },
			successUrl: `${BASE}/api/health?from=checkout`, cancelUrl: `${BASE}/api/health?from=cancel`,
		}),
	});
	const j = await res.json().catch(() => null);
	return { status: res.status, data: j && j.data, text: JSON.stringify(j) };
}

async function orderStatus(s, id) {
	return sql(`SELECT status FROM orders WHERE id = ${lit(id)}`, s.store);
}

async function main() {
	if (!existsSync(CHROMIUM)) {
		console.log(`FAIL: browser: ${CHROMIUM} is missing: install Debian's chromium package ` +
		    '(apt-get install chromium; tests/run does it through harness_deps)');
		console.log('0 passed, 1 failed');
		process.exit(1);
	}
	let chromium;
	try {
		({ chromium } = await import('playwright-core'));
	} catch (e) {
		console.log(`FAIL: browser: npm playwright-core is not installed in tests/node (${e.message})`);
		console.log('0 passed, 1 failed');
		process.exit(1);
	}
	const s = await setup();
	const profile = join(TMP, 'profile');
	const downloads = join(TMP, 'downloads');
	mkdirSync(downloads, { recursive: true });
	const ctx = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM, headless: true, acceptDownloads: true, downloadsPath: downloads,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
		timeout: 30000,
	});
	try {
		await buyerPath(ctx, s);
	} finally {
		await ctx.close().catch(() => {});
	}
}

async function buyerPath(ctx, s) {
	page = ctx.pages()[0] || await ctx.newPage();
	page.setDefaultTimeout(10000);
	// Links are made on public_url; in tests it is not the port this
	// lighttpd listens on, so the browser's requests there go to it.
	if (PUBLIC_URL !== BASE) {
		await ctx.route(`${PUBLIC_URL}/**`, async (route) => {
			const u = new URL(route.request().url());
			const resp = await route.fetch({ url: BASE + u.pathname + u.search });
			await route.fulfill({ response: resp });
		});
	}

	// Pay.
	const email = `bea-${SFX}@brw.test`;
	const co = await checkout(s, email);
	if (!await check('checkout over the API -> 201 with a checkout URL', co.status === 201 && co.data &&
	    co.data.checkoutUrl, co.text))
		return;
	const { orderId, orderKey, checkoutUrl } = co.data;
	let resp = await page.goto(checkoutUrl);
	await check('the test checkout page opens', resp && resp.status() === 200, resp && resp.status());
	const body = await page.locator('main').innerText().catch(() => '');
	await check('the checkout page lists the item with its quantity', body.includes(`${s.name} × 2`), body);
	await check('the checkout page shows the total from the database prices ($25.98)',
	    (await page.locator('#total').innerText().catch(() => '')) === '$25.98', body);
	await check('the checkout page shows the buyer\'s email', body.includes(email), body);
	await Promise.all([page.waitForURL((u) => u.href.startsWith(`${BASE}/api/health`), { timeout: 15000 }).catch(() => {}),
		page.click('#pay')]);
	const landed = new URL(page.url());
	await check('Pay lands on the success URL', landed.origin === BASE && landed.pathname === '/api/health' &&
	    landed.searchParams.get('from') === 'checkout', page.url());
	await check('the success URL carries the order id and key', landed.searchParams.get('orderId') === orderId &&
	    landed.searchParams.get('orderKey') === orderKey, page.url());

	// The order page.
	resp = await page.goto(`${BASE}/orders/${orderId}?key=${encodeURIComponent(orderKey)}`);
	await check('the order page opens (200)', resp && resp.status() === 200, resp && resp.status());
	await check('the order page says Paid', /Paid/.test(await page.locator('.notice').first().innerText().catch(() => '')) &&
	    await page.locator('[data-status="paid"]').count() === 1, await page.content());
	const text = await page.locator('body').innerText();
	await check('the order page shows the item and the total', text.includes(s.name) && text.includes('25.98 USD'), text);
	const link = page.locator('a[data-download]');
	await check('the order page has one download link', await link.count() === 1, await page.content());
	if (await link.count() === 1) {
		const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 15000 }).catch((e) => e), link.click()]);
		if (await check('clicking the download link downloads a file', dl && typeof dl.path === 'function',
		    dl instanceof Error ? dl.message : 'no download event')) {
			const path = await dl.path().catch(() => null);
			const bytes = path ? readFileSync(path) : Buffer.alloc(0);
			const want = await sql(`SELECT f.sha256 FROM products p JOIN product_files f ON f.id = p.file_id
			    WHERE p.id = ${lit(s.pid)}`, s.store);
			await check('the downloaded bytes\' SHA-256 is product_files.sha256', sha256hex(bytes) === want,
			    `${sha256hex(bytes)} vs ${want} (${bytes.length} bytes)`);
			await check('the download is named after the file', dl.suggestedFilename() === `guide-${SFX}.txt`,
			    dl.suggestedFilename());
		}
	}
	const counted = await sql(`SELECT download_count FROM download_tokens WHERE order_id = ${lit(orderId)}`, s.store);
	await check('the download was counted once', counted === '1', counted);

	// Cancel.
	const c2 = await checkout(s, `bea2-${SFX}@brw.test`, 1);
	if (await check('a second checkout -> 201', c2.status === 201 && c2.data, c2.text)) {
		await page.goto(c2.data.checkoutUrl);
		await Promise.all([page.waitForURL((u) => u.href.startsWith(`${BASE}/api/health`), { timeout: 15000 }).catch(() => {}),
			page.click('#cancel')]);
		const back = new URL(page.url());
		await check('Cancel returns to the cancel URL', back.origin === BASE && back.searchParams.get('from') === 'cancel', page.url());
		await check('after Cancel the order is still pending', await orderStatus(s, c2.data.orderId) === 'pending',
		    await orderStatus(s, c2.data.orderId));
		resp = await page.goto(`${BASE}/orders/${c2.data.orderId}?key=${encodeURIComponent(c2.data.orderKey)}`);
		await check('the cancelled order\'s page says it waits for the payment, no download link',
		    resp && resp.status() === 200 && await page.locator('[data-status="pending"]').count() === 1 &&
		    await page.locator('a[data-download]').count() === 0, await page.content());
	}

	// A wrong key.
	resp = await page.goto(`${BASE}/orders/${orderId}?key=${'Z'.repeat(43)}`);
	const nf = await page.locator('body').innerText();
	await check('a wrong key shows the not-found page (404)', resp && resp.status() === 404 && /not valid/.test(nf) &&
	    !nf.includes(s.name) && !nf.includes(email), nf);
	page = null;
}

main().then(() => {
	console.log(`# ${((Date.now() - T0) / 1000).toFixed(1)} s`);
}).catch(async (e) => {
	await check('browser.mjs ran to the end', false, e.stack);
}).finally(() => {
	if (tally.failed === 0)
		rmSync(TMP, { recursive: true, force: true });
	else
		console.log(`# kept ${TMP}`);
	console.log(summary());
	process.exit(tally.failed > 0 ? 1 : 0);
});
