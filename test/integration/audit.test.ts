// The bench counts each agent's API requests in the real API server's audit log (bench/audit.ts).
// This proves the counting against the real format: a ServiceAccount's get, list and watch are
// three requests, named by verb and resource, and nobody else's requests are counted.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { startCluster, waitFor, type TestCluster } from '../../tools/harness/index.ts';
import { auditOffset, countAudit, readAuditFrom } from '../../bench/audit.ts';

let c: TestCluster;
const USER = 'system:serviceaccount:default:audit-probe';

before(async () => {
  c = await startCluster({ audit: true });
  await c.addNodes(2, { prefix: 'au' });
  await c.core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'audit-probe' } } });
  const rbac = c.kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  await rbac.createClusterRole({ body: { metadata: { name: 'audit-probe-nodes' }, rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] }] } });
  await rbac.createClusterRoleBinding({ body: { metadata: { name: 'audit-probe-nodes' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'audit-probe-nodes' }, subjects: [{ kind: 'ServiceAccount', name: 'audit-probe', namespace: 'default' }] } });
}, { timeout: 120_000 });

after(async () => {
  await c?.stop();
});

test("the audit log counts one ServiceAccount's get, list and watch, by verb and resource", async () => {
  const path = c.cp.info.auditLogPath!;
  assert.ok(path, 'started with audit');
  const tok = await c.core.createNamespacedServiceAccountToken({ name: 'audit-probe', namespace: 'default', body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: c.server, caData: readFileSync(c.cp.info.caPath).toString('base64') }],
    users: [{ name: 'probe', token: tok.status!.token }],
    contexts: [{ name: 'c', cluster: 'c', user: 'probe' }],
    currentContext: 'c',
  });
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const offset = auditOffset(path);
  const from = Date.now() - 1000; // the clock is the same machine's; a second of slack
  await core.readNode({ name: 'au-0' });
  await core.listNode();
  const req = await new k8s.Watch(kc).watch('/api/v1/nodes', {}, () => {}, () => {});
  await new Promise((r) => setTimeout(r, 500));
  req.abort();
  // Meanwhile the control plane (as other users) kept working: none of that is counted.
  await c.core.listNode();
  let got = countAudit('', USER, 0, 0);
  await waitFor('three requests in the audit log', async () => {
    got = countAudit(readAuditFrom(path, offset), USER, from, Date.now() + 1000);
    return got.requests === 3 && got.byVerbResource['watch nodes'] === 1;
  }, 20_000);
  assert.deepEqual(got.byVerbResource, { 'get nodes': 1, 'list nodes': 1, 'watch nodes': 1 });
  assert.ok(countAudit(readAuditFrom(path, offset), 'nodemend-admin', from, Date.now() + 1000).requests >= 1, "the admin's own list is there, under its own name");
});
