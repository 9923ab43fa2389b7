// The hub's informers against a real API server (with its audit log): they cache slimmed objects
// (backend/hub/slim.ts), not the kubelet's whole Node, and their watches ask for the agent's
// timing (30-60 minute watches with bookmarks, backend/shared/kube.ts), not client-node's 30 s
// default, which reopened each of the hub's four watches twice a minute on a quiet cluster.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startCluster, waitFor, type TestCluster } from '../../tools/harness/index.ts';
import { auditOffset, readAuditFrom } from '../../bench/audit.ts';
import { startInformers, type Watched } from '../../backend/hub/informers.ts';
import { silentLogger } from '../../backend/shared/log.ts';
import { WATCH_SERVER_TIMEOUT_S } from '../../backend/shared/kube.ts';

let c: TestCluster;
let watched: Watched | undefined;

before(async () => {
  c = await startCluster({ audit: true });
  await c.addNodes(2, { prefix: 'hi' });
  await c.ensureNamespace('nodemend');
  // What a kubelet reports besides readiness: the hub has no use for it.
  await c.core.patchNodeStatus({ name: 'hi-0', body: { status: { images: Array.from({ length: 30 }, (_, k) => ({ names: [`registry.example.com/s${k}:v1`], sizeBytes: 1e8 })) } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
}, { timeout: 120_000 });

after(async () => {
  await watched?.stop();
  await c?.stop();
});

test('the hub caches slim objects and watches with long timeouts and bookmarks', { timeout: 60_000 }, async () => {
  const path = c.cp.info.auditLogPath!;
  const offset = auditOffset(path);
  const nodes = new Map<string, k8s.V1Node>();
  const ignore = { upsert: () => undefined, remove: () => undefined };
  // Pages of one object: the two Nodes come in two list requests, one consistent list.
  watched = startInformers(c.kc, 'nodemend', 'nodemend-agent', { nodes: { upsert: (n) => nodes.set(n.metadata!.name!, n), remove: () => undefined }, leases: ignore, daemonset: ignore, events: ignore }, silentLogger, { pageSize: 1 });
  await waitFor('informers synced', async () => watched!.synced(), 30_000);
  assert.deepEqual([...nodes.keys()].sort(), ['hi-0', 'hi-1']);

  // From the list: the hub's fields are there, the kubelet's bulk is not.
  const listed = nodes.get('hi-0')!;
  assert.equal(listed.status?.nodeInfo?.bootID, 'boot-hi-0-0');
  assert.equal(listed.status?.conditions?.find((x) => x.type === 'Ready')?.status, 'True');
  assert.equal(listed.status?.images, undefined, 'images are not cached');
  assert.equal(listed.metadata?.managedFields, undefined, 'managedFields are not cached');
  assert.ok(listed.metadata?.resourceVersion, 'the informer keeps resourceVersion');

  // From the watch: the same.
  await c.core.patchNode({ name: 'hi-0', body: { metadata: { annotations: { 'nodemend.dev/block': 'probe' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  await waitFor('the change arrives through the watch', async () => nodes.get('hi-0')?.metadata?.annotations?.['nodemend.dev/block'] === 'probe', 20_000);
  const watchedNode = nodes.get('hi-0')!;
  assert.equal(watchedNode.status?.images, undefined);
  assert.equal(watchedNode.metadata?.managedFields, undefined);
  assert.equal(watchedNode.status?.nodeInfo?.bootID, 'boot-hi-0-0');

  // Every watch the informers opened asked for 30-60 minutes and for bookmarks.
  type Line = { verb?: string; requestURI?: string; stage?: string };
  let watches: URL[] = [];
  await waitFor('four watches in the audit log', async () => {
    const lines = readAuditFrom(path, offset).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
    watches = [...new Map(lines.filter((l) => l.verb === 'watch').map((l) => [l.requestURI!, new URL(l.requestURI!, 'https://x')])).values()];
    return watches.length >= 4;
  }, 20_000);
  const [lo, hi] = WATCH_SERVER_TIMEOUT_S;
  for (const u of watches) {
    const t = Number(u.searchParams.get('timeoutSeconds'));
    assert.ok(t >= lo && t < hi, `${u.pathname} asks for ${t} s`);
    assert.equal(u.searchParams.get('allowWatchBookmarks'), 'true', `${u.pathname} asks for bookmarks`);
  }
  assert.deepEqual(watches.map((u) => u.pathname.split('/').at(-1)).sort(), ['daemonsets', 'events', 'leases', 'nodes']);
  // The Node list came in pages: the first asks for one object, the second continues it.
  const lines = readAuditFrom(path, offset).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
  const nodeLists = [...new Set(lines.filter((l) => l.verb === 'list' && l.requestURI!.startsWith('/api/v1/nodes?')).map((l) => l.requestURI!))].map((u) => new URL(u, 'https://x').searchParams);
  assert.equal(nodeLists.length, 2, 'two pages of Nodes');
  assert.ok(nodeLists.every((q) => q.get('limit') === '1'));
  assert.equal(nodeLists.filter((q) => q.get('continue')).length, 1, 'the second page continues the first');
});
