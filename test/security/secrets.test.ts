// No secret or token ever appears in logs, Events or annotations. Real agent and hub processes
// (`node backend/main.ts`, debug logging, the most verbose) run against the real API server with
// known credentials, through flows that fail on purpose: a webhook URL carrying a secret that
// answers 500, a Prometheus URL with a password that answers 401, a reboot command that fails,
// an identity without RBAC (403 on every call), an unknown bearer token (401), and hub clients
// presenting valid, unknown and unauthorised tokens (header and subprotocol). Every byte the
// processes print, every Event, every Node and Lease annotation and every hub frame a client
// received is searched for each secret and for its distinctive parts.
//
// Then the agent's outbound HTTP, in process with its logger captured: credentials in a URL
// (user:password@) reach the server as a Basic Authorization header only; a redirect is not
// followed and the error names the URL redacted; an endless answer is read up to a cap; Slack's
// and Teams' path keys and every query token stay out of logs and errors. Prometheus, Slack and
// Teams cannot be installed here: local HTTP servers on 127.0.0.1 answer as they would (the
// requests are the agent's own, the notifier and blocker code is the product's).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startCluster, type TestCluster } from '../../tools/harness/index.ts';
import { BEARER_SUBPROTOCOL_PREFIX, SUBPROTOCOL } from '../../protocol/messages.ts';
import { httpServer, kubeconfigWith, secretParts, spawnLogged, type Logged } from './support.ts';
import { WebhookNotifier } from '../../backend/agent/notify/webhook.ts';
import { createNotifier } from '../../backend/agent/notify/send.ts';
import { parseNotifyUrl } from '../../backend/agent/notify/shoutrrr.ts';
import { AlertsBlocker } from '../../backend/agent/blockers/alerts.ts';
import { jsonLogger } from '../../backend/shared/log.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';

const NS = 'nodemend';
let c: TestCluster;
let dir: string;
const procs: Logged[] = [];
const tokens: Record<string, string> = {};
const received: { webhook: string[]; webhookAuth: (string | undefined)[]; prometheus: string[]; frames: string[] } = { webhook: [], webhookAuth: [], prometheus: [], frames: [] };
const closers: (() => Promise<void>)[] = [];
// Secrets placed in URLs: the path and query of a Slack-style webhook, a Prometheus password.
const WEBHOOK_PATH_SECRET = 'WhSecretPath7f3a9c2e';
const WEBHOOK_QUERY_SECRET = 'WhQuerySecret41d8b6';
const PROM_PASSWORD = 'PromPassw0rd5e2c71';
// user:password@ in the webhook URL: sent as Basic auth, never printed.
const WEBHOOK_USER = 'hookuser';
const WEBHOOK_PASSWORD = 'WhPassw0rd8b1e3d';
const BOGUS_TOKEN = 'bogus-bearer-token-9c1f4e7a2b';
let hubPort = 0;
/** Bodies of the hub's refusals: they must say why, and nothing about the cluster. */
const refusals: string[] = [];

async function saToken(sa: string): Promise<string> {
  const r = await c.core.createNamespacedServiceAccountToken({ name: sa, namespace: NS, body: { spec: { expirationSeconds: 3600, audiences: [] } } });
  return r.status!.token!;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nodemend-sec-'));
  c = await startCluster();
  await c.ensureNamespace(NS);
  const nodes = await c.addNodes(4, { prefix: 'sec' });
  await c.waitNodesReady(nodes, 60_000);
  const rbac = c.kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  for (const sa of ['agent', 'hub', 'reader', 'nobody']) await c.core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: sa } } });
  const bind = (sa: string, role: string) => rbac.createClusterRoleBinding({ body: { metadata: { name: `sec-${sa}` }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [{ kind: 'ServiceAccount', name: sa, namespace: NS }] } });
  await bind('agent', 'cluster-admin');
  await bind('hub', 'cluster-admin');
  await bind('reader', 'view-nodes');
  await rbac.createClusterRole({ body: { metadata: { name: 'view-nodes' }, rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] }] } });
  for (const sa of ['agent', 'hub', 'reader', 'nobody']) tokens[sa] = await saToken(sa);

  // A webhook that fails (500) and a Prometheus that refuses the password (401): error paths.
  const hook = await httpServer((req, res) => {
    received.webhook.push(req.url ?? '');
    received.webhookAuth.push(req.headers.authorization);
    res.writeHead(500).end('internal error');
  });
  const prom = await httpServer((req, res) => {
    received.prometheus.push(req.url ?? '');
    res.writeHead(401, { 'www-authenticate': 'Basic realm="prom"' }).end('unauthorized');
  });
  closers.push(hook.close, prom.close);
  const webhookUrl = `http://${WEBHOOK_USER}:${WEBHOOK_PASSWORD}@127.0.0.1:${hook.port}/services/T000/${WEBHOOK_PATH_SECRET}?token=${WEBHOOK_QUERY_SECRET}`;
  const promUrl = `http://admin:${PROM_PASSWORD}@127.0.0.1:${prom.port}/`;

  const kcFor = (name: string, token: string) => kubeconfigWith(c, join(dir, `kubeconfig-${name}`), token);
  const agent = (node: string, kc: string, extra: string[]) => {
    const sentinel = join(dir, `${node}-reboot-required`);
    writeFileSync(sentinel, 'needed\n');
    procs.push(spawnLogged(`agent ${node}`, ['agent', `--node-id=${node}`, `--kubeconfig=${kc}`, `--reboot-sentinel=${sentinel}`, '--period=2s', '--log-level=debug', '--metrics-host=127.0.0.1', '--metrics-port=0', '--drain-timeout=10s', ...extra]));
  };
  // sec-0: the whole flow (lock, cordon, drain, notify -> 500, reboot command fails, report, undo).
  agent('sec-0', kcFor('agent', tokens.agent), [`--notify-url=${webhookUrl}`, '--reboot-command=/bin/false', '--concurrency=3']);
  // sec-1: blocked by a Prometheus that refuses the password in its URL.
  agent('sec-1', kcFor('agent', tokens.agent), [`--prometheus-url=${promUrl}`, `--notify-url=${webhookUrl}`, '--concurrency=3']);
  // sec-2: an identity without RBAC: every call is refused (403).
  agent('sec-2', kcFor('nobody', tokens.nobody), [`--notify-url=${webhookUrl}`]);
  // sec-3: a token the API server does not know (401).
  agent('sec-3', kcFor('bogus', BOGUS_TOKEN), [`--notify-url=${webhookUrl}`]);

  const { freePort } = await import('../../tools/harness/index.ts');
  hubPort = await freePort();
  procs.push(spawnLogged('hub', ['hub', `--kubeconfig=${kcFor('hub', tokens.hub)}`, `--listen=127.0.0.1:${hubPort}`, '--listen-trusted=off', '--log-level=debug']));
});

after(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  for (const f of closers) await f();
  await c?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens a hub stream with these headers/subprotocols; resolves with the HTTP status (101 = accepted). */
function hubClient(headers: Record<string, string>, protocols: string[] = [SUBPROTOCOL]): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${hubPort}/stream`, protocols, { headers });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => {
        refusals.push(body);
        resolve(res.statusCode ?? 0);
      });
    });
    ws.once('open', () => {
      ws.send(JSON.stringify({ type: 'hello', versions: [1], client: 'security-test' }));
      ws.on('message', (d) => received.frames.push(String(d)));
      setTimeout(() => {
        ws.terminate();
        resolve(101);
      }, 3000);
    });
    ws.once('error', () => resolve(-1));
  });
}

test('no secret or token appears in logs, Events, annotations or hub frames, through failing flows', { timeout: 240_000 }, async () => {
  // Let the flows run: sec-0 reaches its failing reboot, the others their errors.
  const core = c.core;
  const end = Date.now() + 120_000;
  let events: k8s.CoreV1Event[] = [];
  while (Date.now() < end) {
    events = (await core.listEventForAllNamespaces()).items;
    const failedReboot = events.some((e) => e.involvedObject?.name === 'sec-0' && e.type === 'Warning');
    if (failedReboot && received.webhook.length >= 2) break;
    await sleep(2000);
  }
  // Hub clients: the reader (accepted), no RBAC (403), unknown token (401), token as subprotocol.
  const { waitFor } = await import('../../tools/harness/index.ts');
  await waitFor('hub ready', async () => (await fetch(`http://127.0.0.1:${hubPort}/readyz`)).ok, 60_000);
  const statuses = [
    await hubClient({ authorization: `Bearer ${tokens.reader}` }),
    await hubClient({ authorization: `Bearer ${tokens.nobody}` }),
    await hubClient({ authorization: `Bearer ${BOGUS_TOKEN}` }),
    await hubClient({}, [SUBPROTOCOL, BEARER_SUBPROTOCOL_PREFIX + Buffer.from(BOGUS_TOKEN).toString('base64url')]),
    await hubClient({ authorization: `Basic ${Buffer.from(`x:${BOGUS_TOKEN}`).toString('base64')}` }),
  ];
  assert.deepEqual(statuses, [101, 403, 401, 401, 401], 'the flows happened as intended');
  const metrics = await (await fetch(`http://127.0.0.1:${hubPort}/metrics`)).text();
  events = (await core.listEventForAllNamespaces()).items;
  const nodes = (await core.listNode()).items;
  const leases = (await c.kc.makeApiClient(k8s.CoordinationV1Api).listNamespacedLease({ namespace: NS })).items;
  await Promise.all(procs.map((p) => p.stop()));
  // NODEMEND_SEC_DUMP=<dir> keeps every process's output there, to read after a failure.
  const dump = process.env.NODEMEND_SEC_DUMP;
  if (dump) for (const p of procs) writeFileSync(join(dump, `${p.name.replace(/\W+/g, '-')}.log`), p.output());

  // Not vacuous: each failing path ran.
  const out = (name: string) => procs.find((p) => p.name === name)!.output();
  assert.ok(received.webhook.length >= 1, 'the webhook was called (and answered 500)');
  // The URL's user:password@ arrived as a Basic header (and so not in the URL, which has no room for it).
  assert.ok(received.webhookAuth.every((a) => a === basic(WEBHOOK_USER, WEBHOOK_PASSWORD)), 'every webhook call carried user:password as Basic auth');
  assert.match(out('agent sec-1'), /Prometheus/, 'the agent with a Prometheus URL reported it could not read the alerts');
  assert.ok(events.some((e) => e.involvedObject?.name === 'sec-0' && e.type === 'Warning'), 'sec-0 reported a failure as a Warning Event');
  assert.match(out('agent sec-2'), /403|forbidden/i, 'the agent without RBAC logged its refusals');
  assert.match(out('agent sec-3'), /401|unauthori[sz]ed/i, 'the agent with an unknown token logged its refusals');
  assert.ok(received.frames.length > 0, 'the accepted hub client received frames');
  assert.ok(received.frames.some((f) => f.includes('sec-0')), 'the accepted client sees the nodes');
  // A refused identity sees nothing: no frame, and no node name in the refusal or in /metrics.
  assert.equal(refusals.length, 4);
  for (const body of [...refusals, metrics]) assert.doesNotMatch(body, /sec-\d/, 'no node name reaches a refused client or /metrics');

  const haystacks: [string, string][] = [
    ...procs.map((p) => [`output of ${p.name}`, p.output()] as [string, string]),
    ['Events', JSON.stringify(events)],
    ['Node annotations', JSON.stringify(nodes.map((n) => n.metadata?.annotations))],
    ['Lease objects', JSON.stringify(leases)],
    ['hub frames', received.frames.join('\n')],
    ['hub metrics', metrics],
  ];
  const secrets: [string, string][] = [
    ...Object.entries(tokens).flatMap(([sa, t]) => secretParts(t).map((p) => [`${sa} ServiceAccount token`, p] as [string, string])),
    ...secretParts(c.cp.info.token).map((p) => ['admin token', p] as [string, string]),
    ...secretParts(BOGUS_TOKEN).map((p) => ['unknown bearer token', p] as [string, string]),
    ['webhook path secret', WEBHOOK_PATH_SECRET],
    ['webhook query secret', WEBHOOK_QUERY_SECRET],
    ['webhook password', WEBHOOK_PASSWORD],
    ...secretParts(`${WEBHOOK_USER}:${WEBHOOK_PASSWORD}`).map((p) => ['webhook Basic credentials', p] as [string, string]),
  ];
  collected = haystacks;
  const leaks = find(haystacks, secrets);
  assert.deepEqual(leaks, [], `secrets leaked:\n${leaks.join('\n')}`);
});

// Found by this test (docs/reliability.md, finding 3): `--prometheus-url=http://user:password@host/`
// (basic auth in the URL, which Go's HTTP client and so Kured send) was refused by fetch, and the
// refusal quoted the whole URL with its password into the node's state, a Warning Event, the log
// and every hub client. Fixed in the alerts blocker (credentials sent as a Basic header).
test('no Prometheus password (from --prometheus-url) appears anywhere', () => {
  assert.ok(collected.length > 0, 'the flows ran');
  const leaks = find(collected, [['Prometheus password', PROM_PASSWORD]]);
  assert.deepEqual(leaks, [], `secrets leaked:\n${leaks.join('\n')}`);
});

let collected: [string, string][] = [];

/** Every place a secret occurs, with the text before it (the secret itself is never printed). */
function find(haystacks: [string, string][], secrets: [string, string][]): string[] {
  const leaks: string[] = [];
  for (const [where, text] of haystacks) {
    for (const [what, s] of secrets) {
      const i = text.indexOf(s);
      if (i >= 0) leaks.push(`${what} in ${where}: …${text.slice(Math.max(0, i - 120), i).replace(/\s+/g, ' ')}<SECRET>…`);
    }
  }
  return leaks;
}

// ---- The agent's outbound HTTP, in process, its logger captured ---------------------------------

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** The agent's logger (JSON lines, debug and up) writing into an array. */
function captured() {
  const lines: string[] = [];
  return { log: jsonLogger('notify', 'debug', (l) => lines.push(l)), lines };
}

type Seen = { url: string; auth?: string };
/** A local server that records each request and answers with `answer`. */
async function recorder(answer: (req: IncomingMessage, res: ServerResponse) => void) {
  const seen: Seen[] = [];
  const s = await httpServer((req, res) => {
    seen.push({ url: req.url ?? '', auth: req.headers.authorization });
    req.resume();
    req.on('end', () => answer(req, res));
  });
  closers.push(s.close);
  return { seen, port: s.port };
}

function notifyTarget(url: string) {
  const r = parseNotifyUrl(url);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value;
}

// Distinctive secrets of the outbound cases: a password, Slack's webhook token, a Teams Workflow
// id and its signature, a query token.
const OUT_PASSWORD = 'OutPassw0rd3c9a1f';
const SLACK_TOKEN = 'T0SECRET1/B0SECRET2/XsecretXsecretXsecret24c';
const TEAMS_WORKFLOW = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const TEAMS_SIG = 'TeamsSig7d1e0b9c';
const QUERY_TOKEN = 'QueryTok3n6a2f5e';
const OUT_SECRETS: [string, string][] = [
  ['password', OUT_PASSWORD],
  ...secretParts(`user:${OUT_PASSWORD}`).map((p) => ['Basic credentials', p] as [string, string]),
  ...SLACK_TOKEN.split('/').map((p) => ['Slack token part', p] as [string, string]),
  ['Teams workflow id', TEAMS_WORKFLOW],
  ['Teams signature', TEAMS_SIG],
  ['query token', QUERY_TOKEN],
];

/** Every notifier kind that speaks HTTP, pointed at one local server, with all the secrets in its URL. */
function notifiers(port: number, log: ReturnType<typeof captured>['log']) {
  const at = `127.0.0.1:${port}`;
  const teamsUrl = `http://user:${OUT_PASSWORD}@${at}/workflows/${TEAMS_WORKFLOW}/triggers/manual/paths/invoke?api-version=1&sig=${TEAMS_SIG}`;
  return {
    webhook: new WebhookNotifier({ url: `http://user:${OUT_PASSWORD}@${at}/services/${SLACK_TOKEN}?token=${QUERY_TOKEN}`, timeoutMs: 3000 }, log),
    generic: createNotifier(notifyTarget(`generic+http://user:${OUT_PASSWORD}@${at}/hook/${TEAMS_WORKFLOW}?token=${QUERY_TOKEN}`), log, { timeoutMs: 3000 }),
    teams: createNotifier(notifyTarget(`teams://?host=${encodeURIComponent(teamsUrl)}`), log, { timeoutMs: 3000 }),
    slack: createNotifier(notifyTarget(`slack://hook:${SLACK_TOKEN.replaceAll('/', '-')}@webhook`), log, { timeoutMs: 3000, slackWebhookBase: `http://${at}/services/` }),
  };
}

test('outbound: user:password@ reaches the webhook, generic and Teams servers as a Basic header only; no log line holds a secret', async () => {
  const srv = await recorder((_req, res) => res.writeHead(500).end('internal error'));
  const cap = captured();
  const n = notifiers(srv.port, cap.log);
  for (const [kind, notifier] of Object.entries(n)) await notifier.notify('drain', 'n1', `drain via ${kind}`);
  // Not vacuous: every notifier sent and logged its failure (the server answers 500).
  assert.equal(srv.seen.length, 4, 'each notifier reached the server');
  assert.equal(cap.lines.filter((l) => /notification (refused|failed)/.test(l)).length, 4, cap.lines.join('\n'));
  for (const s of srv.seen.slice(0, 3)) {
    assert.equal(s.auth, basic('user', OUT_PASSWORD), `Basic auth on ${s.url.slice(0, 9)}…`);
    assert.ok(!s.url.includes(OUT_PASSWORD), 'no password in the request line');
  }
  assert.equal(srv.seen[3].auth, undefined, 'Slack webhooks carry no credentials');
  const leaks = find([['captured log', cap.lines.join('\n')]], OUT_SECRETS);
  assert.deepEqual(leaks, [], `secrets leaked:\n${leaks.join('\n')}`);
});

test('outbound: a redirect is not followed (webhook, generic, Teams, Slack, Prometheus); the error names the URL redacted', async () => {
  const elsewhere = await recorder((_req, res) => res.writeHead(200).end('ok'));
  const srv = await recorder((_req, res) => res.writeHead(307, { location: `http://127.0.0.1:${elsewhere.port}/took/${TEAMS_WORKFLOW}?sig=${TEAMS_SIG}` }).end());
  const cap = captured();
  for (const notifier of Object.values(notifiers(srv.port, cap.log))) await notifier.notify('reboot', 'n1', 'rebooting');
  const prom = await new AlertsBlocker({ url: `http://user:${OUT_PASSWORD}@127.0.0.1:${srv.port}/prometheus?token=${QUERY_TOKEN}` }).check();
  assert.equal(srv.seen.length, 5, 'each client asked once');
  assert.equal(elsewhere.seen.length, 0, 'nobody followed the redirect: neither credentials nor body went there');
  const failed = cap.lines.filter((l) => l.includes('redirects are not followed'));
  assert.equal(failed.length, 4, cap.lines.join('\n'));
  const p = srv.port;
  // The URL each error names: host and port, credentials, path keys and query values as ***.
  assert.ok(failed.some((l) => l.includes(`POST http://***@127.0.0.1:${p}/***/***/***/***?token=***: answered 307 (a redirect to http://127.0.0.1:${elsewhere.port}/***/***?sig=***)`)), 'webhook');
  assert.ok(failed.some((l) => l.includes(`POST http://***@127.0.0.1:${p}/***/***/***/***/***/***?api-version=***&sig=***: answered 307`)), 'Teams');
  assert.ok(failed.some((l) => l.includes(`POST http://127.0.0.1:${p}/***/***/***/***: answered 307`)), 'Slack');
  assert.ok(prom.blocked, 'the blocker blocks');
  assert.match(prom.reason, new RegExp(`^cannot query Prometheus alerts \\(ALERTS at http://\\*\\*\\*@127\\.0\\.0\\.1:${p}/prometheus/api/v1/query\\): answered 307 .*redirects are not followed`));
  const leaks = find([['captured log', cap.lines.join('\n')], ['blocker reason', prom.reason]], OUT_SECRETS);
  assert.deepEqual(leaks, [], `secrets leaked:\n${leaks.join('\n')}`);
});

test('outbound: an endless answer is read up to a cap; the Prometheus blocker blocks with a reason, a notifier logs it', async () => {
  const written: number[] = [];
  const endless = await httpServer((req, res) => {
    req.resume();
    let n = 0;
    res.writeHead(200, { 'content-type': 'application/json' });
    const t = setInterval(() => {
      res.write(Buffer.alloc(64 * 1024, ' '));
      n += 64 * 1024;
    }, 1);
    res.on('close', () => {
      clearInterval(t);
      written.push(n);
    });
  });
  closers.push(endless.close);
  const t0 = Date.now();
  const prom = await new AlertsBlocker({ url: `http://127.0.0.1:${endless.port}/`, timeoutMs: 60_000 }).check();
  const promMs = Date.now() - t0;
  assert.ok(prom.blocked);
  assert.match(prom.reason, /^cannot query Prometheus alerts \(ALERTS at http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query\): the answer is larger than 8 MiB; not read further \(blocking until it answers\)$/);
  const cap = captured();
  const t1 = Date.now();
  await new WebhookNotifier({ url: `http://127.0.0.1:${endless.port}/hook`, timeoutMs: 60_000 }, cap.log).notify('drain', 'n1', 'x');
  const hookMs = Date.now() - t1;
  assert.match(cap.lines.join('\n'), /notification failed.*the answer is larger than 64 KiB; not read further/);
  // Both stopped at their cap, long before the 60 s timeout, and hung up: the server stopped writing.
  for (let i = 0; i < 100 && written.length < 2; i++) await sleep(20);
  assert.equal(written.length, 2, 'both connections were closed by the agent');
  assert.ok(promMs < 20_000 && hookMs < 20_000, `stopped at the cap (${promMs} ms, ${hookMs} ms)`);
  console.log(`# endless answer: Prometheus stopped after ${promMs} ms, webhook after ${hookMs} ms; the server wrote ${written.map((b) => `${(b / 1048576).toFixed(1)} MiB`).join(' and ')} before the agent hung up`);
});

test('outbound: Slack and Teams keys in the path and tokens in the query stay out of logs, through 500s and timeouts', async () => {
  const failing = await recorder((_req, res) => res.writeHead(500).end('no'));
  const silent = await httpServer((req) => req.resume());
  closers.push(silent.close);
  const cap = captured();
  for (const port of [failing.port, silent.port]) {
    const n = notifiers(port, cap.log);
    await n.slack.notify('failure', 'n1', 'x');
    await n.teams.notify('failure', 'n1', 'x');
  }
  assert.equal(failing.seen.length, 2);
  assert.equal(failing.seen[0].url, `/services/${SLACK_TOKEN}`, 'the Slack key went in the path, as Slack wants it');
  assert.equal(cap.lines.filter((l) => l.includes('notification failed')).length, 4, cap.lines.join('\n'));
  assert.ok(cap.lines.some((l) => /timeout|aborted/i.test(l) && l.includes(`/***/***/***/***`)), 'a timeout names the Slack URL, redacted');
  const leaks = find([['captured log', cap.lines.join('\n')]], OUT_SECRETS);
  assert.deepEqual(leaks, [], `secrets leaked:\n${leaks.join('\n')}`);
});
