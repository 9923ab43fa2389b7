// The shoutrrr services end to end on 127.0.0.1: a real HTTP server receives what Slack, Teams
// Workflows and generic webhooks would, and a real SMTP server (smtp-server, from the nodemailer
// project) receives the e-mails, with authentication. The expected requests are shoutrrr's
// (containrrr/shoutrrr v0.8 slack/generic/smtp, the fork's teams).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { createNotifier } from './send.ts';
import { parseNotifyUrl, type NotifyTarget } from './shoutrrr.ts';
import { jsonLogger } from '../../shared/log.ts';

type Got = { method: string; path: string; headers: Record<string, string | string[] | undefined>; body: string };
let http: Server;
let base: string;
const got: Got[] = [];
let reply: { status: number; body: string } = { status: 200, body: 'ok' };

before(async () => {
  http = createServer((req, res) => {
    let data = '';
    req.on('data', (d) => (data += d));
    req.on('end', () => {
      got.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: data });
      res.writeHead(reply.status).end(reply.body);
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  base = `127.0.0.1:${(http.address() as AddressInfo).port}`;
});
after(async () => {
  http.closeAllConnections();
  await new Promise((r) => http.close(r));
});

function logs() {
  const lines: string[] = [];
  return { log: jsonLogger('notify', 'info', (l) => lines.push(l)), lines };
}

function target(url: string): NotifyTarget {
  const r = parseNotifyUrl(url);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value;
}

const TEMPLATES = { drain: 'Draining node %s', reboot: 'Rebooting node %s', uncordon: 'Node %s rebooted & uncordoned successfully!' };
const TOKEN = 'T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';

test('slack webhook: shoutrrr payload to hooks…/services/<token>, message as an attachment', async () => {
  got.length = 0;
  reply = { status: 200, body: 'ok' };
  const n = createNotifier(target(`slack://kured@${TOKEN}?color=good`), logs().log, { templates: TEMPLATES, slackWebhookBase: `http://${base}/services/` });
  await n.notify('drain', 'node-1', 'ignored: the template wins');
  assert.equal(got.length, 1);
  assert.equal(got[0].path, `/services/${TOKEN}`);
  assert.equal(got[0].headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(got[0].body), { text: '', username: 'kured', attachments: [{ text: 'Draining node node-1', color: 'good' }] });
});

test('slack bot API: bearer token, channel, ok:false is logged', async () => {
  got.length = 0;
  reply = { status: 200, body: '{"ok":false,"error":"channel_not_found"}' };
  const { log, lines } = logs();
  const n = createNotifier(target('slack://xoxb:123456789012-1234567890123-4mt0t4l1YL3g1T5L4cK70k3N@C001CH4NN3L'), log, { templates: TEMPLATES, slackApiUrl: `http://${base}/api/chat.postMessage` });
  await n.notify('reboot', 'node-2', '');
  assert.equal(got[0].headers.authorization, 'Bearer xoxb-123456789012-1234567890123-4mt0t4l1YL3g1T5L4cK70k3N');
  assert.deepEqual(JSON.parse(got[0].body), { text: '', channel: 'C001CH4NN3L', attachments: [{ text: 'Rebooting node node-2' }] });
  assert.match(lines.join('\n'), /notification failed.*"service":"slack".*channel_not_found/);
  assert.doesNotMatch(lines.join('\n'), /4mt0t4l1/, 'the token is never logged');
});

test('teams workflow: an Adaptive Card with title and text, 202 accepted', async () => {
  got.length = 0;
  reply = { status: 202, body: '' };
  const { log, lines } = logs();
  const n = createNotifier(target(`teams://?host=${encodeURIComponent(`http://${base}/workflows/abc/triggers/manual/paths/invoke?sig=s1`)}&title=Reboots&color=red`), log, { templates: TEMPLATES });
  await n.notify('uncordon', 'node-3', '');
  assert.equal(got[0].path, '/workflows/abc/triggers/manual/paths/invoke?sig=s1');
  const card = JSON.parse(got[0].body);
  assert.equal(card.type, 'message');
  assert.equal(card.attachments[0].contentType, 'application/vnd.microsoft.card.adaptive');
  assert.deepEqual(card.attachments[0].content.body, [
    { type: 'TextBlock', text: 'Reboots', weight: 'Bolder', size: 'Medium', color: 'attention' },
    { type: 'TextBlock', text: 'Node node-3 rebooted & uncordoned successfully!', wrap: true },
  ]);
  assert.equal(lines.length, 0, lines.join('\n'));
});

test('generic: raw message body by default; template=json with extra fields and headers', async () => {
  got.length = 0;
  reply = { status: 200, body: '' };
  await createNotifier(target(`generic+http://${base}/hook?token=abc`), logs().log, { templates: TEMPLATES }).notify('drain', 'n1', '');
  assert.deepEqual([got[0].method, got[0].path, got[0].body, got[0].headers['content-type']], ['POST', '/hook?token=abc', 'Draining node n1', 'application/json']);
  await createNotifier(target(`generic://${base}/j?disabletls=yes&template=json&messagekey=text&@X-Api-Key=k1&$channel=ops`), logs().log, { templates: TEMPLATES }).notify('failure', 'n1', 'reboot of n1 failed');
  assert.equal(got[1].path, '/j');
  assert.equal(got[1].headers['x-api-key'], 'k1');
  assert.deepEqual(JSON.parse(got[1].body), { channel: 'ops', text: 'reboot of n1 failed' });
});

test('generic: a 500 is logged with the host only, and never throws', async () => {
  got.length = 0;
  reply = { status: 500, body: 'boom' };
  const { log, lines } = logs();
  await createNotifier(target(`generic+http://${base}/hook?token=secret-token`), log, {}).notify('drain', 'n1', 'x');
  assert.match(lines.join('\n'), new RegExp(`notification failed.*"host":"${base}".*answered 500`));
  assert.doesNotMatch(lines.join('\n'), /secret-token/);
});

test('generic: user:password@ goes as Basic auth; a redirect is not followed and is logged redacted', async () => {
  got.length = 0;
  reply = { status: 200, body: '' };
  await createNotifier(target(`generic+http://bot:p%40ss@${base}/hook`), logs().log, {}).notify('drain', 'n1', 'x');
  assert.equal(got[0].headers.authorization, `Basic ${Buffer.from('bot:p@ss').toString('base64')}`);
  assert.equal(got[0].path, '/hook');
  reply = { status: 301, body: '' };
  const { log, lines } = logs();
  await createNotifier(target(`generic+http://bot:p%40ss@${base}/hook/k3yAbc12345?token=secret-token`), log, {}).notify('drain', 'n1', 'x');
  assert.equal(got.length, 2, 'asked once, not again at the redirect');
  assert.match(lines.join('\n'), new RegExp(`notification failed.*POST http://\\*\\*\\*@${base.replaceAll('.', '\\.')}/\\*\\*\\*/\\*\\*\\*\\?token=\\*\\*\\*: answered 301`));
  assert.doesNotMatch(lines.join('\n'), /secret-token|k3yAbc|p@ss|p%40ss/);
});

test('smtp: one mail per recipient through a real SMTP server, PLAIN auth, subject and sender as configured', async () => {
  const mails: { from: string; to: string[]; data: string; user?: string }[] = [];
  const server = new SMTPServer({
    // No STARTTLS offered (shoutrrr then goes on in clear, and so does nodemailer).
    disabledCommands: ['STARTTLS'],
    authMethods: ['PLAIN', 'LOGIN', 'CRAM-MD5'],
    onAuth(auth, _session, cb) {
      if (auth.username === 'kured@example.com' && auth.password === 'p@ss word') cb(null, { user: auth.username });
      else cb(new Error('bad credentials'));
    },
    onData(stream, session, cb) {
      let data = '';
      stream.on('data', (d: Buffer) => (data += d.toString()));
      stream.on('end', () => {
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), data, user: session.user as string | undefined });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as AddressInfo).port;
  try {
    const { log, lines } = logs();
    const url = `smtp://kured%40example.com:p%40ss%20word@127.0.0.1:${port}/?from=kured@example.com&fromname=Kured&to=ops@example.com,oncall+nodes@example.com&subject=Node+reboots`;
    await createNotifier(target(url), log, { templates: TEMPLATES }).notify('reboot', 'node-9', '');
    assert.equal(lines.length, 0, lines.join('\n'));
    assert.deepEqual(mails.map((m) => m.to), [['ops@example.com'], ['oncall+nodes@example.com']]);
    for (const m of mails) {
      assert.equal(m.from, 'kured@example.com');
      assert.equal(m.user, 'kured@example.com');
      assert.match(m.data, /^Subject: Node reboots$/m);
      assert.match(m.data, /^From: Kured <kured@example.com>$/m);
      assert.match(m.data, /Rebooting node node-9/);
    }
    // Wrong password: logged, not thrown, and no mail.
    const bad = logs();
    await createNotifier(target(url.replace('p%40ss%20word', 'nope')), bad.log, { templates: TEMPLATES }).notify('reboot', 'node-9', '');
    assert.match(bad.lines.join('\n'), /notification failed.*"service":"smtp".*"host":"127\.0\.0\.1:\d+"/);
    assert.equal(mails.length, 2);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});
