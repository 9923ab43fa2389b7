// The shipped plugin, dist/kubectl-nodemend, run by the real kubectl (`kubectl nodemend ...`,
// found on PATH as kubectl finds every plugin) against a real API server with nodemend's
// deploy/ applied, as two people with real credentials (ServiceAccount tokens bound to the
// documented roles): a requester's writes land as exactly the documented annotations (and pass
// the requester admission policy, which refuses any other change), read back by the agent's own
// parser; a viewer sees the status and is refused every write with the permission and the role
// named. Usage errors exit 2, refusals 1.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCluster, waitFor, type TestCluster } from '../../tools/harness/index.ts';
import { controlPlaneBin } from '../../tools/harness/binaries.ts';
import { deployDir } from '../../deploy/render.ts';
import { A, parseRequests } from '../../protocol/annotations.ts';
import { waitMarkerName } from '../../protocol/leases.ts';
import { writeKubeconfig, type Person } from '../e2e/support/users.ts';
import { mergePatch } from './agent-support.ts';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
const NS = 'nodemend';
const REQUESTER: Person = { name: 'kp-requester', clusterRoles: ['nodemend-viewer', 'nodemend-requester'], roles: ['nodemend-viewer', 'nodemend-requester'] };
const VIEWER: Person = { name: 'kp-viewer', clusterRoles: ['nodemend-viewer'], roles: ['nodemend-viewer'] };
/** Bound to the ClusterRole only (Nodes), without the Role in namespace nodemend: reads no Leases. */
const NODES_ONLY: Person = { name: 'kp-nodes-only', clusterRoles: ['nodemend-viewer'], roles: [] };

let c: TestCluster;
let dir: string;
let people = '';
let nodes: string[] = [];

before(async () => {
  assert.ok(existsSync(join(DIST, 'kubectl-nodemend')), 'dist/kubectl-nodemend is built (the suite bundles before the tests)');
  dir = mkdtempSync(join(tmpdir(), 'nodemend-kubectl-'));
  c = await startCluster();
  nodes = await c.addNodes(3, { prefix: 'kp' });
  const r = await c.kubectl(['apply', '--server-side', '-k', join(deployDir, 'overlays/default')]);
  assert.equal(r.code, 0, r.stderr);
  people = await writeKubeconfig(c.kc, dir, [REQUESTER, VIEWER, NODES_ONLY]);
  // The admission policy is loaded asynchronously: wait until it refuses a requester's label, so
  // the writes below are checked by it.
  const sa = `--as=system:serviceaccount:${NS}:${REQUESTER.name}`;
  // A new value each try: a label already set is not sent again, and would never be refused.
  let i = 0;
  await waitFor('requester policy active', async () => /nodemend-requester may change only/.test((await c.kubectl([sa, 'label', '--overwrite', 'node', nodes[0], `kp-probe=${i++}`])).stderr), 60_000);
  assert.equal((await c.kubectl(['label', 'node', nodes[0], 'kp-probe-'])).code, 0);
}, { timeout: 180_000 });

after(async () => {
  await c?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** `kubectl nodemend ARGS` as a person (a context of the people kubeconfig), or as the admin. */
function plugin(who: Person | 'admin', args: string[]): Promise<Ran> {
  const kubeconfig = who === 'admin' ? c.kubeconfigPath : people;
  const ctx = who === 'admin' ? [] : ['--context', who.name];
  // kubectl finds kubectl-nodemend on PATH; the bundle's #!/usr/bin/env node finds this Node.
  const env = { ...process.env, KUBECONFIG: kubeconfig, PATH: [DIST, dirname(process.execPath), process.env.PATH].join(delimiter), TZ: 'UTC' };
  return new Promise((resolve) => {
    execFile(join(controlPlaneBin(), 'kubectl'), ['nodemend', ...ctx, ...args], { env, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

async function annotations(node: string): Promise<Record<string, string>> {
  return (await c.core.readNode({ name: node })).metadata?.annotations ?? {};
}

const requestKeys = (a: Record<string, string>) => Object.fromEntries(Object.entries(a).filter(([k]) => k.startsWith('nodemend.dev/')));

test('requester: schedule, block, unblock, cancel, force write exactly the documented annotations', async () => {
  const [n] = nodes;
  const t0 = Date.now();
  let r = await plugin(REQUESTER, ['schedule', n, '--in', '2h']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^node/${n}: reboot scheduled after \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d`, 'm'));
  let req = parseRequests(await annotations(n));
  assert.deepEqual(req.errors, []);
  assert.ok(req.rebootAfter! >= t0 + 2 * 3600_000 - 1000 && req.rebootAfter! <= Date.now() + 2 * 3600_000, `reboot-after ${req.rebootAfter}`);

  r = await plugin(REQUESTER, ['block', n, '--reason', 'quarterly close', '--for', '3h']);
  assert.equal(r.code, 0, r.stderr);
  req = parseRequests(await annotations(n));
  assert.equal(req.block?.reason, 'quarterly close');
  assert.ok(req.block?.until && Math.abs(req.block.until - (Date.now() + 3 * 3600_000)) < 60_000);
  assert.ok(req.rebootAfter !== undefined, 'a merge patch leaves the other request alone');

  // A block without expiry removes an earlier expiry (the extension does the same).
  r = await plugin(REQUESTER, ['block', n, '--reason', 'until further notice']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(Object.keys(requestKeys(await annotations(n))).sort(), [A.block, A.rebootAfter]);

  r = await plugin(REQUESTER, ['unblock', n]);
  assert.equal(r.code, 0, r.stderr);
  r = await plugin(REQUESTER, ['cancel', n]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(requestKeys(await annotations(n)), {});

  r = await plugin(REQUESTER, ['force', n, '--yes']);
  assert.equal(r.code, 0, r.stderr);
  req = parseRequests(await annotations(n));
  assert.ok(req.forceReboot !== undefined && Math.abs(req.forceReboot - Date.now()) < 60_000);
  assert.equal((await plugin(REQUESTER, ['cancel', n])).code, 0);
});

test('requester: pause and resume write the cluster-wide block on the agent DaemonSet; status shows it', async () => {
  const until = new Date(Date.now() + 30 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const shown = `${until.slice(0, 10)} ${until.slice(11, 16)}`;
  let r = await plugin(REQUESTER, ['pause', '--reason', 'change freeze', '--until', until]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `Reboots paused cluster-wide until ${shown} +00:00.\n`);
  const ds = await c.apps.readNamespacedDaemonSet({ name: 'nodemend-agent', namespace: NS });
  assert.equal(ds.metadata?.annotations?.[A.block], 'change freeze');
  assert.equal(ds.metadata?.annotations?.[A.blockUntil], until);
  r = await plugin(REQUESTER, ['status']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^Cluster-wide block: change freeze, until ${shown} \\(in (30d|29d23h)\\)\n`));
  r = await plugin(REQUESTER, ['resume']);
  assert.equal(r.code, 0, r.stderr);
  const after = await c.apps.readNamespacedDaemonSet({ name: 'nodemend-agent', namespace: NS });
  assert.equal(after.metadata?.annotations?.[A.block], undefined);
  assert.equal(after.metadata?.annotations?.[A.blockUntil], undefined);
});

test('viewer: every write is refused, naming the missing permission and the role to bind; nothing changes', async () => {
  const [, n] = nodes;
  const before = requestKeys(await annotations(n));
  for (const args of [['schedule', n, '--at', 'now'], ['block', n, '--reason', 'x'], ['unblock', n], ['cancel', n], ['force', n, '--yes']]) {
    const r = await plugin(VIEWER, args);
    assert.equal(r.code, 1, `${args[0]}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /^error: Not allowed to .* node kp-\S+: your credentials for context "kp-viewer" lack permission "patch" on "nodes" \(cluster-wide\)\./m, args[0]);
    assert.match(r.stderr, /ClusterRole nodemend-requester: kubectl create clusterrolebinding <you>-nodemend-requester --clusterrole=nodemend-requester/, args[0]);
    assert.equal(r.stdout, '');
  }
  const r = await plugin(VIEWER, ['pause', '--reason', 'x']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /lack permission "patch" on "daemonsets\.apps" in namespace "nodemend"\..*Role nodemend-requester in namespace "nodemend"/);
  assert.deepEqual(requestKeys(await annotations(n)), before);
  // The viewer's Role reads the lock Leases; without it, `locks` is refused with the permission named.
  const locks = await plugin(VIEWER, ['locks']);
  assert.equal(locks.code, 0, locks.stderr);
  const refusedLocks = await plugin(NODES_ONLY, ['locks']);
  assert.equal(refusedLocks.code, 1);
  assert.match(refusedLocks.stderr, /lack permission "list" on "leases\.coordination\.k8s\.io" in namespace "nodemend"/);
});

test('viewer: status, history and completion read what a viewer may read', async () => {
  const [, n, m] = nodes;
  // What the agent publishes, written here as an agent would.
  const state = { v: 1, phase: 'waiting-window', reason: 'outside the reboot window', since: '2026-01-01T00:00:00Z', rebootRequired: true, agent: 'test', nextWindow: '2099-01-01T02:00:00Z' };
  const history = [{ start: '2026-01-01T03:00:00Z', end: '2026-01-01T03:05:00Z', outcome: 'succeeded', drainMs: 60_000 }];
  await c.core.patchNode({ name: n, body: { metadata: { annotations: { [A.state]: JSON.stringify(state), [A.history]: JSON.stringify(history) } } } }, mergePatch());
  await c.core.patchNode({ name: m, body: { metadata: { annotations: { [A.state]: JSON.stringify({ ...state, phase: 'draining', reason: 'draining', lock: 'nodemend-lock-0', nextWindow: undefined }) } } } }, mergePatch());

  let r = await plugin(VIEWER, ['status']);
  assert.equal(r.code, 0, r.stderr);
  const line = (name: string) => r.stdout.split('\n').find((l) => l.startsWith(`${name} `)) ?? '';
  assert.match(line(n), /waiting-window +outside the reboot window +2099-01-01 02:00 \(in \d+d.*\) +- +2026-01-01 03:05 \(\d+d\d*h? ?ago\) succeeded/);
  // The state names slot nodemend-lock-0, but no Lease says so: a reader of the Leases shows none held.
  assert.match(line(m), /draining +draining +- +- +-/);
  // The viewer role reads the Leases but not the DaemonSet (its spec may carry secrets): said once, never a failure.
  assert.doesNotMatch(r.stderr, /leases/);
  assert.match(r.stderr, /note: .*lack permission "get" on "daemonsets\.apps".*A cluster-wide block, if any, is not shown/);
  // Someone bound to the ClusterRole only reads no Leases either: queue places are unknown, and said so.
  const bare = await plugin(NODES_ONLY, ['status']);
  assert.equal(bare.code, 0, bare.stderr);
  assert.match(bare.stderr, /note: .*lack permission "list" on "leases\.coordination\.k8s\.io".*Queue places are shown as "queue \?"/);
  // Without the Leases, the slot the agent publishes is all there is to show.
  assert.match(bare.stdout.split('\n').find((l) => l.startsWith(`${m} `)) ?? '', /draining +draining +- +nodemend-lock-0 +-/);

  r = await plugin(VIEWER, ['status', n, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.nodes.length, 1);
  assert.deepEqual({ node: j.nodes[0].node, phase: j.nodes[0].phase, nextWindow: j.nodes[0].nextWindow }, { node: n, phase: 'waiting-window', nextWindow: '2099-01-01T02:00:00Z' });
  assert.equal(j.clusterBlock, undefined, 'unknown, not "none"');

  r = await plugin(VIEWER, ['history', n, '-o', 'yaml']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ {2}- start: '?2026-01-01T03:00:00Z'?$|^- start: '?2026-01-01T03:00:00Z'?$/m);
  r = await plugin(VIEWER, ['history', n]);
  assert.match(r.stdout, /^2026-01-01 03:00 \(.*\) +succeeded +5m +1m +- +- +- +-$/m);

  r = await plugin(VIEWER, ['status', 'kp-nope']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /node kp-nope not found/);

  // kubectl's plugin completion runs kubectl_complete-nodemend with the words typed so far.
  const env = { ...process.env, KUBECONFIG: people, PATH: [DIST, dirname(process.execPath), process.env.PATH].join(delimiter) };
  const words = await new Promise<string>((resolve, reject) =>
    execFile(join(DIST, 'kubectl_complete-nodemend'), ['--context', VIEWER.name, 'block', 'kp'], { env, timeout: 60_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
  );
  assert.deepEqual(words.trim().split('\n'), [...[...nodes].sort(), ':4']);
});

test('admin: slots and the queue from the Leases', async () => {
  const [a, b, d] = nodes;
  const now = new Date();
  const lease = (name: string, holder: string, at: Date) => c.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: NS }, spec: { holderIdentity: holder, acquireTime: at.toISOString().replace('Z', '000Z'), renewTime: at.toISOString().replace('Z', '000Z'), leaseDurationSeconds: 60 } }) });
  for (const x of [await lease('nodemend-lock-0', b, now), await lease(waitMarkerName(d), d, new Date(now.getTime() - 60_000)), await lease(waitMarkerName(a), a, now)]) assert.equal(x.code, 0, x.stderr);
  let r = await plugin('admin', ['status', '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const rows = Object.fromEntries((JSON.parse(r.stdout).nodes as { node: string; slot?: string; queue?: unknown }[]).map((x) => [x.node, [x.slot, x.queue]]));
  assert.deepEqual(rows, { [a]: [undefined, { position: 2, of: 2 }], [b]: ['nodemend-lock-0', undefined], [d]: [undefined, { position: 1, of: 2 }] });
  r = await plugin('admin', ['locks']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^nodemend-lock-0 +cluster +${b} +`, 'm'));
  assert.match(r.stdout, new RegExp(`Waiting for a slot, first in line first: ${d}, ${a}`));
});

test('usage errors exit 2 and name the flag and the fix, before any cluster call', async () => {
  const cases: [string[], RegExp][] = [
    [['schedule', 'kp-0', '--at', '25:00'], /^error: --at: "25:00" is not a time of day/],
    [['block', 'kp-0', '--for', '3h'], /^error: block needs --reason/],
    [['status', '-o', 'xml'], /^error: --output "xml" is not supported; use one of table, wide, json, yaml\./],
    [['force', 'kp-0'], /Add --yes to confirm/],
  ];
  for (const [args, want] of cases) {
    const r = await plugin(VIEWER, args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, want);
  }
  const bad = await plugin('admin', ['status', '--context', 'nope']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--context: context "nope" is not in /);
});
