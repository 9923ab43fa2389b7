// `npm run cluster -- up|down|status [--nodes N] [--dir DIR]`: the test control plane by hand,
// for the demo and for debugging. `up` leaves it running in the background; kubectl works with
// the kubeconfig it prints.

import { existsSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { controlPlaneBin } from './binaries.ts';
import { startCluster } from './index.ts';
import { alive } from './procs.ts';
import type { ControlPlaneInfo } from './controlplane.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    nodes: { type: 'string', default: '12' },
    zones: { type: 'string', default: 'a,b,c' },
    dir: { type: 'string', default: join(process.env.NODEMEND_CACHE ?? join(homedir(), '.cache/nodemend'), 'cluster') },
  },
});
const dir = values.dir!;
const stateFile = join(dir, 'state.json');

function state(): ControlPlaneInfo | undefined {
  return existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as ControlPlaneInfo) : undefined;
}

async function down(): Promise<void> {
  const s = state();
  if (!s) return console.log('cluster: not running');
  for (const name of ['kwok', 'kube-scheduler', 'kube-controller-manager', 'kube-apiserver', 'etcd']) {
    const pid = s.pids[name];
    if (pid && alive(pid)) process.kill(pid, 'SIGTERM');
  }
  const end = Date.now() + 10_000;
  while (Object.values(s.pids).some(alive) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  for (const pid of Object.values(s.pids)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  console.log('cluster: stopped');
}

async function main(): Promise<void> {
  const cmd = positionals[0] ?? 'status';
  if (cmd === 'up') {
    const s = state();
    if (s && Object.values(s.pids).every(alive)) {
      console.log(`cluster: already running at ${s.server}\nexport KUBECONFIG=${s.kubeconfigPath}`);
      return;
    }
    if (s) await down();
    const n = Number(values.nodes);
    if (!Number.isInteger(n) || n < 0 || n > 1000) throw new Error(`--nodes: expected a whole number 0-1000, got ${values.nodes}`);
    const t0 = Date.now();
    const c = await startCluster({ dir, detached: true });
    if (n > 0) await c.addNodes(n, { prefix: 'node', zones: values.zones!.split(','), pools: ['general', 'batch'] });
    console.log(`cluster: up in ${((Date.now() - t0) / 1000).toFixed(1)} s at ${c.server} with ${n} simulated nodes`);
    console.log(`export KUBECONFIG=${c.kubeconfigPath}`);
    console.log(`kubectl: ${join(controlPlaneBin(), 'kubectl')} (same version as the server)`);
    process.exit(0); // the control plane runs on, detached
  } else if (cmd === 'down') {
    await down();
  } else if (cmd === 'status') {
    const s = state();
    if (!s) return console.log('cluster: not running');
    for (const [name, pid] of Object.entries(s.pids)) console.log(`${name.padEnd(24)} pid ${pid} ${alive(pid) ? 'running' : 'DEAD'}`);
    console.log(`server ${s.server}\nexport KUBECONFIG=${s.kubeconfigPath}`);
  } else {
    throw new Error(`unknown command ${JSON.stringify(cmd)}: use up, down or status`);
  }
}

main().catch((e) => {
  console.error(`cluster: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
