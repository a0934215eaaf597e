// stripesig.mjs: cross-checks src/stripesig.c with Stripe's own library:
// npm stripe signs payloads (generateTestHeaderString) and
// tests/integration/stripesig_tool must accept them, as constructEvent
// does; tampered bodies, wrong secrets and stale timestamps must be refused.
// usage: COLMENA_TEST_BUILDDIR=build node stripesig.mjs
import { spawnSync } from 'node:child_process';
import Stripe from 'stripe';

const build = process.env.COLMENA_TEST_BUILDDIR;
if (!build) {
  console.log('FAIL: COLMENA_TEST_BUILDDIR is not set');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const tool = `${build}/tests/integration/stripesig_tool`;
const stripe = new Stripe('sk_test_colmena_not_a_real_key');
const secret = 'whsec_colmena_current_0123456789';
const previous = 'whsec_colmena_previous_9876543210';
const now = Math.floor(Date.now() / 1000);
let pass = 0;
let fail = 0;

function check(name, ok, detail) {
  if (ok) {
    pass++;
    console.log(`ok: ${name}`);
  } else {
    fail++;
    console.log(`FAIL: ${name}${detail ? `: ${detail}` : ''}`);
  }
}

// Run the C verifier; returns the status name it printed and its exit code.
function verify(secrets, header, body, at = now) {
  const r = spawnSync(tool, [secrets, header, String(at)], {
    input: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'),
    maxBuffer: 1 << 20,
  });
  if (r.error) return { status: `spawn error ${r.error.message}`, code: -1 };
  return { status: r.stdout.toString().trim(), code: r.status,
    stderr: r.stderr.toString() };
}

function sign(payload, opts = {}) {
  return stripe.webhooks.generateTestHeaderString({
    payload, secret: opts.secret ?? secret, timestamp: opts.timestamp ?? now,
  });
}

// Does Stripe itself accept header for payload (300 s tolerance), with
// the same "now" (receivedAt, in ms) as the C side?
function stripeAccepts(payload, header, key = secret) {
  try {
    stripe.webhooks.constructEvent(payload, header, key, 300, undefined,
      now * 1000);
    return true;
  } catch {
    return false;
  }
}

const large = JSON.stringify({
  id: 'evt_large', object: 'event',
  data: { object: { lines: Array.from({ length: 20000 }, (_, i) => ({
    id: `li_${i}`, description: `línea ${i} — ünïcødé ✓`, amount: i * 7 })) } },
});
const payloads = [
  ['plain JSON', JSON.stringify({ id: 'evt_1', object: 'event', type: 'checkout.session.completed' })],
  ['UTF-8', JSON.stringify({ id: 'evt_2', object: 'event', data: { name: 'Café Ñandú 蜂蜜 🐝', note: 'ß∂ƒ©' } })],
  ['pretty-printed with newlines', JSON.stringify({ id: 'evt_3', object: 'event', n: [1, 2, 3] }, null, 2) + '\n'],
  [`large (${large.length} bytes)`, large],
];

for (const [name, payload] of payloads) {
  const h = sign(payload);
  check(`${name}: Stripe's constructEvent accepts its header`,
    stripeAccepts(payload, h));
  const r = verify(secret, h, payload);
  check(`${name}: C accepts`, r.code === 0 && r.status === 'OK',
    `${r.status} (exit ${r.code}) ${r.stderr ?? ''}`);

  const bytes = Buffer.from(payload, 'utf8');
  bytes[Math.floor(bytes.length / 2)] ^= 0x01;
  const t = verify(secret, h, bytes);
  check(`${name}: one flipped bit refused`, t.code === 1 && t.status === 'MISMATCH',
    `${t.status} (exit ${t.code})`);
}

const p = payloads[0][1];

// Key rotation: signed with the previous secret, both configured.
{
  const h = sign(p, { secret: previous });
  let r = verify(`${secret},${previous}`, h, p);
  check('previous secret accepted during rotation', r.status === 'OK', r.status);
  r = verify(secret, h, p);
  check('previous secret refused once dropped', r.status === 'MISMATCH', r.status);
  r = verify(`${secret},${previous}`, sign(p), p);
  check('current secret accepted during rotation', r.status === 'OK', r.status);
}

// Wrong secret.
{
  const h = sign(p, { secret: 'whsec_someone_else' });
  check('Stripe refuses wrong secret', !stripeAccepts(p, h));
  const r = verify(secret, h, p);
  check('C refuses wrong secret', r.code === 1 && r.status === 'MISMATCH', r.status);
}

// Tampered body (appended byte, changed field).
{
  const h = sign(p);
  let r = verify(secret, h, p + ' ');
  check('C refuses appended byte', r.status === 'MISMATCH', r.status);
  const q = p.replace('evt_1', 'evt_2');
  check('Stripe refuses tampered body', !stripeAccepts(q, h));
  r = verify(secret, h, q);
  check('C refuses tampered body', r.status === 'MISMATCH', r.status);
}

// Timestamps: old and in the future, both sides agree.
for (const [name, ts, want] of [
  ['299 s old', now - 299, 'OK'],
  ['301 s old', now - 301, 'TOO_OLD'],
  ['one hour old', now - 3600, 'TOO_OLD'],
  ['301 s in the future', now + 301, 'TOO_OLD'],
]) {
  const h = sign(p, { timestamp: ts });
  const r = verify(secret, h, p);
  check(`${name}: C says ${want}`, r.status === want, r.status);
  if (ts < now)
    check(`${name}: Stripe agrees`, stripeAccepts(p, h) === (want === 'OK'));
}

// Several v1 entries (as during Stripe's own secret rolls), one right;
// other schemes ignored; Stripe's header with a v0 added.
{
  const h = sign(p);
  const good = h.split(',').find((x) => x.startsWith('v1=')).slice(3);
  const t = h.split(',').find((x) => x.startsWith('t=')).slice(2);
  const bad = '0'.repeat(64);
  const multi = `t=${t},v1=${bad},v1=${good},v0=${bad}`;
  check('Stripe accepts several v1, one right', stripeAccepts(p, multi));
  let r = verify(secret, multi, p);
  check('C accepts several v1, one right', r.status === 'OK', r.status);
  r = verify(secret, `t=${t},v0=${good}`, p);
  check('C: v0 only is NO_V1', r.status === 'NO_V1', r.status);
  r = verify(secret, '', p);
  check('C: empty header is MISSING', r.status === 'MISSING', r.status);
  r = verify(secret, `v1=${good}`, p);
  check('C: no t is MALFORMED', r.status === 'MALFORMED', r.status);
}

console.log(`${pass} passed, ${fail} failed`);
process.exit(fail === 0 ? 0 : 1);
