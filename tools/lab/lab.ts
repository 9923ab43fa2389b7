// The real-node lab: Debian VMs under qemu that are real Kubernetes nodes (containerd, runc, CNI,
// kubelet, kube-proxy) and really reboot, joined to the test control plane, which runs inside a
// network namespace the lab creates. The VMs sit on a bridge in that namespace; nothing listens or
// sends outside it, and the host reaches the API server through a forwarder on 127.0.0.1.
//
//   namespace nodemend-lab-<id>:  br0 10.77.0.1/24  (kube-apiserver :6443, etcd on its loopback)
//     tap1 ── lab-1  10.77.0.11  pods 10.244.1.0/24
//     tap2 ── lab-2  10.77.0.12  pods 10.244.2.0/24   (each node routes to the others' pod ranges)
//
// The guest side (disk, units, kubelet configuration) is in tools/lab/guest and scripts/lab-disk.sh.

import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { controlPlaneBin, repoRoot } from '../harness/binaries.ts';
import { ControlPlane, type ControlPlaneInfo } from '../harness/controlplane.ts';
import { TestCluster } from '../harness/index.ts';
import { isReady } from '../harness/objects.ts';
import { alive, freePort, startProc, waitFor } from '../harness/procs.ts';
import { guestExec, qmp, type GuestResult } from './qemu.ts';

export const BRIDGE_ADDRESS = '10.77.0.1';
/** The pod range of the whole lab: kube-proxy's --cluster-cidr. */
export const CLUSTER_CIDR = '10.244.0.0/16';

export interface LabNode {
  name: string;
  index: number;
  ip: string;
  mac: string;
  podCidr: string;
  tap: string;
  qmp: string;
  qga: string;
  console: string;
  pid: number;
}

export interface LabState {
  dir: string;
  netns: string;
  accel: 'kvm' | 'tcg';
  nodes: LabNode[];
  cp: ControlPlaneInfo;
  /** The nodemend image the nodes run (scripts/image.sh): reference and its archive. */
  image: { ref: string; archive: string };
  /** Wall-clock seconds of each phase of `up`, for the README and the bench. */
  timings: Record<string, number>;
}

export interface LabOptions {
  nodes?: number;
  dir: string;
  /** Leave everything running after this process exits (`./dev lab up`). */
  detached?: boolean;
  memoryMiB?: number;
  /** Overlay applied once the nodes are Ready (`none` applies nothing): default, signal-reboot... */
  overlay?: string;
  log?: (line: string) => void;
}

export function nodeAt(i: number): Omit<LabNode, 'qmp' | 'qga' | 'console' | 'pid'> {
  return {
    name: `lab-${i}`,
    index: i,
    ip: `10.77.0.${10 + i}`,
    mac: `52:54:00:77:00:${(0x10 + i).toString(16)}`,
    podCidr: `10.244.${i}.0/24`,
    tap: `tap${i}`,
  };
}

/** The namespace's name: one per lab folder, so two labs (a test and the demo) never collide. */
export function netnsFor(dir: string): string {
  return `nodemend-lab-${createHash('sha256').update(dir).digest('hex').slice(0, 8)}`;
}

/** Hardware virtualisation when the host has it (kvm_intel/kvm_amd); a paravirtual /dev/kvm
 *  (kvm_pvm) boots stock kernels badly or not at all, so it counts as none. */
export function detectAccel(): 'kvm' | 'tcg' {
  const env = process.env.NODEMEND_LAB_ACCEL;
  if (env === 'kvm' || env === 'tcg') return env;
  const hw = existsSync('/sys/module/kvm_intel') || existsSync('/sys/module/kvm_amd');
  return hw && existsSync('/dev/kvm') ? 'kvm' : 'tcg';
}

/** Runs one of the project's cached build scripts; its last stdout line is what it made. */
export function built(script: string, args: string[] = []): string {
  const out = execFileSync('bash', [join(repoRoot, 'scripts', script), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  const last = out.trim().split('\n').pop();
  if (!last) throw new Error(`${script} printed nothing`);
  return last;
}

function ip(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
}

export function netnsExists(name: string): boolean {
  return spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').some((l) => l.split(' ')[0] === name);
}

export function deleteNetns(name: string): void {
  if (netnsExists(name)) ip(['netns', 'delete', name]);
}

function createNetwork(netns: string, nodes: ReturnType<typeof nodeAt>[]): void {
  deleteNetns(netns); // a lab that died without `down`
  ip(['netns', 'add', netns]);
  const n = (args: string[]) => ip(['-n', netns, ...args]);
  n(['link', 'set', 'lo', 'up']);
  n(['link', 'add', 'br0', 'type', 'bridge']);
  n(['addr', 'add', `${BRIDGE_ADDRESS}/24`, 'dev', 'br0']);
  n(['link', 'set', 'br0', 'up']);
  for (const v of nodes) {
    n(['tuntap', 'add', v.tap, 'mode', 'tap']);
    n(['link', 'set', v.tap, 'master', 'br0', 'up']);
    // The API server reaches pods (its service proxy, the hub) through their node.
    n(['route', 'add', v.podCidr, 'via', v.ip]);
  }
}

function kubeconfig(server: string, ca: string, user: string, token: string): string {
  return [
    'apiVersion: v1', 'kind: Config', 'current-context: lab',
    'clusters:', '- name: lab', '  cluster:', `    server: ${server}`, `    certificate-authority-data: ${Buffer.from(ca).toString('base64')}`,
    'users:', `- name: ${user}`, '  user:', `    token: ${token}`,
    'contexts:', '- name: lab', '  context:', '    cluster: lab', `    user: ${user}`, '',
  ].join('\n');
}

/** An ext4 image of a folder, made without mounting anything (mke2fs -d). */
function ext4(label: string, from: string, to: string, sizeKiB: number): void {
  rmSync(to, { force: true });
  execFileSync('mke2fs', ['-q', '-F', '-t', 'ext4', '-L', label, '-d', from, to, `${sizeKiB}k`], { stdio: ['ignore', 'ignore', 'inherit'] });
}

export class Lab {
  readonly cluster: TestCluster;
  readonly state: LabState;

  constructor(cluster: TestCluster, state: LabState) {
    this.cluster = cluster;
    this.state = state;
  }

  get nodes(): LabNode[] {
    return this.state.nodes;
  }

  node(name: string): LabNode {
    const n = this.state.nodes.find((v) => v.name === name);
    if (!n) throw new Error(`no lab node ${name}`);
    return n;
  }

  /** Runs a shell script as root inside a node's VM (qemu-guest-agent). */
  exec(name: string, script: string, opts: { timeoutMs?: number; input?: string } = {}): Promise<GuestResult> {
    return guestExec(this.node(name).qga, script, opts);
  }

  /** A hard reset, as a power button would: no shutdown, no goodbye to the API server. */
  async reset(name: string): Promise<void> {
    await qmp(this.node(name).qmp, 'system_reset');
  }

  kubectl(args: string[], opts: { input?: string; timeoutMs?: number } = {}) {
    return this.cluster.kubectl(args, opts);
  }

  async stop(): Promise<void> {
    await stopLab(this.state);
  }
}

/** Stops the VMs, the control plane and the namespace; safe to call twice, or from another process. */
export async function stopLab(s: LabState): Promise<void> {
  for (const v of s.nodes) if (v.pid && alive(v.pid)) process.kill(v.pid, 'SIGKILL');
  // The API server may ignore SIGTERM for 10 s or more: stop every process before the namespace.
  const order = ['kube-scheduler', 'kube-controller-manager', 'forward-host', 'forward-ns', 'kube-apiserver', 'etcd'];
  for (const name of order) {
    const pid = s.cp.pids[name];
    if (pid && alive(pid)) process.kill(pid, 'SIGTERM');
  }
  const end = Date.now() + 10_000;
  const pids = [...Object.values(s.cp.pids), ...s.nodes.map((v) => v.pid)];
  while (pids.some((p) => p && alive(p)) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  for (const p of pids) if (p && alive(p)) process.kill(p, 'SIGKILL');
  while (pids.some((p) => p && alive(p))) await new Promise((r) => setTimeout(r, 50));
  deleteNetns(s.netns);
}

export function readState(dir: string): LabState | undefined {
  const f = join(dir, 'lab.json');
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as LabState) : undefined;
}

function launchVm(dir: string, netns: string, accel: 'kvm' | 'tcg', disk: string, store: string, v: ReturnType<typeof nodeAt>, all: ReturnType<typeof nodeAt>[], memoryMiB: number, detached: boolean): LabNode {
  const vd = join(dir, v.name);
  const overlay = join(vd, 'root.qcow2');
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', join(disk, 'base.qcow2'), overlay]);
  const images = join(vd, 'containerd.qcow2');
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', join(store, 'containerd.img'), images]);
  const routes = all.filter((o) => o !== v).map((o) => `${o.podCidr}@${o.ip}`).join(',');
  const append = [
    'root=LABEL=nm-root', 'rw', 'console=ttyS0', 'quiet', `systemd.hostname=${v.name}`,
    `nm.ip=${v.ip}/24`, `nm.podcidr=${v.podCidr}`, ...(routes ? [`nm.routes=${routes}`] : []),
  ].join(' ');
  const node: LabNode = { ...v, qmp: join(vd, 'qmp.sock'), qga: join(vd, 'qga.sock'), console: join(vd, 'console.log'), pid: 0 };
  const args = [
    '-name', v.name, '-nodefaults', '-display', 'none', '-rtc', 'base=utc',
    // Software emulation: one vCPU; tb-size keeps qemu's translation cache (and RSS) small.
    ...(accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg,thread=multi,tb-size=256', '-cpu', 'max']),
    '-smp', '1', '-m', String(memoryMiB),
    '-kernel', join(disk, 'vmlinuz'), '-initrd', join(disk, 'initrd.img'), '-append', append,
    '-drive', `file=${overlay},if=virtio,format=qcow2,cache=unsafe`,
    '-drive', `file=${join(vd, 'seed.img')},if=virtio,format=raw,readonly=on`,
    '-drive', `file=${images},if=virtio,format=qcow2,cache=unsafe`,
    '-netdev', `tap,id=n0,ifname=${v.tap},script=no,downscript=no`, '-device', `virtio-net-pci,netdev=n0,mac=${v.mac}`,
    '-object', 'rng-random,filename=/dev/urandom,id=rng0', '-device', 'virtio-rng-pci,rng=rng0',
    '-chardev', `socket,id=qga0,path=${node.qga},server=on,wait=off`,
    '-device', 'virtio-serial', '-device', 'virtserialport,chardev=qga0,name=org.qemu.guest_agent.0',
    '-qmp', `unix:${node.qmp},server=on,wait=off`,
    '-chardev', `file,id=con0,path=${node.console},append=on`, '-serial', 'chardev:con0',
  ];
  const p = startProc(v.name, 'ip', ['netns', 'exec', netns, 'qemu-system-x86_64', ...args], join(vd, 'qemu.log'), detached);
  node.pid = p.child.pid ?? 0;
  return node;
}

/** Applies an overlay of deploy/ as shipped, changing only the image to the one built here. */
export async function applyOverlay(lab: Lab, overlay: string): Promise<void> {
  const d = join(lab.state.dir, `overlay-${overlay}`);
  mkdirSync(d, { recursive: true });
  const [name, tag] = splitRef(lab.state.image.ref);
  writeFileSync(join(d, 'kustomization.yaml'), [
    '# Made by the lab: the shipped overlay, with the image built from this checkout.',
    'apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization',
    // kustomize takes a base outside the folder only by a relative path.
    'resources:', `- ${relative(d, join(repoRoot, 'deploy/overlays', overlay))}`,
    'images:', '- name: ghcr.io/nodemend/nodemend', `  newName: ${name}`, `  newTag: ${tag}`, '',
  ].join('\n'));
  const r = await lab.kubectl(['apply', '--server-side', '--force-conflicts', '-k', d], { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`kubectl apply -k ${d}: ${r.stderr}`);
}

export function splitRef(ref: string): [string, string] {
  const i = ref.lastIndexOf(':');
  return [ref.slice(0, i), ref.slice(i + 1)];
}

/** Waits until the agent DaemonSet has an up-to-date, ready pod on every node, and the hub is ready. */
export async function waitDeployed(lab: Lab, timeoutMs = 600_000): Promise<void> {
  await waitFor('nodemend agents and hub ready', async () => {
    const ds = await lab.cluster.apps.readNamespacedDaemonSet({ namespace: 'nodemend', name: 'nodemend-agent' });
    const hub = await lab.cluster.apps.readNamespacedDeployment({ namespace: 'nodemend', name: 'nodemend-hub' });
    const want = lab.nodes.length;
    const st = ds.status;
    return (ds.metadata?.generation === st?.observedGeneration && st?.updatedNumberScheduled === want && st?.numberReady === want &&
      (hub.status?.readyReplicas ?? 0) >= 1 && hub.status?.updatedReplicas === hub.spec?.replicas) as boolean;
  }, timeoutMs);
}

export async function startLab(o: LabOptions): Promise<Lab> {
  const log = o.log ?? (() => {});
  const count = o.nodes ?? 3;
  if (!Number.isInteger(count) || count < 1 || count > 9) throw new Error(`--nodes: expected 1-9 (each VM takes 1 GiB and a CPU's worth of emulation), got ${o.nodes}`);
  const dir = o.dir;
  const timings: Record<string, number> = {};
  const lap = (name: string, t0: number) => (timings[name] = Math.round((Date.now() - t0) / 100) / 10);

  let t = Date.now();
  log('lab: building or reusing the control plane, kubelet, guest disk and images (cached by their inputs)');
  controlPlaneBin();
  const disk = built('lab-disk.sh');
  const imageDir = built('image.sh');
  const pauseDir = built('image.sh', ['pause']);
  lap('artifacts', t);

  const prev = readState(dir);
  if (prev) await stopLab(prev);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const netns = netnsFor(dir);
  const accel = detectAccel();
  const specs = Array.from({ length: count }, (_, i) => nodeAt(i + 1));

  t = Date.now();
  createNetwork(netns, specs);
  const tokens = Object.fromEntries([...specs.map((v) => v.name), 'kube-proxy'].map((n) => [n, randomBytes(24).toString('hex')]));
  const cp = new ControlPlane(join(dir, 'cp'), o.detached ?? false, false, {
    netns,
    address: BRIDGE_ADDRESS,
    hostPort: await freePort(),
    tokens: [
      ...specs.map((v) => `${tokens[v.name]},system:node:${v.name},system:node:${v.name},"system:nodes"`),
      `${tokens['kube-proxy']},system:kube-proxy,system:kube-proxy`,
    ],
  });
  mkdirSync(join(dir, 'cp'), { recursive: true });
  let info: ControlPlaneInfo;
  try {
    info = await cp.up();
  } catch (e) {
    await cp.down();
    deleteNetns(netns);
    throw e;
  }
  lap('controlPlane', t);

  // The images every node needs (the pause image: containerd's sandbox and the test workloads;
  // nodemend's), imported on the host into a containerd store that each VM mounts through its own
  // overlay: an import inside an emulated VM takes minutes, on the host seconds.
  t = Date.now();
  const store = built('lab-containerd.sh', [join(pauseDir, 'image.tar'), join(imageDir, 'image.tar')]);
  const ca = readFileSync(info.caPath, 'utf8');
  const server = `https://${BRIDGE_ADDRESS}:6443`;
  for (const v of specs) {
    const seed = join(dir, v.name, 'seed');
    mkdirSync(seed, { recursive: true });
    writeFileSync(join(seed, 'kubelet.conf'), kubeconfig(server, ca, `system:node:${v.name}`, tokens[v.name]!), { mode: 0o600 });
    writeFileSync(join(seed, 'kube-proxy.conf'), kubeconfig(server, ca, 'system:kube-proxy', tokens['kube-proxy']!), { mode: 0o600 });
    writeFileSync(join(seed, 'ca.crt'), ca);
    ext4('nm-seed', seed, join(dir, v.name, 'seed.img'), 4096);
  }
  lap('disks', t);

  t = Date.now();
  const nodes = specs.map((v) => launchVm(dir, netns, accel, disk, store, v, specs, o.memoryMiB ?? 1024, o.detached ?? false));
  const state: LabState = { dir, netns, accel, nodes, cp: info, image: { ref: readFileSync(join(imageDir, 'ref'), 'utf8').trim(), archive: join(imageDir, 'image.tar') }, timings };
  for (const [name, p] of cp.procs) info.pids[name] = p.child.pid ?? 0;
  writeFileSync(join(dir, 'lab.json'), JSON.stringify(state, null, 2));
  const cluster = new TestCluster(cp, false);
  const lab = new Lab(cluster, state);
  try {
    log(`lab: ${count} VMs booting (${accel}); nodes join as they come up`);
    // A VM whose qemu is gone never joins: say why at once instead of waiting out the timeout.
    let died: string | undefined;
    await waitFor(`${count} lab nodes Ready`, async () => {
      const gone = nodes.find((v) => !v.pid || !alive(v.pid));
      if (gone) {
        const why = readFileSync(join(dir, gone.name, 'qemu.log'), 'utf8').trim().split('\n').slice(-5).join(' | ');
        died = `${gone.name}: qemu exited before the node joined (${why || 'no output'}); see ${join(dir, gone.name, 'qemu.log')}`;
        return true;
      }
      const list = await cluster.core.listNode();
      return list.items.filter(isReady).length === count;
    }, 600_000, nodes[0]!.console);
    if (died) throw new Error(`lab: ${died}`);
    lap('nodesReady', t);
    if ((o.overlay ?? 'default') !== 'none') {
      t = Date.now();
      await applyOverlay(lab, o.overlay ?? 'default');
      await waitDeployed(lab);
      lap('deployed', t);
    }
  } catch (e) {
    if (!o.detached) await stopLab(state);
    throw e;
  }
  writeFileSync(join(dir, 'lab.json'), JSON.stringify(state, null, 2));
  return lab;
}
