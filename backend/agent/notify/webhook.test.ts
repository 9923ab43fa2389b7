import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Notifiers, WebhookNotifier } from './webhook.ts';
import { jsonLogger } from '../../shared/log.ts';

let server: Server;
let url: string;
const got: { path: string; type: string; body: unknown }[] = [];
let status = 200;
let hang = false;
before(async () => {
  server = createServer((req, res) => {
    let data = '';
    req.on('data', (d) => (data += d));
    req.on('end', () => {
      got.push({ path: req.url ?? '', type: req.headers['content-type'] ?? '', body: JSON.parse(data) });
      if (!hang) res.writeHead(status).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function logs() {
  const lines: string[] = [];
  return { log: jsonLogger('notify', 'info', (l) => lines.push(l)), lines };
}

test('generic JSON body', async () => {
  got.length = 0;
  await new WebhookNotifier({ url: `${url}/hook`, cluster: 'prod' }, logs().log).notify('drain', 'n-1', 'Draining node n-1');
  assert.equal(got.length, 1);
  assert.equal(got[0].type, 'application/json');
  const b = got[0].body as Record<string, string>;
  assert.deepEqual({ kind: b.kind, node: b.node, message: b.message, cluster: b.cluster }, { kind: 'drain', node: 'n-1', message: 'Draining node n-1', cluster: 'prod' });
  assert.ok(!Number.isNaN(Date.parse(b.time)));
});

test('Slack-compatible body with a Kured-style template', async () => {
  got.length = 0;
  await new WebhookNotifier({ url: `${url}/services/T/B/x`, format: 'slack', templates: { uncordon: 'Node %s is back' } }, logs().log).notify('uncordon', 'n-2', 'ignored');
  assert.deepEqual(got[0].body, { text: 'Node n-2 is back' });
});

test('HTTP error and timeout are logged (URL redacted, no secret path), never thrown', async () => {
  got.length = 0;
  status = 500;
  const a = logs();
  await new WebhookNotifier({ url: `${url}/secret-key` }, a.log).notify('reboot', 'n', 'm');
  assert.match(a.lines.join('\n'), /notification refused.*"status":500/);
  assert.doesNotMatch(a.lines.join('\n'), /secret-key/);
  status = 200;
  hang = true;
  const b = logs();
  const t0 = Date.now();
  await new WebhookNotifier({ url, timeoutMs: 200 }, b.log).notify('failure', 'n', 'm');
  assert.ok(Date.now() - t0 < 2000);
  assert.match(b.lines.join('\n'), /notification failed/);
  hang = false;
  server.closeAllConnections();
});

test('bad URL refused at construction; fan-out reaches all', async () => {
  assert.throws(() => new WebhookNotifier({ url: 'ftp://x' }, logs().log), /notify-url: must be http or https/);
  assert.equal(new WebhookNotifier({ url: 'https://hooks.slack.com/services/a' }, logs().log) instanceof WebhookNotifier, true);
  got.length = 0;
  const n = new Notifiers([new WebhookNotifier({ url: `${url}/a` }, logs().log), new WebhookNotifier({ url: `${url}/b`, format: 'slack' }, logs().log)]);
  await n.notify('reboot', 'n', 'Rebooting n');
  assert.deepEqual(got.map((g) => g.path).sort(), ['/a', '/b']);
});
