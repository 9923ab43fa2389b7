// `./dev demo --real`: the demo on real nodes. Three qemu VMs join a control plane in a network
// namespace (the lab, tools/lab), nodemend is installed from deploy/overlays/default with the image
// built here, a workload runs behind a PodDisruptionBudget, and a real VS Code (code-server) shows
// it through the extension's default connection: the API server's service proxy to the hub pod,
// with the kubeconfig's own credentials. A kernel patch "lands" on one node (the sentinel file),
// and then on the next every few minutes; each reboot is a real kernel reboot of a VM.
// Ctrl-C stops everything. The lab's first start builds its guest disk and the image (minutes).

import { homedir } from 'node:os';
import { join } from 'node:path';
import { startLab, type Lab } from '../tools/lab/lab.ts';
import { controlPlaneBin } from '../tools/harness/binaries.ts';
import { packageVsix } from '../test/e2e/support/package.ts';
import { codeServerDir, startCodeServer, type CodeServer } from '../test/e2e/support/code-server.ts';

const PAUSE = 'registry.k8s.io/pause:3.10';

export async function demoReal(o: { trickleSeconds: number }): Promise<void> {
  const cache = process.env.NODEMEND_CACHE ?? join(homedir(), '.cache/nodemend');
  const stops: (() => Promise<void>)[] = [];
  let stopping = false;
  const stopAll = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      console.log('\ndemo: stopping...');
      for (const s of stops.reverse()) await s().catch((e) => console.error(`demo: ${String(e)}`));
      console.log('demo: stopped');
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  try {
    console.log('demo: code-server (first run installs it, ~7 min)');
    codeServerDir();
    console.log('demo: starting the lab: 3 VMs that are real Kubernetes nodes, nodemend installed as shipped');
    const lab: Lab = await startLab({ dir: join(cache, 'demo-lab'), nodes: 3, log: (l) => console.log(`demo: ${l}`) });
    stops.push(() => lab.stop());
    console.log(`demo: lab up in ${Object.values(lab.state.timings).reduce((a, b) => a + b, 0).toFixed(0)} s (${JSON.stringify(lab.state.timings)})`);
    console.log('demo: a workload behind a PodDisruptionBudget (3 replicas, at least 2 Ready)');
    await lab.cluster.ensureNamespace('shop');
    await lab.cluster.addDeployment({ namespace: 'shop', name: 'web', replicas: 3, image: PAUSE, terminationGracePeriodSeconds: 5, pdb: { minAvailable: 2 }, spreadOverNodes: true, readyTimeoutMs: 600_000 });
    console.log('demo: packaging the extension and starting VS Code (code-server)');
    const vsix = await packageVsix();
    // No hub setting: the extension's default, the API server's service proxy.
    const vscode: CodeServer = await startCodeServer({ vsix, settings: { 'nodemend.kubeconfig': lab.state.cp.kubeconfigPath } });
    stops.push(() => vscode.stop());
    const sentinel = async (node: string) => {
      const r = await lab.exec(node, 'touch /var/run/reboot-required');
      console.log(r.code === 0 ? `demo: ${node} now needs a reboot (a kernel patch landed: /var/run/reboot-required)` : `demo: ${node}: ${r.stderr}`);
    };
    await sentinel('lab-1');
    if (o.trickleSeconds > 0) {
      let next = 1;
      const t = setInterval(() => void sentinel(lab.nodes[next++ % lab.nodes.length]!.name), o.trickleSeconds * 1000);
      stops.push(async () => clearInterval(t));
    }
    console.log(`
demo: ready (real nodes).
  VS Code:   ${vscode.url}   (open it; the nodemend view is in the activity bar)
  kubectl:   export KUBECONFIG=${lab.state.cp.kubeconfigPath}   (kubectl: ${controlPlaneBin()}/kubectl)
  a node:    ./dev lab exec lab-2 'uptime; cat /proc/sys/kernel/random/boot_id' --dir ${lab.state.dir}
  lab-1 reboots first (its kernel really restarts: about 2 min under emulation), then the next
  every ${o.trickleSeconds} s.
  Try: kubectl annotate node lab-3 nodemend.dev/block="waiting for the DB team"
Ctrl-C stops everything.`);
  } catch (e) {
    console.error(`\ndemo: ${e instanceof Error ? e.message : String(e)}`);
    await stopAll(1);
  }
}
