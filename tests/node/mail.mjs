// mail.mjs: the SMTP server tests/integration/mail.sh sends to (npm
// smtp-server, no TLS, AUTH PLAIN required). Each message received is
// parsed with npm mailparser and appended to OUT as one JSON line.
// RCPT TO REJECT is refused with 550. Prints "ready" once listening.
// Headers the suite checks as sent (Date, Reply-To, List-Unsubscribe,
// List-Unsubscribe-Post) are recorded verbatim, null when absent.
// usage: node mail.mjs PORT OUT REJECT USER PASS
import { appendFileSync } from 'node:fs';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

const [port, out, reject, user, pass] = process.argv.slice(2);

// A header's value as sent (mailparser turns Date into a Date object).
function header(m, key) {
  const h = m.headerLines.find((l) => l.key === key);
  return h ? h.line.slice(h.line.indexOf(':') + 1).trim() : null;
}

const server = new SMTPServer({
  secure: false,
  disabledCommands: ['STARTTLS'],
  authMethods: ['PLAIN'],
  allowInsecureAuth: true,
  logger: false,
  onAuth(auth, session, cb) {
    if (auth.method === 'PLAIN' && auth.username === user &&
        auth.password === pass)
      return cb(null, { user: auth.username });
    return cb(Object.assign(new Error('Invalid username or password'),
      { responseCode: 535 }));
  },
  onRcptTo(address, session, cb) {
    if (address.address.toLowerCase() === reject.toLowerCase())
      return cb(Object.assign(new Error('No such user here'),
        { responseCode: 550 }));
    return cb();
  },
  async onData(stream, session, cb) {
    try {
      const m = await simpleParser(stream);
      appendFileSync(out, JSON.stringify({
        envelopeFrom: session.envelope.mailFrom.address,
        envelopeTo: session.envelope.rcptTo.map((r) => r.address),
        user: session.user,
        from: m.from ? m.from.text : null,
        fromAddress: m.from ? m.from.value[0].address : null,
        to: m.to ? m.to.text : null,
        subject: m.subject ?? null,
        text: m.text ?? null,
        html: m.html || null,
        date: m.headers.has('date') ? m.date.toISOString() : null,
        rawDate: header(m, 'date'),
        messageId: m.messageId ?? null,
        mimeVersion: m.headers.get('mime-version') ?? null,
        replyTo: header(m, 'reply-to'),
        listUnsubscribe: header(m, 'list-unsubscribe'),
        listUnsubscribePost: header(m, 'list-unsubscribe-post'),
      }) + '\n');
      cb();
    } catch (e) {
      cb(e);
    }
  },
});
server.on('error', (e) => { console.error(e.message); process.exit(1); });
server.listen(Number(port), '127.0.0.1', () => console.log('ready'));
for (const sig of ['SIGTERM', 'SIGINT'])
  process.on(sig, () => server.close(() => process.exit(0)));
