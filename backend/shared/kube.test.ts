import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { quietWatch, WATCH_IDLE_TIMEOUT_MS, WATCH_SERVER_TIMEOUT_S } from './kube.ts';

const timeoutOf = (w: k8s.Watch) => (w as unknown as { requestTimeoutMs: unknown }).requestTimeoutMs;

test('client-node still has the inactivity-timeout field quietWatch overrides (else the 30 s churn is back)', () => {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({ clusters: [{ name: 'c', server: 'http://127.0.0.1:1' }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
  assert.equal(timeoutOf(new k8s.Watch(kc)), 30_000);
  assert.equal(timeoutOf(quietWatch(kc)), WATCH_IDLE_TIMEOUT_MS);
});

test('quietWatch asks for bookmarks and a jittered server-side timeout of 5-10 min (client-go), and calls a watch dead after three missed bookmarks', async () => {
  const seen: URL[] = [];
  const server = createServer((req, res) => {
    seen.push(new URL(req.url ?? '/', 'http://x'));
    // Cut the connection: the watch ends at once with an error, which is all this test needs.
    void res;
    req.socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const kc = new k8s.KubeConfig();
    const port = (server.address() as AddressInfo).port;
    kc.loadFromOptions({ clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
    for (const r of [0, 0.5, 0.999]) {
      await new Promise<void>((resolve, reject) => void quietWatch(kc, () => r).watch('/api/v1/nodes', { resourceVersion: '7' }, () => {}, () => resolve()).catch(reject));
    }
    assert.equal(seen.length, 3);
    const secs = seen.map((u) => Number(u.searchParams.get('timeoutSeconds')));
    for (const u of seen) {
      assert.equal(u.searchParams.get('allowWatchBookmarks'), 'true');
      assert.equal(u.searchParams.get('resourceVersion'), '7', 'the caller\'s parameters are kept');
    }
    assert.deepEqual(secs, [1800, 2700, 3598]);
    assert.deepEqual(WATCH_SERVER_TIMEOUT_S, [1800, 3600]);
    // The API server's watch cache sends an idle watch a bookmark a minute: a healthy watch is
    // never silent for three of them.
    assert.equal(WATCH_IDLE_TIMEOUT_MS, 3 * 60_000);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
