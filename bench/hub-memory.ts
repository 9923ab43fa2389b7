// The hub's memory as it runs in a cluster: the shipped bundle (dist/backend.mjs hub) as its own
// process, against a real API server holding N Nodes that carry a year of nodemend history, with
// C WebSocket clients and a rolling reboot's worth of changes. bench/hub-fanout.ts measures the
// hub's core fed directly; this adds what a deployment also holds: the informers' caches of full
// Node objects, the client library, and the image's NODE_OPTIONS.
//
// The hubs run side by side on the same cluster: as shipped (the NODE_OPTIONS of the hub's
// container in deploy/base/hub.yaml, else the Dockerfile's) and with source maps turned on, so
// the price of readable stack traces is measured, not guessed; with --against=<git ref>, the
// same two for that commit too (a before/after in one run). Bundles are built from commits (git
// archive, bench/bundle.ts), never from the working tree.
//
//   node bench/hub-memory.ts [--nodes=2000] [--clients=50] [--churn-nodes=100] [--against=REF] [--out=bench/results-hub-memory.json]

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import * as k8s from '@kubernetes/client-node';
import { startCluster, freePort, waitFor, type TestCluster } from '../tools/harness/index.ts';
import { A } from '../protocol/annotations.ts';
import type { Phase, RebootRecord } from '../protocol/model.ts';
import { buildAgentBundle, hubNodeCommand, type AgentBundle } from './bundle.ts';
import { httpOk } from './procs.ts';
import { parseRssKb } from './stats.ts';

const log = (m: string) => process.stderr.write(`[hub-memory ${new Date().toTimeString().slice(0, 8)}] ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const FLAGS = ['nodes', 'clients', 'churn-nodes', 'out', 'against'];
for (const a of process.argv.slice(2)) {
  const k = /^--([a-z-]+)=/.exec(a)?.[1];
  if (!k || !FLAGS.includes(k)) throw new Error(`unknown argument "${a}"; use ${FLAGS.map((f) => `--${f}=`).join(' ')}`);
}

function flag(name: string, def: number): number {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  const v = a ? Number(a.split('=')[1]) : def;
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name}: expected a positive integer, got "${a?.split('=')[1]}"`);
  return v;
}
const N = flag('nodes', 2000);
const C = flag('clients', 50);
const CHURN = Math.min(N, flag('churn-nodes', 100));
const OUT = process.argv.find((x) => x.startsWith('--out='))?.slice(6) ?? 'bench/results-hub-memory.json';
const AGAINST = process.argv.find((x) => x.startsWith('--against='))?.slice(10);

interface Variant { name: string; bundle: AgentBundle; nodeOptions: string; shipped: boolean }

/** As shipped and with the other source-map setting, for HEAD and (with --against) the
 *  baseline commit, which runs with the same two settings. */
async function variants(dir: string): Promise<Variant[]> {
  const shipped = hubNodeCommand();
  if (shipped.cliOptions.length) throw new Error(`deploy/base/hub.yaml overrides the command (${shipped.cliOptions.join(' ')}): update bench/hub-memory.ts`);
  const opts = shipped.envNodeOptions.split(/\s+/).filter(Boolean);
  const rest = opts.filter((o) => o !== '--enable-source-maps' && o !== '--no-enable-source-maps');
  const maps = opts.includes('--enable-source-maps');
  const settings = [
    { name: maps ? 'source maps' : 'no source maps', nodeOptions: shipped.envNodeOptions },
    maps ? { name: 'no source maps', nodeOptions: rest.join(' ') } : { name: 'source maps', nodeOptions: [...rest, '--enable-source-maps'].join(' ') },
  ];
  const out: Variant[] = [];
  for (const ref of AGAINST ? [undefined, AGAINST] : [undefined]) {
    const bundle = await buildAgentBundle(dir, ref ? { ref } : {});
    const label = ref ? `${ref} (${bundle.commit})` : `HEAD (${bundle.commit})`;
    // "shipped": this commit's code with this commit's manifests (a baseline ran with other ones).
    for (const [i, st] of settings.entries()) out.push({ name: `${label}, ${st.name}${!ref && i === 0 ? ', as shipped' : ''}`, bundle, nodeOptions: st.nodeOptions, shipped: !ref && i === 0 });
  }
  return out;
}

/** Ten reboots a year apart in size: what a long-lived node's history annotation holds. */
const HISTORY: RebootRecord[] = Array.from({ length: 10 }, (_, k) => {
  const start = Date.now() - (k + 1) * 30 * 86_400_000;
  return { start: new Date(start).toISOString(), end: new Date(start + 600_000).toISOString(), outcome: 'succeeded', drainMs: 200_000, rebootMs: 300_000, verifyMs: 100_000 };
});
const stateJson = (name: string, phase: Phase) =>
  JSON.stringify({ v: 1, phase, reason: `bench ${phase}`, since: new Date().toISOString(), rebootRequired: phase !== 'healthy', agent: `nodemend-agent-${name}`, bootId: `boot-${name}` });

/** What a kubelet reports besides readiness, at a typical size: the conditions, addresses, the
 *  system info and ~40 cached images (real nodes list up to 50). It makes the Node objects the
 *  hub's informer caches as big as a real cluster's (about 10 KB of JSON each), not KWOK's
 *  minimal ones; KWOK's node-ready stage leaves these fields alone. */
function kubeletStatus(name: string, i: number): k8s.V1NodeStatus {
  const now = new Date();
  const cond = (type: string, status: string, reason: string) => ({ type, status, reason, message: `kubelet reports ${reason}`, lastHeartbeatTime: now, lastTransitionTime: now });
  const digest = (k: number) => `sha256:${(i * 1000 + k).toString(16).padStart(8, '0').repeat(8)}`;
  return {
    conditions: [cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory'), cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure'), cond('PIDPressure', 'False', 'KubeletHasSufficientPID'), cond('Ready', 'True', 'KubeletReady')],
    addresses: [{ type: 'InternalIP', address: `10.${(i >> 8) & 255}.${i & 255}.10` }, { type: 'Hostname', address: name }, { type: 'InternalDNS', address: `${name}.eu-west-1.compute.internal` }],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: { machineID: digest(1).slice(7, 39), systemUUID: digest(2).slice(7, 43), bootID: `boot-${name}`, kernelVersion: '6.1.0-27-cloud-amd64', osImage: 'Debian GNU/Linux 12 (bookworm)', containerRuntimeVersion: 'containerd://1.7.22', kubeletVersion: 'v1.34.4', kubeProxyVersion: 'v1.34.4', operatingSystem: 'linux', architecture: 'amd64' },
    images: Array.from({ length: 40 }, (_, k) => ({ names: [`registry.example.com/team-${k % 7}/service-${k}@${digest(k)}`, `registry.example.com/team-${k % 7}/service-${k}:v1.${k}.${i % 10}`], sizeBytes: 20_000_000 + k * 1_000_003 })),
    capacity: { cpu: '64', memory: '256Gi', pods: '250', 'ephemeral-storage': '200Gi', 'hugepages-2Mi': '0', 'hugepages-1Gi': '0' },
    allocatable: { cpu: '63500m', memory: '250Gi', pods: '250', 'ephemeral-storage': '180Gi', 'hugepages-2Mi': '0', 'hugepages-1Gi': '0' },
  };
}

async function createNodes(c: TestCluster): Promise<void> {
  const names = Array.from({ length: N }, (_, i) => `node-${i}`);
  // 32 at a time: fast, without a burst of thousands of sockets.
  for (let i = 0; i < names.length; i += 32) {
    await Promise.all(names.slice(i, i + 32).map((name, k) => c.core.createNode({ body: {
      metadata: {
        name,
        labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', type: 'kwok', 'topology.kubernetes.io/zone': `zone-${(i + k) % 3}`, 'nodemend.dev/pool': `pool-${(i + k) % 4}` },
        annotations: { 'kwok.x-k8s.io/node': 'fake', [A.state]: stateJson(name, 'healthy'), [A.history]: JSON.stringify(HISTORY) },
      },
    } })));
    await Promise.all(names.slice(i, i + 32).map((name, k) => c.core.patchNodeStatus({ name, body: { status: kubeletStatus(name, i + k) } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch))));
  }
}

interface Hub { name: string; commit: string; shipped: boolean; nodeOptions: string; proc: ChildProcess; port: number; inspectPort: number; out: string; readyMs: number }

async function startHub(c: TestCluster, v: Variant): Promise<Hub> {
  const port = await freePort();
  // The inspector (on 127.0.0.1) lets the bench force a full GC in the hub and read its heap:
  // RSS alone says more about when V8 last collected than about what the hub holds.
  const inspectPort = await freePort();
  const t0 = Date.now();
  const proc = spawn(process.execPath, [`--inspect=127.0.0.1:${inspectPort}`, v.bundle.path, 'hub', `--kubeconfig=${c.kubeconfigPath}`, `--listen=127.0.0.1:${port}`, '--listen-trusted=off', '--auth=none', '--namespace=nodemend', '--log-level=warn', `--max-clients=${C + 10}`], {
    env: { ...process.env, NODE_OPTIONS: v.nodeOptions },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const h: Hub = { name: v.name, commit: v.bundle.commit, shipped: v.shipped, nodeOptions: v.nodeOptions, proc, port, inspectPort, out: '', readyMs: 0 };
  proc.stdout!.on('data', (d) => (h.out = (h.out + d).slice(-4000)));
  proc.stderr!.on('data', (d) => (h.out = (h.out + d).slice(-4000)));
  await waitFor(`hub "${v.name}" ready`, () => httpOk(port, '/readyz'), 180_000).catch((e) => {
    throw new Error(`${e}\n${h.out}`);
  });
  h.readyMs = Date.now() - t0;
  return h;
}

const status = (h: Hub) => readFileSync(`/proc/${h.proc.pid}/status`, 'utf8');
const mib = (kb: number) => +(kb / 1024).toFixed(1);
const rss = (h: Hub) => mib(parseRssKb(status(h)));
function peak(h: Hub): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(status(h));
  if (!m) throw new Error('no VmHWM in /proc/<pid>/status');
  return mib(Number(m[1]));
}

/** One Chrome DevTools Protocol call to the hub's inspector. */
async function cdp(h: Hub, method: string): Promise<Record<string, number>> {
  const [target] = (await (await fetch(`http://127.0.0.1:${h.inspectPort}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  try {
    await new Promise((res, rej) => ws.once('open', res).once('error', rej));
    ws.send(JSON.stringify({ id: 1, method }));
    return await new Promise((res, rej) => {
      ws.on('message', (d: Buffer) => {
        const m = JSON.parse(d.toString()) as { id?: number; result?: Record<string, number>; error?: { message: string } };
        if (m.id === 1) (m.error ? rej(new Error(`${method}: ${m.error.message}`)) : res(m.result ?? {}));
      });
    });
  } finally {
    ws.close();
  }
}

interface Memory { rssMiB: number; heapAfterGcMiB: number; rssAfterGcMiB: number }

/** RSS as it is, then the JS heap in use and RSS after a full GC. */
async function memory(h: Hub): Promise<Memory> {
  const before = rss(h);
  await cdp(h, 'HeapProfiler.collectGarbage');
  const heap = await cdp(h, 'Runtime.getHeapUsage');
  return { rssMiB: before, heapAfterGcMiB: mib(heap.usedSize / 1024), rssAfterGcMiB: rss(h) };
}
const all = (hubs: Hub[]) => Promise.all(hubs.map(memory));

/** C clients on one hub; resolves when every one holds its snapshot. */
async function connect(h: Hub): Promise<WebSocket[]> {
  let snapshots = 0;
  const sockets = Array.from({ length: C }, (_, i) => {
    const ws = new WebSocket(`ws://127.0.0.1:${h.port}/stream`, ['nodemend.v1'], { maxPayload: 256 << 20 });
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', versions: [1], client: `bench-${i}` })));
    ws.on('message', (d: Buffer) => {
      if (d.subarray(0, 40).toString().includes('"snapshot"')) snapshots++;
    });
    ws.on('error', () => undefined);
    return ws;
  });
  await waitFor(`${C} snapshots from hub "${h.name}"`, async () => snapshots >= C, 120_000);
  return sockets;
}

/** A rolling reboot of `CHURN` nodes, as the agents would write it: six state changes each. */
async function churn(c: TestCluster): Promise<number> {
  const phases: Phase[] = ['reboot-required', 'waiting-lock', 'draining', 'rebooting', 'verifying', 'healthy'];
  let patches = 0;
  for (let i = 0; i < CHURN; i += 4) {
    for (const phase of phases) {
      await Promise.all(Array.from({ length: Math.min(4, CHURN - i) }, (_, k) => `node-${i + k}`).map(async (name) => {
        await c.core.patchNode({ name, body: { metadata: { annotations: { [A.state]: stateJson(name, phase) } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
        patches++;
      }));
    }
  }
  return patches;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nodemend-hub-memory-'));
  const vs = await variants(dir);
  const c = await startCluster();
  const hubs: Hub[] = [];
  // Ctrl-C or a kill stops the hubs and the control plane too, as the normal end does.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      for (const h of hubs) h.proc.kill('SIGKILL');
      void c.stop().finally(() => {
        rmSync(dir, { recursive: true, force: true });
        process.exit(130);
      });
    });
  }
  try {
    await c.ensureNamespace('nodemend');
    let t = Date.now();
    await createNodes(c);
    // Let KWOK's node-ready stage pass over them before the hubs list.
    await sleep(5_000);
    const one = (await c.kubectl(['get', '--raw', '/api/v1/nodes/node-0'])).stdout.length;
    log(`${N} nodes created in ${((Date.now() - t) / 1000).toFixed(0)} s; node-0 is ${one} bytes of JSON`);
    for (const v of vs) hubs.push(await startHub(c, v));
    const ready = await all(hubs);
    // KWOK keeps the nodes' status and leases fresh meanwhile: the informers see that churn, too.
    await sleep(60_000);
    const idle = await all(hubs);
    t = Date.now();
    const clients = [];
    for (const h of hubs) clients.push(await connect(h));
    log(`${C} clients on each hub in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    await sleep(10_000);
    const withClients = await all(hubs);
    t = Date.now();
    const patches = await churn(c);
    log(`${patches} state changes in ${((Date.now() - t) / 1000).toFixed(0)} s`);
    await sleep(30_000);
    const peaks = hubs.map(peak);
    const afterChurn = await all(hubs);
    for (const ws of clients.flat()) ws.terminate();
    const out = {
      bench: 'hub-memory',
      at: new Date().toISOString(),
      nodes: N,
      clients: C,
      nodeJsonBytes: one,
      churn: { nodes: CHURN, patches },
      limit: '512Mi (deploy/base/hub.yaml); request 128Mi',
      shippedNodeOptions: hubNodeCommand().source,
      variants: hubs.map((h, i) => ({
        name: h.name,
        commit: h.commit,
        shipped: h.shipped,
        nodeOptions: h.nodeOptions,
        readySeconds: +(h.readyMs / 1000).toFixed(1),
        peakRssMiB: peaks[i],
        ready: ready[i],
        idle60s: idle[i],
        clientsConnected: withClients[i],
        afterChurn: afterChurn[i],
      })),
      note: 'every hub watches the same cluster at the same time; RSS from /proc/<pid>/status (VmRSS; peak = VmHWM, before the last forced GC), then a full GC through the inspector (each hub runs with --inspect on 127.0.0.1) and the JS heap in use and RSS after it',
    };
    writeFileSync(OUT, JSON.stringify(out, null, 1) + '\n');
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } finally {
    for (const h of hubs) h.proc.kill('SIGKILL');
    await c.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
