// The local demo (`./dev demo`): a real Kubernetes control plane with simulated nodes in three
// zones running realistic workloads, the nodemend manifests applied, the agents on a simulated
// host, the hub, and a real VS Code (code-server) with the extension installed and connected.
// Some nodes need a reboot at start, so a rolling reboot begins at once. Ctrl-C stops everything.
// `./dev demo --real` runs it on real nodes instead (scripts/demo-real.ts).

import { mkdirSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startCluster, type TestCluster } from '../tools/harness/index.ts';
import { seedCluster } from '../tools/harness/workloads.ts';
import { controlPlaneBin } from '../tools/harness/binaries.ts';
import { runHub, type HubHandle } from '../backend/hub/main.ts';
import { SimFleet } from '../backend/agent/sim/fleet.ts';
import { packageVsix } from '../test/e2e/support/package.ts';
import { codeServerDir, startCodeServer, type CodeServer } from '../test/e2e/support/code-server.ts';
import { demoReal } from './demo-real.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '30' },
    'needs-reboot': { type: 'string', default: '10' },
    'reboot-seconds': { type: 'string', default: '30' },
    concurrency: { type: 'string', default: '2' },
    // Keeps the demo alive: every so often another node's patch lands and it needs a reboot.
    'trickle-seconds': { type: 'string', default: '60' },
    // Real nodes instead of simulated ones: three qemu VMs whose kernels reboot (scripts/demo-real.ts).
    real: { type: 'boolean', default: false },
  },
});

function whole(flag: string, v: string | undefined, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`demo: --${flag}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    process.exit(2);
  }
  return n;
}
const nodeCount = whole('nodes', values.nodes, 3, 200);
const needs = whole('needs-reboot', values['needs-reboot'], 0, nodeCount);
const rebootSeconds = whole('reboot-seconds', values['reboot-seconds'], 1, 600);
const concurrency = whole('concurrency', values.concurrency, 1, 10);
const trickleSeconds = whole('trickle-seconds', values['trickle-seconds'], 0, 3600);

if (values.real) {
  // A real reboot takes minutes under emulation: a new patch every 5 min unless told otherwise.
  const trickle = process.argv.some((a) => a.startsWith('--trickle-seconds')) ? trickleSeconds : 300;
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
  VS Code:     ${vscode.url}   (open it; the nodemend view is in the activity bar; answer Connect when nodemend asks once to send your credentials to the demo hub)
  kubectl:     export KUBECONFIG=${c.kubeconfigPath}   (kubectl ${controlPlaneBin()}/kubectl matches the server)
  hub stream:  ws://127.0.0.1:${hub.port}/stream
  ${sick.length} nodes need a reboot now: ${sick.join(', ')}
  Try: kubectl annotate node ${seeded.nodes[needs] ?? seeded.nodes[0]} nodemend.dev/force-reboot=$(date -u +%Y-%m-%dT%H:%M:%SZ)
       kubectl annotate node ${seeded.nodes[0]} nodemend.dev/block="waiting for the DB team"
Ctrl-C stops everything.`);
}

main().catch((e) => {
  console.error(`\ndemo: ${e instanceof Error ? e.message : String(e)}`);
  void stopAll(1);
});
