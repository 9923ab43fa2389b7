// The local demo (`./dev demo`): a real Kubernetes control plane with simulated nodes in three
// zones running realistic workloads, the nodemend manifests applied, the agents on a simulated
// host, the hub, and a real VS Code (code-server) with the extension installed and connected.
// Some nodes need a reboot at start, so a rolling reboot begins at once. Ctrl-C stops everything.
// `./dev demo --real` runs it on real nodes instead (scripts/demo-real.ts).

import { mkdirSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type TestCluster } from '../tools/harness/index.ts';
import { seedCluster } from '../tools/harness/workloads.ts';
import { controlPlaneBin } from '../tools/harness/binaries.ts';
import { runHub, type HubHandle } from '../backend/hub/main.ts';
import { SimFleet } from '../backend/agent/sim/fleet.ts';
import { packageVsix } from '../test/e2e/support/package.ts';
import { codeServerDir, startCodeServer, type CodeServer } from '../test/e2e/support/code-server.ts';
import { demoReal } from './demo-real.ts';
import { deadlockingBudgets, parseDemoArgs, usage, type Budget } from './demo-options.ts';

const parsed = parseDemoArgs(process.argv.slice(2));
if (parsed.kind === 'help') {
  console.log(usage());
  process.exit(0);
}
if (parsed.kind === 'error') {
  console.error(`demo: ${parsed.error}`);
  process.exit(2);
}
const { nodes: nodeCount, needsReboot: needs, rebootSeconds, concurrency, trickleSeconds } = parsed.options;

if (parsed.options.real) {
  // A real reboot takes minutes under emulation: a new patch every 5 min unless told otherwise.
  const trickle = parsed.options.trickleGiven ? trickleSeconds : 300;
  await demoReal({ trickleSeconds: trickle });
  await new Promise(() => undefined);
}

const cache = process.env.NODEMEND_CACHE ?? join(homedir(), '.cache/nodemend');
const dir = join(cache, 'demo');
const stops: (() => Promise<void>)[] = [];
let stopping = false;

async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log('\ndemo: stopping...');
    for (const s of stops.reverse()) await s().catch((e) => console.error(`demo: ${String(e)}`));
    console.log('demo: stopped');
  }
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

function step(msg: string): () => void {
  const t0 = Date.now();
  process.stdout.write(`demo: ${msg}... `);
  return () => console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

async function main(): Promise<void> {
  // The slow, cached installs first, so the cluster does not idle while they run.
  let done = step('code-server (first run installs it, ~7 min)');
  codeServerDir();
  done();

  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  done = step('starting the Kubernetes control plane');
  const c: TestCluster = await startCluster({ dir });
  stops.push(() => c.stop());
  done();

  done = step(`adding ${nodeCount} simulated nodes in zones a, b, c with workloads behind PodDisruptionBudgets`);
  const seeded = await seedCluster(c, { nodes: nodeCount, zones: ['a', 'b', 'c'], pools: ['general', 'batch'] });
  done();

  // A budget that lets no pod go would hold every drain forever (seedCluster's "api" budget does on
  // fewer than 13 nodes): those are relaxed to maxUnavailable 1, so a small demo cannot deadlock.
  const relaxed = await relaxDeadlockingBudgets(c, seeded.namespace);
  if (relaxed.length) console.log(`demo: PodDisruptionBudget ${relaxed.join(', ')} relaxed to maxUnavailable 1 (on ${nodeCount} nodes it would let no pod go)`);

  done = step('applying deploy/ (kubectl apply -k deploy/overlays/default)');
  const applied = await c.kubectl(['apply', '-k', 'deploy/overlays/default']);
  if (applied.code !== 0) throw new Error(`kubectl apply -k deploy/overlays/default failed:\n${applied.stderr}`);
  done();

  done = step(`starting ${nodeCount} agents on a simulated host (reboots take ${rebootSeconds} s, concurrency ${concurrency}, at most 1 per zone)`);
  const fleet = await SimFleet.start(seeded.nodes, {
    kubeconfigPath: c.kubeconfigPath,
    dir: join(dir, 'host'),
    rebootMs: rebootSeconds * 1000,
    flags: [
      `--concurrency=${concurrency}`,
      '--concurrency-scope=topology.kubernetes.io/zone',
      '--concurrency-per-scope=1',
      '--period=15s',
      '--metrics-host=127.0.0.1',
      '--metrics-port=0',
    ],
  });
  stops.push(() => fleet.stop());
  done();

  done = step('starting the hub');
  const hub: HubHandle = await runHub(
    [`--kubeconfig=${c.kubeconfigPath}`, '--listen=127.0.0.1:0', '--listen-trusted=off', '--namespace=nodemend', '--log-level=warn'],
    {},
    { embedded: true },
  );
  stops.push(() => hub.stop());
  done();

  done = step('packaging the extension and starting VS Code (code-server)');
  const vsix = await packageVsix();
  const vscode: CodeServer = await startCodeServer({
    vsix,
    settings: {
      'nodemend.kubeconfig': c.kubeconfigPath,
      'nodemend.hub.mode': 'url',
      'nodemend.hub.url': `ws://127.0.0.1:${hub.port}/stream`,
    },
  });
  stops.push(() => vscode.stop());
  done();

  const sick = seeded.nodes.slice(0, needs);
  fleet.requireReboot(sick);
  if (trickleSeconds > 0) {
    let next = needs;
    const t = setInterval(() => {
      const node = seeded.nodes[next++ % seeded.nodes.length];
      fleet.requireReboot([node]);
      console.log(`demo: ${node} now needs a reboot (a kernel patch landed)`);
    }, trickleSeconds * 1000);
    stops.push(async () => clearInterval(t));
  }
  console.log(`
demo: ready.
  VS Code:     ${vscode.url}   (open it, then the nodemend view in the activity bar: showing it connects; answer Connect when nodemend asks once to send your credentials to the demo hub)
  kubectl:     export KUBECONFIG=${c.kubeconfigPath}   (kubectl ${controlPlaneBin()}/kubectl matches the server)
  hub stream:  ws://127.0.0.1:${hub.port}/stream
  ${sick.length} nodes need a reboot now: ${sick.join(', ')}
  Try: kubectl annotate node ${seeded.nodes[needs] ?? seeded.nodes[0]} nodemend.dev/force-reboot=$(date -u +%Y-%m-%dT%H:%M:%SZ)
       kubectl annotate node ${seeded.nodes[0]} nodemend.dev/block="waiting for the DB team"
Ctrl-C stops everything.`);
}

/** Reads the budgets and their workloads' replicas, and relaxes those that let no pod go. */
async function relaxDeadlockingBudgets(c: TestCluster, namespace: string): Promise<string[]> {
  const get = async (kind: string) => {
    const r = await c.kubectl(['-n', namespace, 'get', kind, '-o', 'json']);
    if (r.code !== 0) throw new Error(`kubectl get ${kind} -n ${namespace} failed:\n${r.stderr}`);
    return (JSON.parse(r.stdout) as { items: { metadata: { name: string }; spec: Record<string, unknown> }[] }).items;
  };
  // seedCluster names each budget after the Deployment it guards.
  const replicas = new Map((await get('deployments')).map((d) => [d.metadata.name, Number(d.spec.replicas ?? 1)]));
  const budgets: Budget[] = (await get('poddisruptionbudgets')).map((p) => ({
    name: p.metadata.name,
    replicas: replicas.get(p.metadata.name) ?? 0,
    minAvailable: p.spec.minAvailable as number | string | undefined,
    maxUnavailable: p.spec.maxUnavailable as number | string | undefined,
  }));
  const names = deadlockingBudgets(budgets);
  for (const name of names) {
    const r = await c.kubectl(['-n', namespace, 'patch', 'pdb', name, '--type=merge', '-p', '{"spec":{"minAvailable":null,"maxUnavailable":1}}']);
    if (r.code !== 0) throw new Error(`relaxing PodDisruptionBudget ${name} failed:\n${r.stderr}`);
  }
  return names;
}

main().catch((e) => {
  console.error(`\ndemo: ${e instanceof Error ? e.message : String(e)}`);
  void stopAll(1);
});
