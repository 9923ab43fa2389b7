// nodemend as it ships, on real Linux nodes that really reboot: the image built from the
// Dockerfile, the manifests applied as shipped (only the image changed), the agent as a pod on real
// kubelets in qemu VMs, and reboots of real kernels through the command and the signal methods.
// The packaged extension in code-server reaches the hub pod through the API server's service
// proxy. One lab of three nodes serves every test in this file, in order; each test leaves the cluster
// settled (every node healthy, schedulable, no lock held) for the next.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { A, parseHistory, parseState } from '../../protocol/annotations.ts';
import { proxyStreamUrl } from '../../extension/connection/settings.ts';
import { applyOverlay, startLab, waitDeployed, type Lab } from '../../tools/lab/lab.ts';
import { waitFor } from '../../tools/harness/procs.ts';
import { Watcher } from '../chaos/watcher.ts';
import { StreamClient } from '../integration/hub-support.ts';
import { startCodeServer } from '../e2e/support/code-server.ts';
import { packageVsix } from '../e2e/support/package.ts';
import { eventually, shot } from '../e2e/support/shots.ts';
import { Workbench } from '../e2e/support/workbench.ts';
import { LOCK_PREFIX } from '../../protocol/leases.ts';
import { Availability, extensionStream, span, Timeline, type Mark } from './support.ts';

const PAUSE = 'registry.k8s.io/pause:3.10';
const APP_NS = 'shop';
/** The Events one reboot records on its Node, in order. */
const EVENTS = ['LockAcquired', 'Cordoned', 'Drained', 'Rebooting', 'Uncordoned', 'RebootSucceeded', 'LockReleased'];
/** Where the measured reboots are written, for bench/ and docs/benchmarks.md. */
const RESULTS = process.env.NODEMEND_LAB_RESULTS;

interface Measured {
  node: string;
  method: string;
  marks: Partial<Record<Mark, number>>;
  spans: Record<string, number | undefined>;
}
const measured: Measured[] = [];
const handoffs: number[] = [];

describe('nodemend on real nodes (lab: 3 qemu VMs)', { concurrency: 1 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'nodemend-lab-'));
  let lab: Lab;
  let tl: Timeline;

  before(async () => {
    lab = await startLab({ dir, nodes: 3, log: (l) => console.log(l) });
    console.log(`lab up: ${JSON.stringify(lab.state.timings)}`);
    tl = new Timeline(lab.cluster.kc);
    await tl.start();
    // A real workload behind a PodDisruptionBudget: three replicas on three nodes, at least two
    // Ready at all times. Its pods run the pause image, imported into each node's containerd.
    await lab.cluster.ensureNamespace(APP_NS);
    await lab.cluster.addDeployment({ namespace: APP_NS, name: 'web', replicas: 3, image: PAUSE, terminationGracePeriodSeconds: 5, pdb: { minAvailable: 2 }, spreadOverNodes: true, readyTimeoutMs: 300_000 });
  });

  after(async () => {
    await tl?.stop();
    if (RESULTS) writeFileSync(RESULTS, JSON.stringify({ at: new Date().toISOString(), accel: lab?.state.accel, lab: lab?.state.timings, reboots: measured, handoffsMs: handoffs }, null, 2));
    await lab?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function nodeOf(name: string): Promise<k8s.V1Node> {
    return lab.cluster.core.readNode({ name });
  }

  async function holders(): Promise<string[]> {
    const l = await lab.cluster.kc.makeApiClient(k8s.CoordinationV1Api).listNamespacedLease({ namespace: 'nodemend' });
    return l.items.filter((x) => x.metadata?.name?.startsWith(LOCK_PREFIX) && x.spec?.holderIdentity).map((x) => x.spec!.holderIdentity!);
  }

  /** Every node Ready, schedulable, not marked as cordoned by nodemend, phase healthy; no slot held. */
  async function settled(): Promise<string | undefined> {
    const nodes = (await lab.cluster.core.listNode()).items;
    for (const n of nodes) {
      const name = n.metadata!.name!;
      const st = parseState(n.metadata?.annotations?.[A.state]);
      if (n.spec?.unschedulable) return `${name} is cordoned`;
      if (n.metadata?.annotations?.[A.cordonedBy] !== undefined) return `${name} still carries ${A.cordonedBy}`;
      if (!(n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')) return `${name} is not Ready`;
      if (st?.phase !== 'healthy') return `${name} is ${st?.phase ?? 'without state'}: ${st?.reason ?? ''}`;
    }
    const h = await holders();
    return h.length ? `lock held by ${h.join(', ')}` : undefined;
  }

  async function waitSettled(what: string, timeoutMs: number): Promise<void> {
    let why: string | undefined = 'not checked';
    await waitFor(`${what}: ${why}`, async () => (why = await settled()) === undefined, timeoutMs).catch((e) => {
      throw new Error(`${(e as Error).message}; last: ${why}`);
    });
  }

  async function podsOn(node: string): Promise<string[]> {
    const l = await lab.cluster.core.listNamespacedPod({ namespace: APP_NS, fieldSelector: `spec.nodeName=${node}` });
    return l.items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata!.name!);
  }

  async function touchSentinel(node: string): Promise<void> {
    tl.arm(node);
    const r = await lab.exec(node, 'touch /var/run/reboot-required');
    assert.equal(r.code, 0, r.stderr);
  }

  /** Waits for one node's whole reboot, checks what a real one leaves behind, and records its timings. */
  async function rebooted(node: string, before: { bootId: string; history: number; pods: string[] }, method: string, timeoutMs = 420_000): Promise<void> {
    await waitFor(`${node} rebooted (new boot ID) and healthy again`, async () => {
      const n = await nodeOf(node);
      return n.status?.nodeInfo?.bootID !== before.bootId && parseState(n.metadata?.annotations?.[A.state])?.phase === 'healthy' && !n.spec?.unschedulable && !(await holders()).includes(node);
    }, timeoutMs, lab.node(node).console);
    const n = await nodeOf(node);
    const after = n.status!.nodeInfo!.bootID;
    const hist = parseHistory(n.metadata?.annotations?.[A.history]);
    assert.equal(hist.length, before.history + 1, 'one history entry for one reboot');
    const rec = hist[0]!;
    assert.equal(rec.outcome, 'succeeded');
    assert.equal(rec.bootIdBefore, before.bootId);
    assert.equal(rec.bootIdAfter, after);
    assert.equal(n.metadata?.annotations?.[A.cordonedBy], undefined);
    // A real kernel came up: the guest's uptime is shorter than the reboot took, and the sentinel,
    // on the tmpfs /run, is gone with the old boot.
    const sinceSentinel = (Date.now() - tl.marks(node).sentinel!) / 1000;
    const g = await lab.exec(node, 'cat /proc/sys/kernel/random/boot_id; cut -d" " -f1 /proc/uptime; test -e /var/run/reboot-required && echo present || echo absent');
    const [bootId, uptime, sentinel] = g.stdout.trim().split('\n');
    assert.equal(bootId, after, 'the boot ID the kubelet reports is the guest kernel\'s');
    assert.ok(Number(uptime) < sinceSentinel, `uptime ${uptime} s < ${sinceSentinel.toFixed(0)} s since the sentinel appeared`);
    assert.equal(sentinel, 'absent');
    // The drain moved the workload's pods off the node (they were evicted, not left to die).
    const now = await podsOn(node);
    for (const p of before.pods) assert.ok(!now.includes(p), `pod ${p} was evicted from ${node}`);
    const m = tl.marks(node);
    for (const k of ['lock', 'cordon', 'rebooting', 'newBoot', 'ready', 'uncordon', 'released'] as Mark[]) assert.ok(m[k] !== undefined, `${node}: saw ${k}`);
    // Ready to uncordon splits at the agent container's start on the new boot (the kubelet's
    // status, second precision): before it, the kubelet and containerd bring the pod back; after
    // it, the agent starts, sees the new boot and uncordons.
    const agentStart = await agentStartedAt(node);
    const spans = {
      sentinelToLock: span(m, 'sentinel', 'lock'),
      lockToCordon: span(m, 'lock', 'cordon'),
      drain: span(m, 'cordon', 'rebooting'),
      rebootToNotReady: span(m, 'rebooting', 'notReady'),
      rebootToReady: span(m, 'rebooting', 'ready'),
      readyToUncordon: span(m, 'ready', 'uncordon'),
      readyToAgentStart: agentStart === undefined || m.ready === undefined ? undefined : (agentStart - m.ready) / 1000,
      agentStartToUncordon: agentStart === undefined || m.uncordon === undefined ? undefined : (m.uncordon - agentStart) / 1000,
      uncordonToRelease: span(m, 'uncordon', 'released'),
      total: span(m, 'sentinel', 'released'),
    };
    console.log(`${node} (${method}): ${JSON.stringify(spans)}`);
    measured.push({ node, method, marks: m, spans });
  }

  /** When the agent container on `node` last started (epoch ms), from the pod's status. */
  async function agentStartedAt(node: string): Promise<number | undefined> {
    const pods = await lab.cluster.core.listNamespacedPod({ namespace: 'nodemend', fieldSelector: `spec.nodeName=${node}`, labelSelector: 'app.kubernetes.io/component=agent' });
    const at = pods.items[0]?.status?.containerStatuses?.find((c) => c.name === 'agent')?.state?.running?.startedAt;
    return at ? new Date(at).getTime() : undefined;
  }

  async function snapshotOf(node: string) {
    const n = await nodeOf(node);
    const hist = parseHistory(n.metadata?.annotations?.[A.history]);
    return { bootId: n.status!.nodeInfo!.bootID, history: hist.length, pods: await podsOn(node) };
  }

  test('the shipped manifests run the image built here as a pod on every real kubelet', async () => {
    const pods = await lab.cluster.core.listNamespacedPod({ namespace: 'nodemend', labelSelector: 'app.kubernetes.io/component=agent' });
    assert.deepEqual(pods.items.map((p) => p.spec?.nodeName).sort(), ['lab-1', 'lab-2', 'lab-3']);
    for (const p of pods.items) {
      assert.equal(p.spec?.containers[0]?.image, lab.state.image.ref);
      assert.equal(p.status?.phase, 'Running');
      assert.equal(p.spec?.hostPID, true);
      assert.equal(p.spec?.containers[0]?.securityContext?.privileged, true);
    }
    for (const v of lab.nodes) {
      const n = await nodeOf(v.name);
      assert.equal(n.status?.nodeInfo?.kubeletVersion, 'v1.34.4');
      assert.match(n.status?.nodeInfo?.containerRuntimeVersion ?? '', /^containerd:/);
      const st = parseState(n.metadata?.annotations?.[A.state]);
      assert.equal(st?.phase, 'healthy', `${v.name}: ${st?.reason}`);
      assert.equal(st?.bootId, n.status?.nodeInfo?.bootID, 'the agent reads the real boot ID');
    }
    // The workload spread over the three nodes, so every drain below evicts something.
    for (const v of lab.nodes) assert.equal((await podsOn(v.name)).length, 1, `one web pod on ${v.name}`);
  });

  test('command method, a rolling reboot of 3 nodes at concurrency 1: each kernel rebooted through `systemctl reboot`, one node disrupted at a time, the budget kept, the hub streams it through the API server', async () => {
    const watcher = new Watcher(lab.cluster.kc, {
      policy: { concurrency: 1, inWindow: () => true, lagMs: 5000, leftCordonedMs: 60_000, maxHoldMs: 900_000, blockGraceMs: 2000, lostAfterMs: 900_000 },
      onViolation: (v) => console.log(`VIOLATION ${JSON.stringify(v)}`),
    });
    await watcher.start();
    const avail = new Availability(lab.cluster.kc);
    await avail.start(APP_NS, 'web');
    // The extension's default path: the API server's service proxy to the hub pod, with the
    // user's own credentials (here the admin's token).
    const url = proxyStreamUrl(lab.state.cp.server, 'nodemend');
    const tls = { ca: readFileSync(lab.state.cp.caPath, 'utf8'), ...(lab.state.cp.tlsServerName ? { servername: lab.state.cp.tlsServerName } : {}) };
    let stream = new StreamClient(url, { token: lab.state.cp.token, tls });
    await stream.opened;
    await stream.until('the snapshot names the three nodes', () => (stream.snapshot?.nodes.length ?? 0) === 3, 30_000);
    // Each drain may evict the hub pod: like the extension, the follower reconnects once the
    // Deployment has it back, and notes every phase any snapshot showed.
    const phases = new Set<string>();
    let connects = 1;
    let connecting = false;
    let pending: StreamClient | undefined;
    const noted = setInterval(() => {
      for (const n of stream.snapshot?.nodes ?? []) if (n.state?.phase) phases.add(`${n.name}:${n.state.phase}`);
      if (!stream.closed || connecting) return;
      connecting = true;
      const next = (pending = new StreamClient(url, { token: lab.state.cp.token, tls }));
      next.opened.then(
        () => {
          stream = next;
          connects++;
          connecting = false;
        },
        () => setTimeout(() => (connecting = false), 2000),
      );
    }, 200);
    try {
      const befores = await Promise.all(lab.nodes.map((v) => snapshotOf(v.name)));
      for (const v of lab.nodes) await touchSentinel(v.name);
      await Promise.all(lab.nodes.map((v, i) => rebooted(v.name, befores[i]!, 'command', 1_500_000)));
      // The handoffs, from the marks: in the order the nodes took the lock, each one's take
      // after the previous one's release (never before it: one slot, one holder).
      const order = lab.nodes.map((v) => ({ node: v.name, ...tl.marks(v.name) })).sort((a, b) => a.lock! - b.lock!);
      for (let i = 1; i < order.length; i++) handoffs.push(order[i]!.lock! - order[i - 1]!.released!);
      console.log(`handoffs (ms): ${JSON.stringify(handoffs)}`);
      await waitSettled('settled after the rolling reboot', 120_000);
      const violations = watcher.finish();
      console.log(`rolling: peak disrupted ${watcher.inv.peak.cluster}, reboots seen ${watcher.inv.reboots}, lowest Ready web pods ${avail.lowest} (${avail.lowestVoluntary} counting pods out only with a lost node)`);
      for (const e of avail.episodes) console.log(`web pods: ${e}`);
      assert.deepEqual(violations, [], 'the independent watcher saw no broken promise');
      assert.equal(watcher.inv.peak.cluster, 1, 'exactly one node disrupted at a time');
      assert.equal(watcher.inv.reboots, 3, 'the watcher saw three reboots');
      assert.ok(avail.lowestVoluntary >= 2, `the budget (minAvailable 2) held: lowest Ready ${avail.lowestVoluntary} (${avail.episodes.join('; ')})`);
      assert.equal(handoffs.length, 2, 'two handoffs between three nodes');
      for (const h of handoffs) assert.ok(h >= 0, `a node took the lock ${-h} ms before the previous one released it`);
    } finally {
      clearInterval(noted);
      stream.close();
      pending?.close();
      await watcher.stop();
      await avail.stop();
    }
    // Through the hub's evictions and reconnections, the stream showed the reboots in progress.
    const shown = lab.nodes.filter((v) => [...phases].some((p) => new RegExp(`^${v.name}:(draining|rebooting|verifying)$`).test(p)));
    console.log(`hub stream: ${connects} connection(s); phases seen: ${[...phases].sort().join(' ')}`);
    assert.ok(shown.length >= 2, `the stream showed at least two of the three reboots in progress (saw ${[...phases].join(' ')})`);
    await waitFor('the hub Deployment ready again', async () => ((await lab.cluster.apps.readNamespacedDeployment({ namespace: 'nodemend', name: 'nodemend-hub' })).status?.readyReplicas ?? 0) >= 1, 300_000);
    // What an operator reads with kubectl: each step's Event on each node (recorded after the
    // step, so the last ones may trail the release by a moment).
    for (const v of lab.nodes) {
      let reasons: (string | undefined)[] = [];
      await waitFor(`${v.name}'s Events`, async () => {
        const ev = await lab.cluster.core.listEventForAllNamespaces({ fieldSelector: `involvedObject.kind=Node,involvedObject.name=${v.name}` });
        reasons = ev.items.map((e) => e.reason);
        return EVENTS.every((r) => reasons.includes(r));
      }, 30_000).catch(() => assert.fail(`${v.name}: Events ${EVENTS.join(', ')} (saw ${reasons.join(', ')})`));
    }
    const again = new StreamClient(url, { token: lab.state.cp.token, tls });
    try {
      await again.opened;
      await again.until('every node healthy in a fresh snapshot', () => (again.snapshot?.nodes ?? []).filter((n) => n.state?.phase === 'healthy').length === 3, 60_000);
    } finally {
      again.close();
    }
    // The VS Code extension's own connection code in its default mode (the service proxy), with
    // the kubeconfig file as a user has it (its CA, the name on the certificate, the token).
    const ext = await extensionStream(lab.state.cp.kubeconfigPath, (st) => st.live() && (st.snapshot()?.nodes ?? []).filter((n) => n.state?.phase === 'healthy').length === 3, 120_000);
    assert.deepEqual(ext.stream.snapshot()?.nodes.map((n) => n.name).sort(), ['lab-1', 'lab-2', 'lab-3']);
  });

  test('VS Code (code-server) with the packaged extension, in its default connection mode (the service proxy to the hub pod), shows the real nodes', async () => {
    const vsix = await packageVsix();
    // No hub setting: what a user gets after installing the extension, with the lab's kubeconfig.
    const cs = await startCodeServer({ vsix, settings: { 'nodemend.kubeconfig': lab.state.cp.kubeconfigPath } });
    let wb: Workbench | undefined;
    try {
      wb = await Workbench.open(cs.url);
      await wb.openView('nodemend');
      await wb.widenSidebar(520);
      // The status bar names the kubeconfig's current context.
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(lab.state.cp.kubeconfigPath);
      const want = `nodemend, context ${kc.getCurrentContext()}, 3 healthy`;
      let last = '';
      await eventually(`the status bar says "${want}"`, async () => (last = await wb!.status()) === want, 180_000).catch((e) => {
        throw new Error(`${(e as Error).message}; last: "${last}"`);
      });
      await wb.expand('Healthy,');
      for (const v of lab.nodes) await wb.waitRow(`${v.name},`, new RegExp(`^${v.name}, healthy`), 60_000);
      await wb.screenshot(shot('lab-tree.png'));
    } catch (e) {
      await wb?.screenshot(shot('lab-tree-failed.png')).catch(() => undefined);
      console.log(cs.extensionLog());
      throw e;
    } finally {
      await wb?.close();
      await cs.stop();
    }
  });

  test('a hard reset mid-drain and a SIGKILLed agent mid-drain: the rollout finishes, nothing left cordoned, no lock leaked', async () => {
    const node = 'lab-3';
    // Hold the drain without a PodDisruptionBudget (the precheck would then refuse to start it): a
    // pod that ignores SIGTERM and has 15 minutes to stop. The drain evicts it and waits for it
    // to be gone, as kubectl drain does.
    const hold = 'hold-drain';
    await lab.cluster.apps.createNamespacedDeployment({
      namespace: APP_NS,
      body: {
        metadata: { name: hold },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: hold } },
          template: {
            metadata: { labels: { app: hold } },
            spec: {
              nodeSelector: { 'kubernetes.io/hostname': node },
              terminationGracePeriodSeconds: 900,
              containers: [{ name: 'main', image: lab.state.image.ref, imagePullPolicy: 'Never', command: ['node', '-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1 << 30)"] }],
            },
          },
        },
      },
    });
    await lab.cluster.waitPodsRunning(APP_NS, `app=${hold}`, 1, 300_000);
    const before = await snapshotOf(node);
    await touchSentinel(node);
    const draining = async () => {
      const st = parseState((await nodeOf(node)).metadata?.annotations?.[A.state]);
      return st?.phase === 'draining' && (st.drain?.left ?? 0) > 0;
    };
    await waitFor(`${node} draining, held by a pod that will not stop`, draining, 300_000);
    // The agent killed outright: its container restarts and the agent resumes the drain.
    // The bracket keeps pkill from matching the shell that runs it (its command line holds the pattern).
    const k = await lab.exec(node, "pkill -KILL -f '[b]ackend.mjs agent' && echo killed");
    assert.match(k.stdout, /killed/);
    await waitFor(`${node}'s agent back and still draining`, async () => {
      const pods = await lab.cluster.core.listNamespacedPod({ namespace: 'nodemend', fieldSelector: `spec.nodeName=${node}`, labelSelector: 'app.kubernetes.io/component=agent' });
      const cs = pods.items[0]?.status?.containerStatuses?.[0];
      return (cs?.restartCount ?? 0) >= 1 && cs?.ready === true && (await draining());
    }, 300_000);
    assert.deepEqual(await holders(), [node], 'the lock stayed with the node across the agent\'s restart');
    // Now the machine itself: a hard reset, no shutdown, while the drain still waits. The
    // sentinel (on the tmpfs /run) goes with the old boot: whatever the agent makes of it, the
    // rollout must end cleanly.
    await lab.reset(node);
    await waitFor(`${node} back from the hard reset`, async () => (await nodeOf(node)).status?.nodeInfo?.bootID !== before.bootId, 300_000, lab.node(node).console);
    await waitSettled('settled after the reset and the kill', 600_000);
    const hist = parseHistory((await nodeOf(node)).metadata?.annotations?.[A.history]);
    assert.ok(hist.length > before.history, 'the interrupted reboot is in the history');
    await lab.cluster.apps.deleteNamespacedDeployment({ namespace: APP_NS, name: hold });
    await lab.cluster.core.deleteCollectionNamespacedPod({ namespace: APP_NS, labelSelector: `app=${hold}`, gracePeriodSeconds: 0 });
  });
  test('signal method (last: it changes the install): the signal-reboot overlay reboots through PID 1 with only CAP_KILL', async () => {
    await applyOverlay(lab, 'signal-reboot');
    await waitDeployed(lab);
    const pods = await lab.cluster.core.listNamespacedPod({ namespace: 'nodemend', labelSelector: 'app.kubernetes.io/component=agent' });
    for (const p of pods.items.filter((x) => !x.metadata?.deletionTimestamp)) {
      const sc = p.spec?.containers[0]?.securityContext;
      assert.equal(sc?.privileged, false);
      assert.deepEqual(sc?.capabilities?.add, ['KILL']);
    }
    const before = await snapshotOf('lab-2');
    await touchSentinel('lab-2');
    await rebooted('lab-2', before, 'signal');
    await waitSettled('settled after the signal reboot', 120_000);
  });

});
