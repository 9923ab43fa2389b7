// Access to the hub, decided by the real API server: TokenReview says who the bearer is,
// SubjectAccessReview whether RBAC lets that identity list nodes. The trusted listener (service
// proxy, port-forward) accepts only trusted source addresses.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startCluster, type TestCluster } from '../../tools/harness/index.ts';
import { runHub, ConfigError, type HubHandle } from '../../backend/hub/main.ts';
import { BEARER_SUBPROTOCOL_PREFIX, SUBPROTOCOL } from '../../protocol/messages.ts';
import { sleep, StreamClient } from './hub-support.ts';
import WebSocket from 'ws';
import { jsonLogger } from '../../backend/shared/log.ts';

const NS = 'hub-auth';
let c: TestCluster;
let hub: HubHandle;
const tokens: Record<string, string> = {};
const warnings: string[] = [];
const log = jsonLogger('hub', 'warn', (line) => void warnings.push(line));

async function token(sa: string): Promise<string> {
  const r = await c.core.createNamespacedServiceAccountToken({ name: sa, namespace: NS, body: { spec: { expirationSeconds: 3600, audiences: [] } } });
  const t = r.status?.token;
  if (!t) throw new Error(`no token issued for ${sa}`);
  return t;
}

before(async () => {
  c = await startCluster();
  await c.ensureNamespace(NS);
  await c.addNodes(2, { prefix: 'a' });
  const rbac = c.kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  for (const sa of ['reader', 'nobody', 'podreader']) await c.core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: sa } } });
  await rbac.createClusterRole({ body: { metadata: { name: 'nodemend-viewer' }, rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] }] } });
  await rbac.createClusterRoleBinding({ body: { metadata: { name: 'nodemend-viewer-reader' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'nodemend-viewer' }, subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: NS }] } });
  // Reads pods, not nodes: authenticated, but not authorised for the hub.
  await rbac.createClusterRole({ body: { metadata: { name: 'pod-viewer' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }] } });
  await rbac.createClusterRoleBinding({ body: { metadata: { name: 'pod-viewer-podreader' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'pod-viewer' }, subjects: [{ kind: 'ServiceAccount', name: 'podreader', namespace: NS }] } });
  for (const sa of ['reader', 'nobody', 'podreader']) tokens[sa] = await token(sa);
  hub = await runHub(['--kubeconfig', c.kubeconfigPath, '--listen=127.0.0.1:0', '--listen-trusted=127.0.0.1:0'], {}, { embedded: true, log });
  while (!hub.ready()) await sleep(50);
});
after(async () => {
  await hub?.stop();
  await c?.stop();
});

const direct = () => `ws://127.0.0.1:${hub.port}/stream`;
const status = async (cl: StreamClient) => cl.opened.then(() => 101, (e: { status?: number }) => e.status ?? -1);

test('direct: no token is refused with 401', async () => {
  const cl = new StreamClient(direct());
  assert.equal(await status(cl), 401);
});

test('direct: a token the API server does not know is refused with 401', async () => {
  assert.equal(await status(new StreamClient(direct(), { token: 'not-a-real-token' })), 401);
});

test('direct: an identity without RBAC on nodes is refused with 403', async () => {
  assert.equal(await status(new StreamClient(direct(), { token: tokens.nobody })), 403);
  assert.equal(await status(new StreamClient(direct(), { token: tokens.podreader })), 403);
  assert.ok(warnings.some((w) => w.includes('system:serviceaccount:hub-auth:podreader may not list nodes')), 'the refusal names the identity and the missing permission');
});

test('direct: an identity allowed to list nodes is accepted and gets the snapshot', async () => {
  const cl = new StreamClient(direct(), { token: tokens.reader });
  await cl.until('snapshot', () => cl.snapshot !== undefined);
  assert.equal(cl.snapshot!.nodes.length, 2);
  cl.close();
});

test('direct: the token may come as the Kubernetes bearer subprotocol (browsers)', async () => {
  const proto = BEARER_SUBPROTOCOL_PREFIX + Buffer.from(tokens.reader).toString('base64url');
  const ws = new WebSocket(direct(), [SUBPROTOCOL, proto]);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  assert.equal(ws.protocol, SUBPROTOCOL, 'the hub never echoes the token subprotocol');
  ws.terminate();
});

test('direct: a binding granted after a refusal takes effect within seconds (refusals are cached briefly)', { timeout: 30_000 }, async () => {
  await c.core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: 'late' } } });
  const t = await token('late');
  assert.equal(await status(new StreamClient(direct(), { token: t })), 403);
  const rbac = c.kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  await rbac.createClusterRoleBinding({ body: { metadata: { name: 'nodemend-viewer-late' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'nodemend-viewer' }, subjects: [{ kind: 'ServiceAccount', name: 'late', namespace: NS }] } });
  const t0 = Date.now();
  let code = 403;
  while (code !== 101 && Date.now() - t0 < 15_000) {
    await sleep(500);
    const cl = new StreamClient(direct(), { token: t });
    code = await status(cl);
    cl.close();
  }
  assert.equal(code, 101);
  assert.ok(Date.now() - t0 < 10_000, 'within the refusal cache lifetime plus RBAC propagation');
});

test('trusted listener: loopback (port-forward) is accepted without a token', async () => {
  const cl = new StreamClient(`ws://127.0.0.1:${hub.trustedPort}/stream`);
  await cl.until('snapshot', () => cl.snapshot !== undefined);
  cl.close();
});

test('trusted listener: a source that is not the API server or loopback is refused with 403', async () => {
  const cl = new StreamClient(`ws://127.0.0.1:${hub.trustedPort}/stream`, { localAddress: '127.0.0.2' });
  assert.equal(await status(cl), 403);
});

test('health, readiness and metrics are served; metrics count refusals', async () => {
  const get = async (p: string) => {
    const r = await fetch(`http://127.0.0.1:${hub.port}${p}`);
    return { status: r.status, body: await r.text() };
  };
  assert.equal((await get('/healthz')).status, 200);
  assert.equal((await get('/readyz')).status, 200);
  const m = await get('/metrics');
  assert.match(m.body, /nodemend_hub_auth_denied_total\{status="401"\} [1-9]/);
  assert.match(m.body, /nodemend_hub_auth_denied_total\{status="403"\} [1-9]/);
  assert.match(m.body, /nodemend_hub_clients /);
  assert.equal((await get('/nope')).status, 404);
});

test('bad flags are refused with a message naming the flag', async () => {
  await assert.rejects(runHub(['--auth=maybe'], {}, { embedded: true, log }), (e: Error) => e instanceof ConfigError && /--auth/.test(e.message));
  await assert.rejects(runHub(['--listen=nowhere'], {}, { embedded: true, log }), (e: Error) => e instanceof ConfigError && /--listen/.test(e.message));
});
