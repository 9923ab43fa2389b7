// `./dev lab up|down|status [--nodes N] [--overlay NAME|none] [--dir DIR]`: the real-node lab by
// hand. `up` builds (or reuses) what it needs, boots the VMs, joins them, applies the overlay and
// leaves everything running; kubectl works with the kubeconfig it prints. `down` stops it all and
// removes the network namespace.

import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { controlPlaneBin } from '../harness/binaries.ts';
import { alive } from '../harness/procs.ts';
import { readState, startLab, stopLab } from './lab.ts';
import { rmSync } from 'node:fs';

const USAGE = `usage: ./dev lab up|down|status|exec [--nodes N] [--overlay default|signal-reboot|dry-run|...|none] [--dir DIR]
  up      boot N Debian VMs (default 3) as real nodes, join them, apply deploy/overlays/<overlay>
          with the image built from this checkout; leaves them running
  down    stop the VMs and the control plane, delete the network namespace and the lab folder
  status  what runs, the nodes and the kubeconfig
  exec    ./dev lab exec NODE 'SCRIPT': run a shell script as root in a VM (through its guest agent)`;

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        nodes: { type: 'string', default: '3' },
        overlay: { type: 'string', default: 'default' },
        dir: { type: 'string', default: join(process.env.NODEMEND_CACHE ?? join(homedir(), '.cache/nodemend'), 'lab') },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    console.error(`lab: ${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const { positionals, values } = parsed;
  const cmd = positionals[0] ?? 'status';
  if (values.help || cmd === 'help') return console.log(USAGE);
  const dir = values.dir!;
  if (cmd === 'up') {
    const s = readState(dir);
    if (s && s.nodes.every((v) => alive(v.pid)) && Object.values(s.cp.pids).every(alive)) {
      console.log(`lab: already running (${s.nodes.length} nodes)\nexport KUBECONFIG=${s.cp.kubeconfigPath}`);
      return;
    }
    const t0 = Date.now();
    const lab = await startLab({ dir, nodes: Number(values.nodes), overlay: values.overlay, detached: true, log: (l) => console.log(l) });
    console.log(`lab: up in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${lab.nodes.map((v) => `${v.name} ${v.ip}`).join(', ')} (${lab.state.accel})`);
    console.log(`lab: phases (s): ${JSON.stringify(lab.state.timings)}`);
    console.log(`export KUBECONFIG=${lab.state.cp.kubeconfigPath}`);
    console.log(`kubectl: ${join(controlPlaneBin(), 'kubectl')}`);
    console.log(`a node's shell: ./dev lab exec lab-1 'uptime'   console: ${lab.nodes[0]!.console}`);
    process.exit(0); // the lab runs on, detached
  } else if (cmd === 'down') {
    const s = readState(dir);
    if (!s) return console.log('lab: not running');
    await stopLab(s);
    rmSync(dir, { recursive: true, force: true });
    console.log('lab: stopped');
  } else if (cmd === 'status') {
    const s = readState(dir);
    if (!s) return console.log('lab: not running');
    for (const [name, pid] of Object.entries(s.cp.pids)) console.log(`${name.padEnd(24)} pid ${pid} ${alive(pid) ? 'running' : 'DEAD'}`);
    for (const v of s.nodes) console.log(`${v.name.padEnd(24)} pid ${v.pid} ${alive(v.pid) ? 'running' : 'DEAD'}  ${v.ip}  pods ${v.podCidr}  console ${v.console}`);
    console.log(`netns ${s.netns}  accel ${s.accel}  image ${s.image.ref}\nexport KUBECONFIG=${s.cp.kubeconfigPath}`);
  } else if (cmd === 'exec') {
    const s = readState(dir);
    if (!s) throw new Error('not running: ./dev lab up');
    const [, node, script] = positionals;
    const v = s.nodes.find((n) => n.name === node);
    if (!v || !script) throw new Error(`usage: ./dev lab exec NODE 'SCRIPT' (nodes: ${s.nodes.map((n) => n.name).join(', ')})`);
    const { guestExec } = await import('./qemu.ts');
    const r = await guestExec(v.qga, script);
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    process.exit(r.code);
  } else {
    console.error(`lab: unknown command ${JSON.stringify(cmd)}\n${USAGE}`);
    process.exit(2);
  }
}

main().catch((e) => {
  console.error(`lab: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
