import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { INFORMER_BACKOFF, informer, retryDelay } from './informer.ts';
import { silentLogger } from './log.ts';

test('retryDelay: 0.8 s doubling to a 30 s cap, drawn between half and all of each step', () => {
  const steps = [800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000];
  steps.forEach((s, i) => {
    assert.equal(retryDelay(i + 1, INFORMER_BACKOFF, () => 0), s / 2, `retry ${i + 1}, low end`);
    assert.equal(retryDelay(i + 1, INFORMER_BACKOFF, () => 1), s, `retry ${i + 1}, high end`);
  });
  assert.equal(retryDelay(10_000, INFORMER_BACKOFF, () => 1), 30_000, 'no overflow');
});

test('informer: the delay grows through failures (CONNECT, fired at every attempt, does not reset it) and resets after a list that worked', async () => {
  let failing = true;
  const lists: number[] = [];
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return; // an open, quiet watch
    }
    lists.push(Date.now());
    if (failing) res.writeHead(500).end('{"kind":"Status","code":500}');
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[]}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({ clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const w = informer<k8s.V1Node>(kc, { name: 'nodes', path: '/api/v1/nodes', list: () => core.listNode(), log: silentLogger, backoff: { initialMs: 50, maxMs: 400 }, random: () => 1 });
  try {
    // 50, 100, 200, 400, 400, ... ms: about 7 tries in 2 s. Reset at every attempt it was ~40.
    await new Promise((r) => setTimeout(r, 2000));
    assert.ok(lists.length >= 5 && lists.length <= 9, `${lists.length} lists in 2 s`);
    assert.ok(!w.healthy() && !w.synced());
    const gaps = lists.slice(1).map((t, i) => t - lists[i]);
    assert.ok(gaps.at(-1)! >= 350, `capped gap ${gaps.at(-1)} ms`);
    failing = false;
    await new Promise((r) => setTimeout(r, 600));
    assert.ok(w.synced() && w.healthy(), 'back after one capped delay');
  } finally {
    await w.stop();
    server.closeAllConnections();
    server.close();
  }
});
