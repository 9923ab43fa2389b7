// Access to the hub, decided by the real API server: TokenReview says who the bearer is,
// SubjectAccessReview whether RBAC lets that identity list nodes. The trusted listener (service
// proxy, port-forward) accepts only trusted source addresses: loopback and the addresses in the
// EndpointSlice the API server writes for default/kubernetes (no other slice). Web pages (an
// Origin header) are refused; a user's streams are capped; open sessions are checked again and
// closed when access is gone; tokens can be required to carry the hub's own audience.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startCluster, type TestCluster } from '../../tools/harness/index.ts';
import { runHub, ConfigError, type HubHandle } from '../../backend/hub/main.ts';
import { TrustedSources } from '../../backend/hub/auth.ts';
import { apiServerAddresses } from '../../backend/hub/informers.ts';
import { BEARER_SUBPROTOCOL_PREFIX, SUBPROTOCOL } from '../../protocol/messages.ts';
import { sleep, StreamClient } from './hub-support.ts';
import WebSocket from 'ws';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonLogger } from '../../backend/shared/log.ts';

const NS = 'hub-auth';
let c: TestCluster;
let hub: HubHandle;
const tokens: Record<string, string> = {};
const warnings: string[] = [];
const log = jsonLogger('hub', 'warn', (line) => void warnings.push(line));

async function token(sa: string, audiences: string[] = []): Promise<string> {
  const r = await c.core.createNamespacedServiceAccountToken({ name: sa, namespace: NS, body: { spec: { expirationSeconds: 3600, audiences } } });
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
const refusal = async (cl: StreamClient) => cl.opened.then(() => ({ status: 101, body: '' }), (e: { status?: number; body?: string }) => ({ status: e.status ?? -1, body: e.body ?? '' }));

/** A second hub with its own flags (the first one's listeners stay as they are). */
async function hubWith(flags: string[]): Promise<HubHandle> {
  const h = await runHub(['--kubeconfig', c.kubeconfigPath, '--listen=127.0.0.1:0', ...flags], {}, { embedded: true, log });
  while (!h.ready()) await sleep(50);
  return h;
}

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

test('trusted listener: only the EndpointSlice the API server writes for default/kubernetes counts, not another slice with its label', async () => {
  // This control plane runs without the endpoint reconciler: the test writes what it would write
  // (slice "kubernetes", label kubernetes.io/service-name=kubernetes) and, beside it, a slice
  // anyone allowed to create EndpointSlices in "default" could write with the same label. The API
  // server refuses loopback addresses in slices, and this machine has no other: the addresses are
  // read back as the hub reads them and fed to the hub's source check.
  const disc = c.kc.makeApiClient(k8s.DiscoveryV1Api);
  const labels = { 'kubernetes.io/service-name': 'kubernetes' };
  const body = (name: string, ip: string): k8s.V1EndpointSlice => ({ metadata: { name, namespace: 'default', labels }, addressType: 'IPv4', endpoints: [{ addresses: [ip] }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] });
  await disc.createNamespacedEndpointSlice({ namespace: 'default', body: body('kubernetes-forged', '10.9.9.9') });
  try {
    assert.deepEqual(await apiServerAddresses(c.kc), [], 'a foreign slice alone is trusted for nothing');
    await disc.createNamespacedEndpointSlice({ namespace: 'default', body: body('kubernetes', '10.0.0.5') });
    const addrs = await apiServerAddresses(c.kc);
    assert.deepEqual(addrs, ['10.0.0.5']);
    const sources = new TrustedSources([]);
    sources.setApiServers(addrs);
    assert.equal(sources.trusts('10.9.9.9'), false, 'the forged address is not trusted');
    assert.equal(sources.trusts('::ffff:10.0.0.5'), true, "the API server's address is");
  } finally {
    await disc.deleteNamespacedEndpointSlice({ name: 'kubernetes-forged', namespace: 'default' });
    await disc.deleteNamespacedEndpointSlice({ name: 'kubernetes', namespace: 'default' }).catch(() => {});
  }
});

test('a WebSocket from a web page (Origin header) is refused with 403 on both listeners, with the reason', async () => {
  const open = (url: string, headers: Record<string, string>) =>
    new Promise<{ status: number; body: string }>((resolve) => {
      const ws = new WebSocket(url, [SUBPROTOCOL], { headers });
      ws.once('open', () => {
        ws.terminate();
        resolve({ status: 101, body: '' });
      });
      ws.once('unexpected-response', (_req, res) => {
        let b = '';
        res.on('data', (d: Buffer) => (b += d));
        res.on('end', () => resolve({ status: res.statusCode ?? -1, body: b }));
      });
      ws.once('error', () => {});
    });
  // Port-forward (loopback) is exactly what a browser on the viewer's machine would reach.
  const viaPortForward = await open(`ws://127.0.0.1:${hub.trustedPort}/stream`, { origin: 'https://attacker.example' });
  assert.equal(viaPortForward.status, 403);
  assert.match(viaPortForward.body, /web page \(Origin \\"https:\/\/attacker\.example\\"\) refused/);
  const withToken = await open(direct(), { origin: 'http://localhost:3000', authorization: `Bearer ${tokens.reader}` });
  assert.equal(withToken.status, 403);
  assert.equal((await open(`ws://127.0.0.1:${hub.trustedPort}/stream`, {})).status, 101, 'without Origin (the extension) it is accepted');
});

test('streams per user are capped: the excess gets 429 naming the user and the flag; others are not affected', async () => {
  const h = await hubWith(['--listen-trusted=127.0.0.1:0', '--max-clients-per-user=2']);
  try {
    const url = `ws://127.0.0.1:${h.port}/stream`;
    const mine = [new StreamClient(url, { token: tokens.reader }), new StreamClient(url, { token: tokens.reader })];
    for (const m of mine) await m.until('snapshot', () => m.snapshot !== undefined);
    const third = await refusal(new StreamClient(url, { token: tokens.reader }));
    assert.equal(third.status, 429);
    assert.match(third.body, /user system:serviceaccount:hub-auth:reader already has 2 streams open \(--max-clients-per-user=2\)/);
    // All port-forwards share one group (the hub cannot tell them apart); a token user is another.
    const pf = [new StreamClient(`ws://127.0.0.1:${h.trustedPort}/stream`), new StreamClient(`ws://127.0.0.1:${h.trustedPort}/stream`)];
    for (const p of pf) await p.until('snapshot', () => p.snapshot !== undefined);
    assert.equal((await refusal(new StreamClient(`ws://127.0.0.1:${h.trustedPort}/stream`))).status, 429);
    // A closed stream gives its place back.
    mine[0].close();
    await waitUntil(() => h.hub.sessions.size === 3);
    const again = new StreamClient(url, { token: tokens.reader });
    await again.until('snapshot', () => again.snapshot !== undefined);
    for (const x of [mine[1], again, ...pf]) x.close();
  } finally {
    await h.stop();
  }
});

test('an open token session is closed within the re-check interval once its RoleBinding is removed', { timeout: 60_000 }, async () => {
  const rbac = c.kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  await c.core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: 'leaver' } } });
  await rbac.createClusterRoleBinding({ body: { metadata: { name: 'nodemend-viewer-leaver' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'nodemend-viewer' }, subjects: [{ kind: 'ServiceAccount', name: 'leaver', namespace: NS }] } });
  const t = await token('leaver');
  const h = await hubWith(['--listen-trusted=off', '--reauth-interval=2s']);
  try {
    const cl = new StreamClient(`ws://127.0.0.1:${h.port}/stream`, { token: t });
    const stay = new StreamClient(`ws://127.0.0.1:${h.port}/stream`, { token: tokens.reader });
    await cl.until('snapshot', () => cl.snapshot !== undefined);
    await stay.until('snapshot', () => stay.snapshot !== undefined);
    await sleep(4500);
    assert.equal(cl.closed, undefined, 'still allowed: re-checks pass and the session stays');
    const t0 = Date.now();
    await rbac.deleteClusterRoleBinding({ name: 'nodemend-viewer-leaver' });
    await cl.until('closed', () => cl.closed !== undefined, 15_000);
    const took = Date.now() - t0;
    assert.equal(cl.closed!.code, 1008);
    assert.match(cl.closed!.reason, /^access revoked: system:serviceaccount:hub-auth:leaver may not list nodes/);
    const err = cl.frames.find((f) => f.type === 'error');
    assert.ok(err && err.type === 'error' && err.code === 'unauthorized', 'an unauthorized error frame says why first');
    assert.ok(took < 2000 * 1.1 + 1500, `closed ${took} ms after the binding was removed (interval 2 s)`);
    console.log(`# revoked session closed ${took} ms after the binding was removed (--reauth-interval=2s)`);
    assert.equal(stay.closed, undefined, 'a user who still has access keeps the stream');
    assert.equal((await refusal(new StreamClient(`ws://127.0.0.1:${h.port}/stream`, { token: t }))).status, 403, 'and cannot come back');
    stay.close();
  } finally {
    await h.stop();
  }
});

test('service proxy and port-forward sessions are closed at the session age limit and resume on reconnect', { timeout: 30_000 }, async () => {
  const h = await hubWith(['--listen-trusted=127.0.0.1:0', '--max-session-age=3s']);
  try {
    const url = `ws://127.0.0.1:${h.trustedPort}/stream`;
    const cl = new StreamClient(url);
    await cl.until('snapshot', () => cl.snapshot !== undefined);
    const t0 = Date.now();
    await cl.until('closed at the age limit', () => cl.closed !== undefined, 10_000);
    assert.equal(cl.closed!.code, 1001);
    assert.match(cl.closed!.reason, /session age limit \(3 s\): reconnect, access is checked again/);
    assert.ok(Date.now() - t0 <= 3300 + 1000, 'within the limit plus a tick');
    const again = new StreamClient(url, { resume: { streamId: cl.streamId, seq: cl.seq } });
    await again.until('hello', () => again.streamId !== '');
    await sleep(300);
    assert.ok(!again.frames.some((f) => f.type === 'snapshot' || f.type === 'notice'), 'resumed: no snapshot resent');
    again.close();
  } finally {
    await h.stop();
  }
});

test('--token-audiences: only tokens made for the hub are accepted; an API server token gets 401 saying how to get one', async () => {
  const h = await hubWith(['--listen-trusted=off', '--token-audiences=nodemend-hub']);
  try {
    const url = `ws://127.0.0.1:${h.port}/stream`;
    const forHub = new StreamClient(url, { token: await token('reader', ['nodemend-hub']) });
    await forHub.until('snapshot', () => forHub.snapshot !== undefined);
    forHub.close();
    const apiToken = await refusal(new StreamClient(url, { token: tokens.reader }));
    assert.equal(apiToken.status, 401);
    assert.match(apiToken.body, /not issued for this hub's audience \(nodemend-hub\).*--audience=nodemend-hub/);
    assert.equal(await status(new StreamClient(url, { token: await token('nobody', ['nodemend-hub']) })), 403, 'the audience does not replace RBAC');
  } finally {
    await h.stop();
  }
});

test('TLS on the direct listener: wss:// with the configured certificate, rotated without a restart; a bad file is refused naming the flag', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-tls-'));
  try {
    const cert = join(dir, 'tls.crt');
    const key = join(dir, 'tls.key');
    const mint = () => execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=nodemend-hub', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    mint();
    const first = readFileSync(cert, 'utf8');
    const h = await runHub(['--kubeconfig', c.kubeconfigPath, '--listen=127.0.0.1:0', '--listen-trusted=off', `--tls-cert-file=${cert}`, `--tls-key-file=${key}`], {}, { embedded: true, log, tlsReloadMs: 200 });
    try {
      while (!h.ready()) await sleep(50);
      const wss = `wss://127.0.0.1:${h.port}/stream`;
      const cl = new StreamClient(wss, { token: tokens.reader, tls: { ca: first } });
      await cl.until('snapshot over TLS', () => cl.snapshot !== undefined);
      cl.close();
      assert.equal(await status(new StreamClient(`ws://127.0.0.1:${h.port}/stream`, { token: tokens.reader })), -1, 'plain HTTP is not spoken');
      // Rotation: new files, picked up without a restart; the old certificate is no longer served.
      mint();
      const second = readFileSync(cert, 'utf8');
      await sleep(600);
      const rotated = new StreamClient(wss, { token: tokens.reader, tls: { ca: second } });
      await rotated.until('snapshot with the rotated certificate', () => rotated.snapshot !== undefined);
      rotated.close();
      assert.equal(await status(new StreamClient(wss, { token: tokens.reader, tls: { ca: first } })), -1, 'the old certificate is gone');
    } finally {
      await h.stop();
    }
    await assert.rejects(runHub(['--kubeconfig', c.kubeconfigPath, '--listen=127.0.0.1:0', '--listen-trusted=off', `--tls-cert-file=${join(dir, 'missing.crt')}`, `--tls-key-file=${key}`], {}, { embedded: true, log }), (e: Error) => e instanceof ConfigError && /--tls-cert-file: cannot read/.test(e.message));
    await assert.rejects(runHub(['--kubeconfig', c.kubeconfigPath, '--listen=127.0.0.1:0', '--listen-trusted=off', `--tls-cert-file=${key}`, `--tls-key-file=${key}`], {}, { embedded: true, log }), (e: Error) => e instanceof ConfigError && /--tls-cert-file\/--tls-key-file/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function waitUntil(pred: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await sleep(20);
  }
}
