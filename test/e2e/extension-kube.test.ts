// The extension's Kubernetes and hub adapters outside VS Code, against the real API server and the
// real hub: annotation writes with each person's own credentials (and the 403 message a viewer
// gets), SelfSubjectAccessReview, the "not installed" answer of the service proxy, and the hub
// client's reconnect after a hub restart. (The same code runs inside VS Code in extension.test.ts.)

import * as k8s from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { A, parseRequests } from '../../protocol/annotations.ts';
import type { HubHandle } from '../../backend/hub/main.ts';
import type { ConnState } from '../../extension/connection/failures.ts';
import { HubClient } from '../../extension/connection/hub-client.ts';
import { readSettings } from '../../extension/connection/settings.ts';
import { resolveTarget } from '../../extension/connection/targets.ts';
import { checkPermissions } from '../../extension/kube/access.ts';
import { loadKubeconfig } from '../../extension/kube/kubeconfig.ts';
import { block, scheduleReboot } from '../../extension/kube/requests.ts';
import { AnnotationWriter } from '../../extension/kube/writer.ts';
import type { Log } from '../../extension/log/log.ts';
import { StreamState } from '../../extension/state/stream.ts';
import { startCluster, type TestCluster } from '../../tools/harness/index.ts';
import { ensureDaemonSet } from '../integration/hub-support.ts';
import { startHub } from './support/hub.ts';
import { applyPeopleRoles, OPERATOR, VIEWER, writeKubeconfig } from './support/users.ts';

const NS = 'nodemend';
let c: TestCluster;
let dir: string;
let kubeconfig: string;
const hubs: HubHandle[] = [];

const lines: string[] = [];
const log: Log = { info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`), show: () => {} };
const as = (context: string) => {
  const l = loadKubeconfig(kubeconfig, context);
  if (!l.ok) throw new Error(l.error);
  return l;
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nodemend-e2e-kube-'));
  c = await startCluster();
  await c.addNodes(3, { prefix: 'k' });
  kubeconfig = await writeKubeconfig(c.kc, dir, [OPERATOR, VIEWER]);
  await applyPeopleRoles(c.kc);
});

after(async () => {
  for (const h of hubs) await h.stop();
  await c?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('SelfSubjectAccessReview: with the documented roles, the operator may patch nodes and the cluster block, the viewer neither', async () => {
  const op = as('operator');
  assert.deepEqual(await checkPermissions(op.kc, NS, log), { patchNodes: true, patchClusterBlock: true });
  const viewer = as('viewer');
  assert.deepEqual(await checkPermissions(viewer.kc, NS, log), { patchNodes: false, patchClusterBlock: false });
});

test('writes land as the annotations the agent parses, with the operator credentials', async () => {
  const op = as('operator');
  const w = new AnnotationWriter(op.kc, op.context, NS);
  const at = Date.parse('2030-01-02T03:04:05Z');
  const s = scheduleReboot(at);
  assert.ok(s.ok);
  assert.deepEqual(await w.node('k-0', s.patch, 'schedule a reboot of node k-0'), { ok: true });
  const b = block('freeze');
  assert.ok(b.ok);
  assert.deepEqual(await w.node('k-0', b.patch, 'block reboots of node k-0'), { ok: true });
  const ann = (await c.kc.makeApiClient(k8s.CoreV1Api).readNode({ name: 'k-0' })).metadata?.annotations ?? {};
  assert.deepEqual(parseRequests(ann), { rebootAfter: at, block: { reason: 'freeze' }, errors: [] });
});

test('a viewer gets a 403 that names the missing permission, the context, and changes nothing', async () => {
  const v = as('viewer');
  const w = new AnnotationWriter(v.kc, v.context, NS);
  const s = scheduleReboot(Date.now());
  assert.ok(s.ok);
  const r = await w.node('k-1', s.patch, 'schedule a reboot of node k-1');
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.status, 403);
    assert.equal(r.error, 'Not allowed to schedule a reboot of node k-1: your credentials for context "viewer" lack permission "patch" on "nodes" (cluster-wide). Ask a cluster admin for a Role or ClusterRole granting it.');
  }
  const b = block('x');
  assert.ok(b.ok);
  await ensureDaemonSet(c.kc.makeApiClient(k8s.AppsV1Api), NS, 'nodemend-agent');
  const rc = await w.cluster(b.patch, 'block reboots cluster-wide');
  assert.ok(!rc.ok && /lack permission "patch" on "daemonsets.apps" in namespace "nodemend"/.test(rc.error), rc.ok ? '' : rc.error);
  const ann = (await c.kc.makeApiClient(k8s.CoreV1Api).readNode({ name: 'k-1' })).metadata?.annotations ?? {};
  assert.equal(ann[A.rebootAfter], undefined);
});

/** Runs a HubClient with a StreamState until `until` holds; returns the states it went through. */
async function run(settings: Record<string, unknown>, k: ReturnType<typeof as>, until: (s: StreamState, states: ConnState[]) => boolean, timeoutMs = 20_000, during?: (s: StreamState) => Promise<void>) {
  const { settings: st } = readSettings((key) => settings[key]);
  const stream = new StreamState();
  const states: ConnState[] = [];
  const details: string[] = [];
  let wake = () => {};
  const client = new HubClient({
    target: () => resolveTarget(st, { kc: k.kc, context: k.context, server: k.server }, log),
    hello: () => stream.hello('e2e'),
    onFrame: (m) => {
      const out = stream.handle(m);
      wake();
      if (out.kind === 'resync') {
        stream.forgetResume();
        return 'resync';
      }
      return out.kind === 'error' && out.fatal ? 'fatal' : 'ok';
    },
    onState: (s, d) => {
      states.push(s);
      if (d) details.push(d);
      wake();
    },
    log,
    random: () => 0,
  });
  client.start();
  try {
    const end = Date.now() + timeoutMs;
    let duringDone = !during;
    while (!until(stream, states)) {
      if (Date.now() > end) throw new Error(`timed out; states ${states.join(' > ')}; details ${details.join(' | ')}`);
      if (!duringDone && stream.live() && during) {
        duringDone = true;
        await during(stream);
      }
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 200);
      });
    }
  } finally {
    client.stop();
  }
  return { states, details, stream };
}

test('proxy mode on a cluster without nodemend says "not installed" (the real service proxy 404)', async () => {
  const r = await run({}, as('operator'), (_s, states) => states.includes('no-backend'));
  assert.ok(r.details.some((d) => d === 'nodemend is not installed in context "operator" (no Service nodemend-hub in namespace "nodemend").'), r.details.join(' | '));
});

test('url mode: the operator token is accepted by the hub; a hub restart is survived with a fresh snapshot', async () => {
  hubs.push(await startHub(c.kubeconfigPath, NS));
  const port = hubs[0].port;
  const settings = { 'hub.mode': 'url', 'hub.url': `ws://127.0.0.1:${port}/stream` };
  let firstStream = '';
  const r = await run(
    settings,
    as('operator'),
    (s) => {
      const h = s.hello('x');
      return s.live() && firstStream !== '' && h.resume !== undefined && h.resume.streamId !== firstStream;
    },
    60_000,
    async (s) => {
      assert.deepEqual(s.snapshot()?.nodes.map((n) => n.name).sort(), ['k-0', 'k-1', 'k-2']);
      firstStream = s.hello('x').resume?.streamId ?? '';
      // Restart the hub on the same port: the client must reconnect by itself.
      await hubs[0].stop();
      hubs[0] = await startHubOn(port);
    },
  );
  assert.ok(r.states.filter((s) => s === 'connecting').length >= 2, r.states.join(' > '));
  assert.equal(r.stream.snapshot()?.nodes.length, 3);
});

async function startHubOn(port: number): Promise<HubHandle> {
  const { runHub } = await import('../../backend/hub/main.ts');
  return runHub([`--kubeconfig=${c.kubeconfigPath}`, `--listen=127.0.0.1:${port}`, '--listen-trusted=off', `--namespace=${NS}`, '--heartbeat=2s', '--log-level=error'], {}, { embedded: true });
}

test('url mode: a token the API server does not know is refused (401) with a message to log in again', async () => {
  hubs.push(await startHub(c.kubeconfigPath, NS));
  const url = `ws://127.0.0.1:${hubs[hubs.length - 1].port}/stream`;
  const k = as('viewer');
  k.kc.users = k.kc.users.map((u) => (u.name === 'viewer' ? { ...u, token: 'not-a-token' } : u));
  const r = await run({ 'hub.mode': 'url', 'hub.url': url }, k, (_s, states) => states.includes('error'));
  assert.ok(r.details.some((d) => /The hub rejected your credentials for context "viewer" \(401\)/.test(d)), r.details.join(' | '));
  // The real viewer token may list nodes: the hub serves it.
  const ok = await run({ 'hub.mode': 'url', 'hub.url': url }, as('viewer'), (s) => s.live());
  assert.equal(ok.stream.snapshot()?.nodes.length, 3);
});
