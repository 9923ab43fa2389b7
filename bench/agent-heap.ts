// `node bench/agent-heap.ts [--idle-seconds=30] [--out=bench/results-agent-heap.json] [--keep]`: where one
// idle agent's memory goes. A real control plane with 5 simulated nodes and deploy/overlays/default;
// one agent process, the bundle the image runs, for each variant: as shipped (NODE_OPTIONS
// --enable-source-maps, the Dockerfile's), without source maps, and the unminified bundle (same
// objects, readable constructor names) for the heap snapshot summarised by constructor and by
// retained size of groups (informer caches, the client library's API clients and model objects,
// source maps). Also the bundle's bytes by package (esbuild metafile).

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { startCluster, freePort } from '../tools/harness/index.ts';
import { seedCluster } from '../tools/harness/workloads.ts';
import { backendOptions } from '../scripts/targets.ts';
import { buildAgentBundle, imageNodeOptions } from './bundle.ts';
import { httpOk } from './procs.ts';
import { parseRssAnonKb, parseRssKb } from './stats.ts';
import { summarizeHeap, type HeapNode, type HeapSnapshot } from './heap-summary.ts';

const REPO = resolve(import.meta.dirname, '..');
const arg = (k: string, d: string) => process.argv.find((a) => a.startsWith(`--${k}=`))?.split('=')[1] ?? d;
const idleS = Number(arg('idle-seconds', '30'));
const out = resolve(REPO, arg('out', 'bench/results-agent-heap.json'));
const log = (m: string) => process.stderr.write(`[heap ${new Date().toTimeString().slice(0, 8)}] ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MiB = (b: number) => Math.round((b / 2 ** 20) * 100) / 100;

/** Groups of objects whose retained size is reported (they may overlap: a cache holds V1 objects).
 *  esbuild names a class that refers to itself `_Name`, hence the optional underscore. */
const GROUPS: Record<string, (n: HeapNode) => boolean> = {
  'informer caches (client-node ListWatch: objects, indexes, watch state)': (n) => n.type === 'object' && /^_?ListWatch\d*$/.test(n.name),
  'client-node API clients (CoreV1Api, ..., their configuration and HTTP layers)': (n) => n.type === 'object' && /^_?(Object|Promise)?[A-Z][A-Za-z]*V\d+(alpha\d+|beta\d+)?Api\d*$/.test(n.name),
  'client-node model objects (V1Node, V1Lease, ...)': (n) => n.type === 'object' && /^_?V\d+(alpha\d+|beta\d+)?[A-Z]\w*$/.test(n.name),
  'KubeConfig objects': (n) => n.type === 'object' && /^_?KubeConfig\d*$/.test(n.name),
  'the agent runtime (AgentRuntime and what only it holds)': (n) => n.type === 'object' && /^_?AgentRuntime\d*$/.test(n.name),
};

/** Bundle bytes by package, from esbuild's metafile. */
async function bundleComposition(): Promise<Record<string, number>> {
  const r = await build({ ...backendOptions(), entryPoints: [join(REPO, 'backend/main.ts')], outfile: join(tmpdir(), 'agent-heap-meta.mjs'), write: false, metafile: true });
  const outFile = Object.values(r.metafile!.outputs).find((o) => o.entryPoint);
  const by: Record<string, number> = {};
  for (const [path, v] of Object.entries(outFile?.inputs ?? {})) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const k = m ? m[1] : 'nodemend (backend/, protocol/)';
    by[k] = (by[k] ?? 0) + v.bytesInOutput;
  }
  return Object.fromEntries(Object.entries(by).sort((a, b) => b[1] - a[1]).slice(0, 12));
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'nodemend-heap-'));
  const c = await startCluster();
  const results: Record<string, unknown>[] = [];
  try {
    const shipped = await buildAgentBundle(work);
    const readable = await buildAgentBundle(work, { readable: true });
    const image = imageNodeOptions();
    await seedCluster(c, { nodes: 5, zones: ['a', 'b', 'c'], pools: ['p1'] });
    const ap = await c.kubectl(['apply', '--server-side', '-k', join(REPO, 'deploy/overlays/default')], { timeoutMs: 120_000 });
    if (ap.code !== 0) throw new Error(ap.stderr);
    const variants = [
      { name: 'shipped bundle, image NODE_OPTIONS', program: shipped.path, nodeOptions: image, summarize: false },
      { name: 'shipped bundle, no source maps', program: shipped.path, nodeOptions: '', summarize: false },
      { name: 'unminified bundle, image NODE_OPTIONS', program: readable.path, nodeOptions: image, summarize: true },
    ];
    for (const v of variants) {
      const dir = mkdtempSync(join(work, 'agent-'));
      const port = await freePort();
      const child = spawn(process.execPath, ['--heapsnapshot-signal=SIGUSR2', v.program, 'agent', '--node-id=node-1', `--kubeconfig=${c.kubeconfigPath}`, `--reboot-sentinel=${join(dir, 'reboot-required')}`, '--period=15s', '--metrics-host=127.0.0.1', `--metrics-port=${port}`, '--log-level=warn'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_ENV: 'production', NODE_OPTIONS: v.nodeOptions } });
      try {
        for (let i = 0; !(await httpOk(port, '/readyz')); i++) {
          if (i > 120) throw new Error(`${v.name}: not ready after 60 s`);
          await sleep(500);
        }
        log(`${v.name}: ready; idle ${idleS} s`);
        await sleep(idleS * 1000);
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        child.kill('SIGUSR2');
        // The snapshot is written synchronously by the agent; done when its size stops changing.
        let file = '';
        for (let last = -1, i = 0; i < 240; i++) {
          await sleep(500);
          file = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot')) ?? '';
          if (!file) continue;
          const size = statSync(join(dir, file)).size;
          if (size === last && size > 0) break;
          last = size;
        }
        if (!file) throw new Error(`${v.name}: no heap snapshot written`);
        const snap = JSON.parse(readFileSync(join(dir, file), 'utf8')) as HeapSnapshot;
        const s = summarizeHeap(snap, v.summarize ? GROUPS : {});
        const row = {
          variant: v.name, nodeOptions: v.nodeOptions, rssMiB: MiB(parseRssKb(status) * 1024), rssAnonMiB: MiB(parseRssAnonKb(status) * 1024), heapReachableMiB: MiB(s.reachableBytes),
          byTypeMiB: Object.fromEntries(Object.entries(s.byType).map(([k, b]) => [k, MiB(b)])),
          groupsMiB: Object.fromEntries(Object.entries(s.groups).map(([k, g]) => [k, { retainedMiB: MiB(g.retainedBytes), members: g.members }])),
          largestStrings: s.largestStrings.map((x) => ({ MiB: MiB(x.bytes), starts: x.starts })),
          ...(v.summarize ? { topConstructors: s.byConstructor.map((x) => ({ name: x.name, MiB: MiB(x.bytes), count: x.count })) } : {}),
        };
        log(`${v.name}: RSS ${row.rssMiB} MiB, heap ${row.heapReachableMiB} MiB`);
        results.push(row);
      } finally {
        child.kill('SIGKILL');
      }
    }
    const composition = await bundleComposition();
    writeFileSync(out, JSON.stringify({ generated: new Date().toISOString(), idleSeconds: idleS, commit: shipped.commit, bundleBytes: shipped.bytes, bundleKiBByPackage: Object.fromEntries(Object.entries(composition).map(([k, b]) => [k, Math.round(b / 1024)])), variants: results }, null, 1) + '\n');
    log(`written to ${out}`);
  } finally {
    await c.stop();
    // --keep: the snapshots stay, for DevTools (Memory tab, Load).
    if (process.argv.includes('--keep')) log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  log(`failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
});
