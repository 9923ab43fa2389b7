// `npm run bench -- --scale [--ns=50,100,250] [--baseline-seconds=60] [--idle-seconds=60]`: how the
// API work of one full rollout grows with the number of nodes N. One real control plane per N
// (audit log on), N simulated nodes with the shop workloads, deploy/overlays/default applied; all
// N agents in this process (SimFleet), each with the token its kubelet would mount (bound to its
// DaemonSet pod, so the node-bound policies apply), c=4, period 15 s, 3 s reboots. The agent pod's
// Ready condition follows its machine, as a kubelet's would, so the DaemonSet controller writes
// the DaemonSet status as in a real cluster. Method and sources: /work/shared/docs/scale.md and
// docs/benchmarks.md "Scale". Writes the `scale` rows of bench/results.json after every N.

import * as k8s from '@kubernetes/client-node';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { startCluster, waitFor, type TestCluster } from '../tools/harness/index.ts';
import { seedCluster } from '../tools/harness/workloads.ts';
import { SimFleet } from '../backend/agent/sim/fleet.ts';
import { jsonLogger } from '../backend/shared/log.ts';
import { Observer } from './observe.ts';
import { leaseHolders, nodemendRequested } from './nodemend.ts';
import { handoffs, parseCpuTicks } from './stats.ts';
import { TICKS_PER_SECOND } from './procs.ts';
import { auditWindow, kuredModel, scaleRow, slopeRows, toAgents, watchFigures, WATCHED, type KuredModel, type ScaleRow, type WatchFigures } from './scale-model.ts';
import { scaleSvg } from './scale-chart.ts';

const REPO = resolve(import.meta.dirname, '..');
const NS = 'nodemend';
const AGENT = `system:serviceaccount:${NS}:nodemend-agent`;
const CONCURRENCY = 4;
const PERIOD_S = 15;
const REBOOT_S = 3;
/** Kured's lock hold per node (drain, reboot, release), from the project's own Kured run at 20
 *  nodes, concurrency 1, period 10 s (bench/results.json: 1378 s / 20 nodes). */
const KURED_HOLD_S = 68.9;
const merge = () => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (m: string) => process.stderr.write(`[scale ${new Date().toTimeString().slice(0, 8)}] ${m}\n`);

interface Opts { ns: number[]; baselineS: number; idleS: number; out: string }

export function parseScaleArgs(argv: readonly string[]): Opts {
  const o: Opts = { ns: [50, 100, 250], baselineS: 60, idleS: 60, out: 'bench/results.json' };
  for (const a of argv) {
    if (a === '--scale') continue;
    const m = /^--([a-z-]+)=(.*)$/.exec(a);
    const int = (v: string, min: number) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) throw new Error(`--${m?.[1]}: expected an integer >= ${min}, got "${v}"`);
      return n;
    };
    if (m?.[1] === 'ns') o.ns = m[2].split(',').map((x) => int(x, 10));
    else if (m?.[1] === 'baseline-seconds') o.baselineS = int(m[2], 10);
    else if (m?.[1] === 'idle-seconds') o.idleS = int(m[2], 10);
    else if (m?.[1] === 'out') o.out = m[2];
    else throw new Error(`--scale: unknown argument "${a}"; use --ns=50,100,250 --baseline-seconds=60 --idle-seconds=60 --out=bench/results.json`);
  }
  return o;
}

interface Snap { t: number; w: WatchFigures; api: number; etcd: number; self: number }

/**
 * The audit log's text for a window: the API server rotates its log (at 100 MB: lumberjack's
 * default when --audit-log-maxsize is 0), so every audit*.log file changed since `fromMs` is
 * read; auditWindow keeps the lines of the window.
 */
function auditTexts(c: TestCluster, fromMs: number): string[] {
  const dir = dirname(c.cp.info.auditLogPath!);
  return readdirSync(dir).filter((f) => /^audit.*\.log$/.test(f) && statSync(join(dir, f)).mtimeMs >= fromMs).map((f) => readFileSync(join(dir, f), 'utf8'));
}

async function snap(c: TestCluster): Promise<Snap> {
  const r = await c.cp.get('/metrics');
  if (r.status !== 200) throw new Error(`/metrics: HTTP ${r.status}`);
  const cpu = (name: string) => parseCpuTicks(readFileSync(`/proc/${c.cp.info.pids[name]}/stat`, 'utf8')) / TICKS_PER_SECOND;
  const u = process.cpuUsage();
  return { t: Date.now(), w: watchFigures(r.body), api: cpu('kube-apiserver'), etcd: cpu('etcd'), self: (u.user + u.system) / 1e6 };
}

/** The agent DaemonSet's pod on each node. */
async function agentPods(c: TestCluster, nodes: string[]): Promise<Map<string, k8s.V1Pod>> {
  const byNode = new Map<string, k8s.V1Pod>();
  await waitFor(`agent pods on ${nodes.length} nodes`, async () => {
    const l = await c.core.listNamespacedPod({ namespace: NS, labelSelector: 'app.kubernetes.io/component=agent' });
    for (const p of l.items) if (p.spec?.nodeName && !p.metadata?.deletionTimestamp) byNode.set(p.spec.nodeName, p);
    return nodes.every((n) => byNode.has(n));
  }, 300_000);
  return byNode;
}

/** A KubeConfig with the token a kubelet mounts in this pod (TokenRequest bound to the pod). */
async function podKubeConfig(c: TestCluster, pod: k8s.V1Pod): Promise<k8s.KubeConfig> {
  const r = await c.core.createNamespacedServiceAccountToken({ name: 'nodemend-agent', namespace: NS, body: { spec: { audiences: [], expirationSeconds: 4 * 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.metadata!.name!, uid: pod.metadata!.uid } } } });
  const cluster = c.kc.getCurrentCluster()!;
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({ clusters: [cluster], users: [{ name: 'agent', token: r.status!.token }], contexts: [{ name: 'agent', cluster: cluster.name, user: 'agent', namespace: NS }], currentContext: 'agent' });
  return kc;
}

/** What the kubelet reports when the machine goes down or comes back: the pod's readiness. */
async function setPodReady(c: TestCluster, pod: k8s.V1Pod, ready: boolean): Promise<void> {
  const now = new Date().toISOString();
  const status = ready ? 'True' : 'False';
  await c.core.patchNamespacedPodStatus({ name: pod.metadata!.name!, namespace: NS, body: { status: { conditions: [{ type: 'Ready', status, lastTransitionTime: now }, { type: 'ContainersReady', status, lastTransitionTime: now }] } } }, merge());
}

/** The cluster of the N being measured: stopped on Ctrl-C or SIGTERM too. */
let current: TestCluster | undefined;

async function measureOne(n: number, o: Opts): Promise<ScaleRow> {
  const dir = mkdtempSync(join(tmpdir(), `nodemend-scale-${n}-`));
  const c = (current = await startCluster({ audit: true }));
  let fleet: SimFleet | undefined;
  let obs: Observer | undefined;
  try {
    log(`N=${n}: seeding`);
    const { nodes } = await seedCluster(c, { nodes: n, zones: ['a', 'b', 'c'], pools: ['p1', 'p2'] });
    const ap = await c.kubectl(['apply', '--server-side', '-k', join(REPO, 'deploy/overlays/default')], { timeoutMs: 120_000 });
    if (ap.code !== 0) throw new Error(`kubectl apply -k deploy/overlays/default: ${ap.stderr}`);
    const pods = await agentPods(c, nodes);
    const kcs = new Map<string, k8s.KubeConfig>();
    for (const node of nodes) kcs.set(node, await podKubeConfig(c, pods.get(node)!));
    // The observer (cordons, lock holders, for the handoffs) runs through the baseline, so its
    // own watches count among the control plane's.
    obs = new Observer(c, { path: `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`, query: {}, holders: leaseHolders }, nodemendRequested);
    await obs.start();
    log(`N=${n}: settle 20 s, baseline ${o.baselineS} s`);
    await sleep(20_000);
    const b0 = await snap(c);
    await sleep(o.baselineS * 1000);
    const b1 = await snap(c);
    const bAudit = auditWindow(auditTexts(c, b0.t), AGENT, NS, b0.t, b1.t);
    log(`N=${n}: baseline audit check: ${bAudit.allRequests} audited, ${Math.round(b1.w.requests - b0.w.requests)} by /metrics`);
    const bSec = (b1.t - b0.t) / 1000;
    const rate = (a: number, b: number) => (b - a) / bSec;

    const kubelet: Promise<unknown>[] = [];
    fleet = await SimFleet.start(nodes, {
      kubeconfigPath: c.kubeconfigPath, dir, rebootMs: REBOOT_S * 1000, log: jsonLogger('scale', 'error'),
      flags: [`--concurrency=${CONCURRENCY}`, `--period=${PERIOD_S}s`, '--lock-release-delay=0'],
      agentKubeConfig: (node) => kcs.get(node),
      onEvent: (e) => {
        if (e.kind === 'down' || e.kind === 'up') kubelet.push(setPodReady(c, pods.get(e.node)!, e.kind === 'up').catch((x: unknown) => log(`pod Ready of ${e.node}: ${String(x)}`)));
      },
    });
    log(`N=${n}: ${nodes.length} agents started; warm-up 20 s, idle ${o.idleS} s`);
    await sleep(20_000);
    const i0 = await snap(c);
    await sleep(o.idleS * 1000);
    const i1 = await snap(c);
    const idle = auditWindow(auditTexts(c, i0.t), AGENT, NS, i0.t, i1.t);

    log(`N=${n}: rollout`);
    const r0 = await snap(c);
    fleet.requireReboot(nodes);
    for (const node of nodes) obs.add(node, 'sentinel');
    const timeoutAt = Date.now() + 60 * 60_000;
    let completed = false;
    let lastLog = Date.now();
    while (Date.now() < timeoutAt) {
      await sleep(2000);
      const up = new Set(fleet.reboots.filter((x) => x.upAt !== undefined).map((x) => x.node));
      if (Date.now() - lastLog > 30_000) {
        lastLog = Date.now();
        log(`  N=${n}: ${up.size} rebooted, ${Math.round((Date.now() - r0.t) / 1000)} s`);
      }
      if (up.size < nodes.length) continue;
      const leases = await c.kc.makeApiClient(k8s.CoordinationV1Api).listNamespacedLease({ namespace: NS });
      const busy = leases.items.some((l) => (l.metadata?.name?.startsWith('nodemend-lock-') && l.spec?.holderIdentity) || l.metadata?.name?.startsWith('nodemend-wait-'));
      const cordoned = (await c.core.listNode()).items.some((x) => x.spec?.unschedulable);
      if (!busy && !cordoned) {
        completed = true;
        break;
      }
    }
    const ends = obs.events.filter((e) => e.kind === 'release' || e.kind === 'uncordon').map((e) => e.t);
    const rolloutMs = (ends.length ? Math.max(...ends) : Date.now()) - r0.t;
    await sleep(10_000);
    await Promise.allSettled(kubelet);
    const r1 = await snap(c);
    const sec = (r1.t - r0.t) / 1000;
    const win = auditWindow(auditTexts(c, r0.t), AGENT, NS, r0.t, r1.t);
    const eventsToAgents = { leases: 0, daemonsets: 0, nodes: 0 };
    let bytesToAgents = 0;
    for (const k of WATCHED) {
      const sent = r1.w.events[k] - r0.w.events[k];
      const common = { seconds: sec, cpWatchers: b1.w.watchers[k], writes: win.writes[k], baselineWriteRate: bAudit.writes[k] / bSec };
      eventsToAgents[k] = toAgents({ ...common, sent, baselineRate: rate(b0.w.events[k], b1.w.events[k]) });
      const perEvent = sent > 0 ? (r1.w.bytes[k] - r0.w.bytes[k]) / sent : 0;
      bytesToAgents += toAgents({ ...common, sent: r1.w.bytes[k] - r0.w.bytes[k], baselineRate: rate(b0.w.bytes[k], b1.w.bytes[k]), perEvent });
    }
    const row = scaleRow({
      n: nodes.length, concurrency: CONCURRENCY, periodSeconds: PERIOD_S, rebootSeconds: REBOOT_S, completed,
      rolloutSeconds: Math.round(rolloutMs / 100) / 10,
      agentRequests: win.userRequests, agentRequestsByKind: win.userByKind,
      idleRequestsPerAgentHour: Math.round((idle.userRequests / nodes.length / ((i1.t - i0.t) / 1000)) * 3600 * 10) / 10,
      eventsToAgents, bytesToAgents,
      apiServerCpuSeconds: Math.round((r1.api - r0.api - rate(b0.api, b1.api) * sec) * 10) / 10,
      etcdCpuSeconds: Math.round((r1.etcd - r0.etcd - rate(b0.etcd, b1.etcd) * sec) * 10) / 10,
      agentsCpuSeconds: Math.round((r1.self - r0.self) * 10) / 10,
      handoffsMs: handoffs(obs.events),
    });
    row.auditCheck = { audited: win.allRequests, byMetrics: Math.round(r1.w.requests - r0.w.requests - rate(b0.w.requests, b1.w.requests) * sec), auditErrors: r1.w.auditErrors - r0.w.auditErrors };
    log(`N=${n}: ${completed ? 'done' : 'NOT COMPLETE'} in ${row.rolloutSeconds} s; audit check ${JSON.stringify(row.auditCheck)}; ${row.agentRequests} agent requests, events ${JSON.stringify(eventsToAgents)}, API server ${row.apiServerCpuSeconds} s CPU`);
    return row;
  } finally {
    obs?.stop();
    await fleet?.stop().catch(() => undefined);
    await c.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The `scale` section of results.json: measured rows, slopes, and Kured modelled at the same N. */
export function scaleSection(rows: readonly ScaleRow[], o: { measuredAt: string }): Record<string, unknown> {
  const ns = rows.map((r) => r.n);
  const kured: KuredModel[] = [];
  for (const p of [10, 3600]) for (const n of ns) kured.push(kuredModel({ n, periodSeconds: p, concurrency: CONCURRENCY, holdSeconds: KURED_HOLD_S }));
  const kuredRows = (p: number) => kured.filter((k) => k.periodSeconds === p);
  const slope = [
    ...slopeRows('nodemend', rows, {
      apiWork: (r: ScaleRow) => r.apiWork, agentRequests: (r: ScaleRow) => r.agentRequests,
      eventsToAgents: (r: ScaleRow) => r.apiWork - r.agentRequests, bytesToAgents: (r: ScaleRow) => r.bytesToAgents,
      apiServerCpuSeconds: (r: ScaleRow) => r.apiServerCpuSeconds, etcdCpuSeconds: (r: ScaleRow) => r.etcdCpuSeconds,
      rolloutSeconds: (r: ScaleRow) => r.rolloutSeconds,
    }),
    ...slopeRows('kured-10s (model)', kuredRows(10), { apiWork: (k: KuredModel) => k.requests, apiServerCpuSeconds: (k: KuredModel) => k.apiServerCpuSeconds }),
    ...slopeRows('kured-1h (model)', kuredRows(3600), { apiWork: (k: KuredModel) => k.requests, apiServerCpuSeconds: (k: KuredModel) => k.apiServerCpuSeconds }),
  ];
  return {
    lastRunStarted: o.measuredAt,
    method: `one control plane per N; all N agents in one process (SimFleet) with pod-bound tokens; c=${CONCURRENCY}, period ${PERIOD_S} s, reboot ${REBOOT_S} s; Kured modelled (bench/scale-model.ts kuredModel, hold ${KURED_HOLD_S} s per node), not run`,
    measuredNs: ns,
    rows,
    kuredModel: kured.map((k) => ({ system: `kured-${k.periodSeconds === 10 ? '10s' : '1h'}`, source: 'model', ...k })),
    slope,
  };
}

export async function scaleMain(argv: readonly string[]): Promise<number> {
  const o = parseScaleArgs(argv);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => void (current?.stop() ?? Promise.resolve()).finally(() => process.exit(sig === 'SIGINT' ? 130 : 143)));
  }
  const file = resolve(REPO, o.out);
  const svg = join(dirname(file), 'charts', 'scale.svg');
  const started = new Date().toISOString();
  // Rows of earlier runs stay unless this run measures the same N again: N=500 can be run alone.
  const earlier = ((JSON.parse(readFileSync(file, 'utf8')) as { scale?: { rows?: ScaleRow[] } }).scale?.rows ?? []).filter((r) => !o.ns.includes(r.n));
  const rows: ScaleRow[] = [...earlier];
  const loads: number[] = [];
  const t = setInterval(() => loads.push(Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0])), 10_000);
  t.unref();
  const loadText = () => {
    const s = [...loads].sort((a, b) => a - b);
    return s.length ? `1-minute load median ${s[Math.floor(s.length / 2)]}, max ${s[s.length - 1]} on ${cpus().length} cores` : 'unknown';
  };
  const flush = () => {
    const section = scaleSection(rows, { measuredAt: started });
    // Only the scale section is ours: the rest of results.json stays as the main bench wrote it.
    const all = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    all.scale = section;
    writeFileSync(`${file}.tmp`, JSON.stringify(all, null, 1) + '\n');
    renameSync(`${file}.tmp`, file);
    mkdirSync(dirname(svg), { recursive: true });
    writeFileSync(svg, scaleSvg(rows, section.kuredModel as (KuredModel & { system: string })[]));
  };
  for (const n of o.ns) {
    try {
      loads.length = 0;
      const row = await measureOne(n, o);
      rows.push({ ...row, measuredAt: new Date().toISOString(), load: loadText() });
      rows.sort((a, b) => a.n - b.n);
    } catch (e) {
      log(`N=${n} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return 1;
    }
    if (rows.length >= 1) flush();
  }
  log(`written to ${file} and ${svg}`);
  return 0;
}
