// One kept-alive connection pool per process (protocol/pool.ts), counted against the real
// API server: a TCP relay on 127.0.0.1 in front of it counts the connections, each of which is one
// TLS handshake (TLS passes through the relay untouched). client-node alone opens one per request;
// pooled, a burst of sequential requests shares one, and a watch holds one of its own.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, waitFor, type TestCluster } from '../../tools/harness/index.ts';
import { pooled } from '../../protocol/pool.ts';
import { loadKubeconfig } from '../../extension/kube/kubeconfig.ts';

let c: TestCluster;
let relay: Server;
let connections = 0;
const sockets = new Set<Socket>();

before(async () => {
  c = await startCluster();
  const up = new URL(c.server);
  relay = createServer((client) => {
    connections++;
    const server = connect(Number(up.port), up.hostname);
    client.pipe(server).pipe(client);
    for (const s of [client, server]) {
      sockets.add(s);
      s.on('error', () => undefined).on('close', () => {
        sockets.delete(s);
        client.destroy();
        server.destroy();
      });
    }
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
});

after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => relay.close(r));
  await c.stop();
});

/** A kubeconfig for the relay: the API server's own (CA, token), only the port changed. The
 *  certificate names 127.0.0.1, so the relay's address verifies as the server's does. */
function viaRelay(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(c.kubeconfigPath);
  const cluster = kc.getCurrentCluster()!;
  const url = new URL(cluster.server);
  url.port = String((relay.address() as AddressInfo).port);
  kc.loadFromOptions({
    clusters: kc.getClusters().map((x) => (x.name === cluster.name ? { ...x, server: url.toString().replace(/\/$/, '') } : x)),
    users: kc.getUsers(),
    contexts: kc.getContexts(),
    currentContext: kc.getCurrentContext(),
  });
  return kc;
}

async function burst(kc: k8s.KubeConfig, n: number): Promise<number> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const before = connections;
  for (let i = 0; i < n; i++) await core.listNamespace();
  return connections - before;
}

test('without the pool, client-node opens a connection (a TLS handshake) per request', async () => {
  assert.equal(await burst(viaRelay(), 20), 20);
});

test('pooled: 50 sequential requests share one kept-alive connection', async () => {
  const kc = pooled(viaRelay());
  assert.equal(await burst(kc, 50), 1);
  // The pool outlives each API client made from the same kubeconfig.
  assert.equal(await burst(kc, 10), 0);
});

test('pooled: a watch holds its own connection and requests beside it reuse one more', async () => {
  const kc = pooled(viaRelay());
  const before = connections;
  const events: string[] = [];
  const req = await new k8s.Watch(kc).watch('/api/v1/namespaces', {}, (type) => events.push(type), () => undefined);
  await waitFor('the watch lists the namespaces', async () => events.length > 0, 10_000);
  await burst(kc, 20);
  await c.core.createNamespace({ body: { metadata: { name: 'pool-watched' } } });
  await waitFor('the watch sees the new namespace', async () => events.includes('ADDED') && events.length > 3, 10_000);
  req.abort();
  assert.ok(connections - before <= 2, `${connections - before} connections for one watch and 20 requests`);
});

test('pooled: ten requests in parallel open at most ten connections, and the next ten reuse them', async () => {
  const kc = pooled(viaRelay());
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const before = connections;
  await Promise.all(Array.from({ length: 10 }, () => core.listNamespace()));
  const first = connections - before;
  assert.ok(first >= 1 && first <= 10, `${first}`);
  await Promise.all(Array.from({ length: 10 }, () => core.listNamespace()));
  assert.equal(connections - before, first, 'the second burst reused the first burst\'s connections');
});

test('the extension\'s kubeconfig loader hands out a pooled KubeConfig: its requests share one connection', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nodemend-pool-'));
  try {
    const file = join(dir, 'config');
    writeFileSync(file, viaRelay().exportConfig());
    const loaded = loadKubeconfig(file, undefined);
    assert.ok(loaded.ok, loaded.ok ? '' : loaded.error);
    assert.equal(await burst(loaded.kc, 20), 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
