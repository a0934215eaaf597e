// mailbox.mjs: the demo's local mail catcher, not a test. An SMTP server
// (npm smtp-server; no TLS, AUTH never required, loopback only) accepts
// every message, saves it raw as DIR/NNNN.eml and parses it with npm
// mailparser; a web page on 127.0.0.1 lists the messages (newest first)
// and shows each one: its headers, the text part with clickable links and
// the HTML part in a sandboxed iframe (no scripts). Messages already in
// DIR are shown too. Every value is escaped before it reaches HTML.
// usage: node mailbox.mjs --smtp-port P --http-port Q --dir DIR
// (port 0: any free port). Prints "ready smtp=P http=Q" once both listen;
// exits on SIGTERM or SIGINT.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

const MESSAGE_MAX = 25 * 1024 * 1024;
const HOST = '127.0.0.1';

const { values: opt } = parseArgs({
  options: {
    'smtp-port': { type: 'string' },
    'http-port': { type: 'string' },
    dir: { type: 'string' },
  },
  strict: true,
});

function port(name) {
  const v = opt[name];
  if (v === undefined || !/^[0-9]{1,5}$/.test(v) || Number(v) > 65535) {
    console.error(`mailbox: --${name} needs a port number (0 to 65535)`);
    console.error('usage: node mailbox.mjs --smtp-port P --http-port Q --dir DIR');
    process.exit(2);
  }
  return Number(v);
}

const smtpPort = port('smtp-port');
const httpPort = port('http-port');
if (!opt.dir) {
  console.error('usage: node mailbox.mjs --smtp-port P --http-port Q --dir DIR');
  process.exit(2);
}
const dir = opt.dir;
mkdirSync(dir, { recursive: true });

// Messages by number: { n, file, received, parsed }.
const messages = new Map();
let last = 0;

function name(n) {
  return String(n).padStart(4, '0');
}

// & < > " ' and ` as character references: right in text and in quoted
// attribute values alike.
function esc(v) {
  return String(v ?? '').replace(/[&<>"'`]/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
    '`': '&#96;',
  })[c]);
}

// Text with each http(s) URL made a link; everything escaped.
function linkify(text) {
  const s = String(text ?? '');
  let out = '';
  let at = 0;
  for (const m of s.matchAll(/https?:\/\/[^\s<>"'`]+/g)) {
    const url = m[0].replace(/[.,;:!?)\]]+$/, '');
    out += esc(s.slice(at, m.index));
    out += `<a href="${esc(url)}" rel="noreferrer noopener" target="_blank">${esc(url)}</a>`;
    at = m.index + url.length;
  }
  return out + esc(s.slice(at));
}

async function load(n, raw, received) {
  let parsed;
  try {
    parsed = await simpleParser(raw);
  } catch (e) {
    parsed = { error: e.message, headerLines: [] };
  }
  messages.set(n, { n, received, parsed });
}

// What an earlier run left in DIR.
for (const f of readdirSync(dir).sort()) {
  const m = /^([0-9]{4,})\.eml$/.exec(f);
  if (!m)
    continue;
  const n = Number(m[1]);
  last = Math.max(last, n);
  await load(n, readFileSync(join(dir, f)), null);
}

const smtp = new SMTPServer({
  secure: false,
  disabledCommands: ['STARTTLS'],
  authOptional: true,
  allowInsecureAuth: true,
  size: MESSAGE_MAX,
  logger: false,
  banner: 'ColmenaCommerce demo mailbox',
  onAuth(auth, session, cb) {
    cb(null, { user: auth.username });	// whatever the demo is set to
  },
  onData(stream, session, cb) {
    const chunks = [];
    let len = 0;
    stream.on('data', (c) => {
      len += c.length;
      if (len <= MESSAGE_MAX)
        chunks.push(c);
    });
    stream.on('error', cb);
    stream.on('end', async () => {
      if (stream.sizeExceeded || len > MESSAGE_MAX)
        return cb(Object.assign(new Error('Message too large'),
          { responseCode: 552 }));
      const raw = Buffer.concat(chunks);
      const n = ++last;
      try {
        writeFileSync(join(dir, `${name(n)}.eml`), raw, { flag: 'wx' });
      } catch (e) {
        return cb(Object.assign(new Error('Cannot store the message'),
          { responseCode: 451 }));
      }
      await load(n, raw, new Date());
      console.log(`mailbox: ${name(n)}.eml to ${session.envelope.rcptTo
        .map((r) => r.address).join(', ')}`);
      cb();
    });
  },
});

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · demo mailbox</title>
<style>
body { margin: 0 auto; max-width: 70rem; padding: 1rem;
  font: 1rem/1.5 system-ui, sans-serif; color: #1c2430; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .4rem; border-bottom: 1px solid #d9dee6;
  vertical-align: top; }
th { color: #586273; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f7f9;
  padding: 1rem; border: 1px solid #d9dee6; }
iframe { width: 100%; height: 40rem; border: 1px solid #d9dee6; }
.muted { color: #586273; }
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

function addresses(a) {
  return a ? a.text : '';
}

function dateOf(msg) {
  const d = msg.parsed.date ?? msg.received;
  return d instanceof Date && !isNaN(d) ? d.toISOString().replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC') : '';
}

function listPage() {
  const rows = [...messages.values()].sort((a, b) => b.n - a.n).map((msg) =>
    `<tr><td>${esc(dateOf(msg))}</td><td>${esc(addresses(msg.parsed.to))}</td>` +
    `<td><a href="/m/${esc(name(msg.n))}">${esc(msg.parsed.subject || '(no subject)')}</a></td></tr>`);
  return page('Mailbox', `<h1>Demo mailbox</h1>
<p class="muted">${messages.size} message(s) in ${esc(dir)}; newest first.
Reload to see new mail.</p>
<table>
<thead><tr><th>Date</th><th>To</th><th>Subject</th></tr></thead>
<tbody>
${rows.join('\n') || '<tr><td colspan="3">No mail yet.</td></tr>'}
</tbody>
</table>`);
}

function messagePage(msg) {
  const p = msg.parsed;
  const headers = (p.headerLines ?? []).map((h) => {
    const i = h.line.indexOf(':');
    return `<tr><th>${esc(h.line.slice(0, i))}</th><td>${esc(h.line.slice(i + 1).trim())}</td></tr>`;
  }).join('\n');
  let html = '';
  if (p.html) {
    // Links open outside the frame; the frame runs no script.
    const doc = '<base target="_blank">' + p.html;
    html = `<h2>HTML part</h2>
<iframe sandbox="allow-popups allow-popups-to-escape-sandbox" referrerpolicy="no-referrer" title="HTML part" srcdoc="${esc(doc)}"></iframe>`;
  }
  return page(p.subject || '(no subject)', `<p><a href="/">All messages</a> ·
<a href="/m/${esc(name(msg.n))}.eml">Raw message</a></p>
<h1>${esc(p.subject || '(no subject)')}</h1>
${p.error ? `<p>Could not parse: ${esc(p.error)}</p>` : ''}
<table>
${headers}
</table>
<h2>Text part</h2>
<pre>${p.text ? linkify(p.text) : '<span class="muted">(none)</span>'}</pre>
${html}`);
}

const http = createServer((req, res) => {
  const send = (code, type, body) => {
    res.writeHead(code, {
      'Content-Type': type,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      // The srcdoc frame inherits this: no script, no remote content.
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline';" +
        " img-src data:; frame-src 'self'; form-action 'none'; frame-ancestors 'none'",
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return send(405, 'text/plain; charset=utf-8', 'GET only\n');
  const path = new URL(req.url, 'http://localhost').pathname;
  if (path === '/')
    return send(200, 'text/html; charset=utf-8', listPage());
  const m = /^\/m\/([0-9]{4,})(\.eml)?$/.exec(path);
  const msg = m && messages.get(Number(m[1]));
  if (!msg)
    return send(404, 'text/plain; charset=utf-8', 'No such message\n');
  if (m[2])
    return send(200, 'text/plain; charset=utf-8',
      readFileSync(join(dir, `${name(msg.n)}.eml`)));
  return send(200, 'text/html; charset=utf-8', messagePage(msg));
});

// Listen on HOST:p; resolves to the port (p 0: the one picked).
function listen(server, p, address) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(p, HOST, () => {
      server.removeListener('error', reject);
      resolve(address().port);
    });
  });
}

let listening = false;
smtp.on('error', (e) => {
  if (listening)
    console.error(`mailbox: smtp: ${e.message}`);
});
try {
  const sp = await listen(smtp, smtpPort, () => smtp.server.address());
  const hp = await listen(http, httpPort, () => http.address());
  listening = true;
  console.log(`ready smtp=${sp} http=${hp}`);
} catch (e) {
  console.error(`mailbox: ${e.message}`);
  process.exit(1);
}

// Each message is on disk before it is accepted: nothing to wait for. A
// sender cut off mid-message retries.
for (const sig of ['SIGTERM', 'SIGINT'])
  process.on(sig, () => process.exit(0));
