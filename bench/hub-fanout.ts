// Benchmark of the hub's fan-out: a rolling reboot of N simulated nodes' worth of changes (agent
// state updates, lock Leases, Node Events) streamed to C WebSocket clients. Clients run in a
// worker thread (real sockets on 127.0.0.1) so they do not share the hub's event loop.
// Reports events per second delivered to every client, delivery latency (hub publish to client
// receipt) p50/p95/p99, the snapshot size for N nodes, and the hub's memory (below), as JSON on
// stdout.
//
//   node bench/hub-fanout.ts [--nodes=2000] [--clients=50] [--rate=1000]
// --rate paces the latency run (changes/s); the throughput run pushes as fast as it can.

import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import WebSocket from 'ws';
import type { V1Node } from '@kubernetes/client-node';
import { Hub } from '../backend/hub/hub.ts';
import { HubMetrics } from '../backend/hub/metrics.ts';
import { listen } from '../backend/hub/server.ts';
import { jsonLogger } from '../backend/shared/log.ts';
import type { Phase, RebootRecord } from '../protocol/model.ts';

const now = () => performance.timeOrigin + performance.now();

interface WorkerIn { port: number; clients: number }
type WorkerMsg = { kind: 'ready' } | { kind: 'done'; recv: { seq: number; t: number }[][]; bytes: number };

if (!isMainThread) {
  // ---- client side ----
  const { port, clients } = workerData as WorkerIn;
  const recv: { seq: number; t: number }[][] = Array.from({ length: clients }, () => []);
  let bytes = 0;
  let snapshots = 0;
  for (let i = 0; i < clients; i++) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/stream`, ['nodemend.v1'], { maxPayload: 64 << 20 });
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', versions: [1], client: `bench-${i}` })));
    ws.on('message', (d: Buffer) => {
      const t = now();
      bytes += d.length;
      const m = JSON.parse(d.toString('utf8'));
      if (m.type === 'snapshot' && ++snapshots === clients) parentPort!.postMessage({ kind: 'ready' } satisfies WorkerMsg);
      if (m.type === 'delta') recv[i].push({ seq: m.seq, t });
    });
  }
  parentPort!.on('message', (m: string) => {
    if (m === 'report') parentPort!.postMessage({ kind: 'done', recv, bytes } satisfies WorkerMsg);
    if (m === 'reset') for (const r of recv) r.length = 0;
  });
} else {
  await main();
}

function flag(name: string, def: number): number {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  const v = a ? Number(a.split('=')[1]) : def;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name}: expected a positive number`);
  return v;
}

function simNode(name: string, i: number, phase: Phase, history: RebootRecord[]): V1Node {
  const state = { v: 1, phase, reason: `sim ${phase}`, since: new Date().toISOString(), rebootRequired: phase !== 'healthy', agent: `agent-${name}`, bootId: `boot-${i}` };
  return {
    metadata: {
      name,
      labels: { 'topology.kubernetes.io/zone': `z${i % 3}`, 'nodemend.dev/pool': `p${i % 4}`, 'kubernetes.io/hostname': name },
      annotations: { 'nodemend.dev/state': JSON.stringify(state), 'nodemend.dev/history': JSON.stringify(history) },
    },
    status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { bootID: `boot-${i}` } as never },
  };
}

/** The changes one node's reboot produces, as hub inputs. */
function* rolling(hub: Hub, n: number, history: RebootRecord[]): Generator<() => void> {
  const steps: Phase[] = ['reboot-required', 'waiting-lock', 'draining', 'rebooting', 'verifying', 'healthy'];
  const reasons = ['RebootRequired', 'LockAcquired', 'Draining', 'Rebooting', 'Back', 'LockReleased'];
  for (let i = 0; i < n; i++) {
    const name = `node-${i}`;
    for (let k = 0; k < steps.length; k++) {
      yield () => hub.node(simNode(name, i, steps[k], history));
      yield () => hub.event({ metadata: { uid: `ev-${i}-${k}-${Math.random()}` }, involvedObject: { kind: 'Node', name }, reason: reasons[k], message: `${reasons[k]} ${name}`, type: 'Normal', eventTime: new Date().toISOString() as never });
      if (k === 1) yield () => hub.lease({ metadata: { name: `nodemend-lock-${i % 2}` }, spec: { holderIdentity: name, acquireTime: new Date().toISOString() as never } });
      if (k === 5) yield () => hub.lease({ metadata: { name: `nodemend-lock-${i % 2}` }, spec: {} });
    }
  }
}

function MiB(b: number): number {
  return +(b / 2 ** 20).toFixed(1);
}

/** JS heap in use after a full GC (what is live, not what the collector has yet to free): this
 *  isolate's only, as the clients' worker has its own heap. */
function heapAfterGc(): number {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
  return MiB(v8.getHeapStatistics().used_heap_size);
}

function pct(xs: Float64Array, p: number): number {
  if (xs.length === 0) return NaN;
  return xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
}

async function main(): Promise<void> {
  const N = flag('nodes', 2000);
  const C = flag('clients', 50);
  const RATE = flag('rate', 1000);
  const metrics = new HubMetrics();
  const hub = new Hub({ hubName: 'bench', heartbeatMs: 60_000, metrics });
  const history: RebootRecord[] = Array.from({ length: 10 }, (_, k) => ({ start: new Date(Date.now() - (k + 1) * 3_600_000).toISOString(), end: new Date(Date.now() - (k + 1) * 3_600_000 + 600_000).toISOString(), outcome: 'succeeded', drainMs: 200_000, rebootMs: 300_000, verifyMs: 100_000 }));
  for (let i = 0; i < N; i++) hub.node(simNode(`node-${i}`, i, 'healthy', history));
  hub.state.goLive();
  const snapshotBytes = hub.snapshotFrame().frame.length;
  // Before the clients' worker starts, the process is the hub alone: its RSS is the hub's.
  const loaded = { heapAfterGcMiB: heapAfterGc(), rssMiB: MiB(process.memoryUsage().rss) };
  const log = jsonLogger('bench', 'warn');
  const srv = await listen(
    { name: 'direct', host: '127.0.0.1', port: 0, authorize: async () => ({ ok: true, user: 'bench', via: 'auth-disabled' }) },
    { hub, metrics, log, ready: () => true, healthy: () => true, maxClients: C + 10 },
  );
  const published = new Map<number, number>();
  hub.onPublished = (seq) => published.set(seq, now());
  const worker = new Worker(new URL(import.meta.url), { workerData: { port: srv.port, clients: C } satisfies WorkerIn });
  const next = () => new Promise<WorkerMsg>((resolve) => worker.once('message', resolve));
  const tConnect = now();
  await next();
  const connectMs = now() - tConnect;
  const connectedHeap = heapAfterGc();

  async function run(paced: boolean): Promise<Record<string, number>> {
    worker.postMessage('reset');
    const seq0 = hub.journal.seq;
    const gen = rolling(hub, N, history);
    const t0 = now();
    let count = 0;
    const intervalMs = 1000 / RATE;
    for (;;) {
      // Paced: one change per interval (batched per timer tick); unpaced: 200 per macrotask.
      const due = paced ? Math.floor((now() - t0) / intervalMs) - count : 200;
      let ended = false;
      for (let k = 0; k < due; k++) {
        const s = gen.next();
        if (s.done) {
          ended = true;
          break;
        }
        s.value();
        count++;
      }
      if (ended) break;
      await new Promise((r) => (paced ? setTimeout(r, 1) : setImmediate(r)));
    }
    const lastSeq = hub.journal.seq;
    // Wait until every client holds the last delta.
    let report: Extract<WorkerMsg, { kind: 'done' }>;
    for (;;) {
      worker.postMessage('report');
      report = (await next()) as Extract<WorkerMsg, { kind: 'done' }>;
      if (report.recv.every((r) => r.at(-1)?.seq === lastSeq)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const tEnd = Math.max(...report.recv.map((r) => r.at(-1)!.t));
    const lat: number[] = [];
    let gaps = 0;
    for (const r of report.recv) {
      let prev = seq0;
      for (const { seq, t } of r) {
        if (seq !== prev + 1) gaps++;
        prev = seq;
        lat.push(t - published.get(seq)!);
      }
    }
    const sorted = Float64Array.from(lat).sort();
    const deltas = lastSeq - seq0;
    return {
      changes: count,
      deltas,
      deliveredFrames: lat.length,
      gaps,
      seconds: +((tEnd - t0) / 1000).toFixed(3),
      eventsPerSecond: Math.round(deltas / ((tEnd - t0) / 1000)),
      framesPerSecond: Math.round(lat.length / ((tEnd - t0) / 1000)),
      latencyP50Ms: +pct(sorted, 50).toFixed(2),
      latencyP95Ms: +pct(sorted, 95).toFixed(2),
      latencyP99Ms: +pct(sorted, 99).toFixed(2),
      latencyMaxMs: +sorted[sorted.length - 1].toFixed(2),
    };
  }

  const throughput = await run(false);
  const paced = await run(true);
  const dropped = (await metrics.deltasDropped.get()).values[0]?.value ?? 0;
  await worker.terminate();
  // After the clients are gone: the reports received from their worker (about a million
  // {seq, t} records at 50 clients) stay reachable in this isolate until then, and would be
  // counted as the hub's (a heap snapshot showed it). What clients cost is clientsConnected.
  await new Promise((r) => setTimeout(r, 1000));
  const afterHeap = heapAfterGc();
  await srv.close();
  hub.stop();
  const out = {
    bench: 'hub-fanout',
    nodes: N,
    clients: C,
    snapshotBytes,
    snapshotBytesPerNode: Math.round(snapshotBytes / N),
    connectAndSnapshotAllMs: Math.round(connectMs),
    throughput,
    paced: { ratePerSecond: RATE, ...paced },
    deltasDroppedForSlowClients: dropped,
    memory: {
      loadedRssMiB: loaded.rssMiB,
      loadedHeapAfterGcMiB: loaded.heapAfterGcMiB,
      clientsConnectedHeapAfterGcMiB: connectedHeap,
      afterRunsHeapAfterGcMiB: afterHeap,
      note: `RSS with ${N} nodes loaded, before any client (the hub alone in this process); heaps are the hub's isolate after a full GC: loaded, with ${C} clients connected, after both runs (journal full, clients gone)`,
    },
    note: 'clients share the machine with the hub (worker thread); latency = hub publish to client receipt',
  };
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
}
