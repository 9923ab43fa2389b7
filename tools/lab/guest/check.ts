// Boots one VM from the lab's guest disk (scripts/lab-disk.sh) on its own, without a control plane,
// and checks the guest side of the contract through qemu-guest-agent: multi-user reached, the
// network, CNI configuration, kubeconfigs and kubelet's node IP made from the kernel command line
// and the seed disk, containerd and kubelet running, images imported once; then reboots it and
// checks it comes back (a new boot_id, same machine-id, no second import). Prints the timings.
//
//   PATH="$(bash scripts/node.sh):$PATH" node tools/lab/guest/check.ts [--disk DIR] [--import] [--keep]
//
// Root, like the lab. The NIC is qemu's user network with restrict=on: nothing leaves the machine
// and nothing listens. The newest pause and nodemend images scripts/image.sh has built, if any, come
// as in the lab, in a containerd store disk made on the host (scripts/lab-containerd.sh); with
// --import, as archives on an images disk that the guest imports at boot.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { guestExec } from '../qemu.ts';

const repo = join(import.meta.dirname, '../../..');
const cache = process.env.NODEMEND_CACHE ?? join(homedir(), '.cache/nodemend');
const { values: opt } = parseArgs({
  options: { disk: { type: 'string' }, import: { type: 'boolean', default: false }, keep: { type: 'boolean', default: false } },
});

const NAME = 'lab-1';
const IP = '10.77.0.11';
const POD_CIDR = '10.244.1.0/24';
const ROUTES = '10.244.2.0/24@10.77.0.12,10.244.3.0/24@10.77.0.13';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secs = (t0: number) => Math.round((Date.now() - t0) / 100) / 10;
let failed = 0;
function check(name: string, ok: boolean, detail = ''): void {
  if (!ok) failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
}

function ext4(label: string, from: string, to: string, sizeMiB: number): void {
  execFileSync('mke2fs', ['-q', '-F', '-t', 'ext4', '-L', label, '-d', from, to, `${sizeMiB}M`], { stdio: ['ignore', 'ignore', 'inherit'] });
}

function kubeconfig(user: string, ca: string): string {
  return [
    'apiVersion: v1', 'kind: Config', 'current-context: lab',
    'clusters:', '- name: lab', '  cluster:', '    server: https://10.77.0.1:6443', `    certificate-authority-data: ${Buffer.from(ca).toString('base64')}`,
    'users:', `- name: ${user}`, '  user:', '    token: not-a-real-token',
    'contexts:', '- name: lab', '  context:', '    cluster: lab', `    user: ${user}`, '',
  ].join('\n');
}

/** A throwaway self-signed CA, so kubelet gets as far as dialling the (absent) API server. */
function dummyCa(dir: string): string {
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
      '-subj', '/CN=lab-check', '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt')], { stdio: 'ignore' });
    return execFileSync('cat', [join(dir, 'ca.crt')], { encoding: 'utf8' });
  } catch {
    return '-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n';
  }
}

async function sh(qga: string, script: string, timeoutMs = 60_000): Promise<string> {
  const r = await guestExec(qga, script, { timeoutMs });
  return (r.stdout + (r.code !== 0 ? `[exit ${r.code}] ${r.stderr}` : '')).trim();
}

/** Waits until the agent answers and systemd has finished booting (or given up: degraded). */
async function waitBooted(qga: string, t0: number, timeoutMs: number, notBootId = ''): Promise<number> {
  while (Date.now() - t0 < timeoutMs) {
    try {
      const out = await sh(qga, 'cat /proc/sys/kernel/random/boot_id; systemctl is-active multi-user.target', 5000);
      const [boot, state] = out.split('\n');
      if (boot && boot !== notBootId && state === 'active') return secs(t0);
    } catch {
      // not up yet (no agent, or the old boot going down)
    }
    await sleep(1000);
  }
  throw new Error(`guest not up after ${timeoutMs / 1000} s`);
}

async function main(): Promise<void> {
  // The newest pause and project images scripts/image.sh has made, if any.
  const newest = (prefix: string) => readdirSync(cache).filter((d) => d.startsWith(prefix)).map((d) => join(cache, d, 'image.tar'))
    .filter(existsSync).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  const pause = newest('pause-');
  const project = newest('image-');
  const archives = [pause, project].filter((a): a is string => a !== undefined);
  const built = (script: string, args: string[] = []) =>
    execFileSync('bash', [join(repo, 'scripts', script), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!;
  const disk = opt.disk ?? built('lab-disk.sh');
  const work = mkdtempSync(join(tmpdir(), 'nodemend-guest-check-'));
  console.log(`disk ${disk}\nwork ${work}`);

  const seed = join(work, 'seed');
  mkdirSync(seed);
  const ca = dummyCa(work);
  writeFileSync(join(seed, 'kubelet.conf'), kubeconfig(`system:node:${NAME}`, ca), { mode: 0o600 });
  writeFileSync(join(seed, 'kube-proxy.conf'), kubeconfig('system:kube-proxy', ca), { mode: 0o600 });
  writeFileSync(join(seed, 'ca.crt'), ca);
  ext4('nm-seed', seed, join(work, 'seed.img'), 4);
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', join(disk, 'base.qcow2'), join(work, 'root.qcow2')]);
  // The images as the lab brings them: containerd's store made on the host, through a per-VM overlay;
  // or, with --import, an images disk of archives the guest imports at boot.
  const imageDrive: string[] = [];
  if (archives.length && !opt.import) {
    const store = built('lab-containerd.sh', archives);
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', join(store, 'containerd.img'), join(work, 'containerd.qcow2')]);
    imageDrive.push('-drive', `file=${join(work, 'containerd.qcow2')},if=virtio,format=qcow2,cache=unsafe`);
  } else if (archives.length) {
    const images = join(work, 'images');
    mkdirSync(images);
    let bytes = 0;
    for (const [from, name] of [[pause, 'pause.tar'], [project, 'nodemend.tar']] as const) {
      if (!from) continue;
      linkSync(from, join(images, name));
      bytes += statSync(from).size;
    }
    ext4('nm-images', images, join(work, 'images.img'), Math.ceil((bytes * 1.15) / 2 ** 20) + 8);
    imageDrive.push('-drive', `file=${join(work, 'images.img')},if=virtio,format=raw,readonly=on,file.locking=off`);
  }

  const hw = existsSync('/sys/module/kvm_intel') || existsSync('/sys/module/kvm_amd');
  const accel = process.env.NODEMEND_LAB_ACCEL ?? (hw && existsSync('/dev/kvm') ? 'kvm' : 'tcg');
  const qga = join(work, 'qga.sock');
  const append = ['root=LABEL=nm-root', 'rw', 'console=ttyS0', 'quiet', `systemd.hostname=${NAME}`,
    `nm.ip=${IP}/24`, `nm.podcidr=${POD_CIDR}`, `nm.routes=${ROUTES}`].join(' ');
  const args = [
    '-name', NAME, '-nodefaults', '-display', 'none', '-rtc', 'base=utc',
    ...(accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg,thread=multi,tb-size=256', '-cpu', 'max']),
    '-smp', '1', '-m', '1024',
    '-kernel', join(disk, 'vmlinuz'), '-initrd', join(disk, 'initrd.img'), '-append', append,
    '-drive', `file=${join(work, 'root.qcow2')},if=virtio,format=qcow2,cache=unsafe`,
    '-drive', `file=${join(work, 'seed.img')},if=virtio,format=raw,readonly=on`,
    ...imageDrive,
    '-netdev', 'user,id=n0,restrict=on', '-device', 'virtio-net-pci,netdev=n0,mac=52:54:00:77:00:11',
    '-object', 'rng-random,filename=/dev/urandom,id=rng0', '-device', 'virtio-rng-pci,rng=rng0',
    '-chardev', `socket,id=qga0,path=${qga},server=on,wait=off`,
    '-device', 'virtio-serial', '-device', 'virtserialport,chardev=qga0,name=org.qemu.guest_agent.0',
    '-chardev', `file,id=con0,path=${join(work, 'console.log')}`, '-serial', 'chardev:con0',
  ];
  const t0 = Date.now();
  const vm = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'inherit', 'inherit'] });
  let exited = false;
  vm.on('exit', () => (exited = true));
  const timings: Record<string, number> = {};
  try {
    await sleep(500);
    if (exited) throw new Error('qemu exited at once');
    timings.boot = await waitBooted(qga, t0, 600_000);
    console.log(`${accel}: multi-user.target after ${timings.boot} s (qemu start to guest agent reporting it)`);
    const q = (s: string, ms?: number) => sh(qga, s, ms);
    console.log(`  guest: ${await q('systemd-analyze time | head -1')}`);

    check('hostname', (await q('hostname')) === NAME);
    const failedUnits = await q('systemctl --failed --no-legend --plain | cut -d" " -f1');
    check('no failed units', failedUnits === '', failedUnits.replaceAll('\n', ' '));
    for (const u of ['nodemend-lab-setup', 'systemd-networkd', 'containerd', 'qemu-guest-agent', 'dbus', 'systemd-logind']) {
      check(`${u} active`, (await q(`systemctl is-active ${u}`)) === 'active');
    }
    // Without an images disk its condition skips it.
    const imagesUnit = await q('systemctl show -p ActiveState -p ConditionResult -p Result nodemend-lab-images');
    check('nodemend-lab-images done or skipped', !imagesUnit.includes('=failed') && (imagesUnit.includes('ActiveState=active') || imagesUnit.includes('ConditionResult=no')), imagesUnit.replaceAll('\n', ' '));
    const net = await q('cat /run/systemd/network/10-nodemend-lab.network');
    check('network file', net.includes(`Address=${IP}/24`) && net.includes('Destination=10.244.2.0/24') && net.includes('Gateway=10.77.0.13'));
    const addr = await q('ip -4 -o addr show');
    check('node address', addr.includes(`${IP}/24`), addr.split('\n').filter((l) => !l.includes(' lo ')).join('; '));
    const routes = await q('ip -4 route');
    check('pod routes', routes.includes('10.244.2.0/24 via 10.77.0.12') && routes.includes('10.244.3.0/24 via 10.77.0.13'), routes.replaceAll('\n', '; '));
    check('no default route', !routes.includes('default'));
    const cni = await q('cat /etc/cni/net.d/10-lab.conflist');
    check('CNI config', cni.includes(`"subnet": "${POD_CIDR}"`) && cni.includes('"bridge": "cni0"'));
    check('kubelet node IP', (await q('cat /etc/default/kubelet-lab')).includes(`--node-ip=${IP}`));
    check('seed copied', (await q('ls /etc/kubernetes')).split('\n').filter((f) => ['kubelet.conf', 'kube-proxy.conf', 'ca.crt'].includes(f)).length === 3);
    check('seed unmounted', !(await q('cat /proc/mounts')).includes('nodemend-lab'));
    const sysctl = await q('cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/bridge/bridge-nf-call-iptables');
    check('sysctls', sysctl === '1\n1', sysctl.replaceAll('\n', ' '));
    check('DefaultTimeoutStopSec', (await q('systemctl show -p DefaultTimeoutStopUSec')).endsWith('=10s'));
    check('kubelet --version', (await q('kubelet --version')) === 'Kubernetes v1.34.4');
    check('kube-proxy --version', (await q('kube-proxy --version')) === 'Kubernetes v1.34.4');
    const kubelet = await q('systemctl show kubelet -p ActiveState -p NRestarts -p ExecMainStartTimestamp');
    check('kubelet started', /ActiveState=(active|activating)/.test(kubelet), kubelet.replaceAll('\n', ' '));
    console.log(`  kubelet log: ${(await q('journalctl -u kubelet -b --no-pager -o cat | grep -v "^Started\\|^Stopped" | tail -n 3')).replaceAll('\n', '\n               ')}`);
    const kp = await q('systemctl show kube-proxy -p ActiveState -p NRestarts');
    console.log(`  kube-proxy: ${kp.replaceAll('\n', ' ')}`);
    check('containerd CRI answers', (await q('ctr -n k8s.io version >/dev/null && ls /run/containerd/containerd.sock')) === '/run/containerd/containerd.sock');
    const imported = await q('journalctl -b -u nodemend-lab-images --no-pager -o cat | grep nodemend-lab-images; ctr -n k8s.io images ls -q');
    console.log(`  images: ${imported.replaceAll('\n', '\n          ')}`);
    if (pause) check('pause image in containerd', imported.includes('registry.k8s.io/pause:3.10'));
    if (project) check('project image in containerd', imported.includes('localhost/nodemend:'));
    const ref = imported.split('\n').map((l) => l.trim()).find((l) => l.startsWith('localhost/nodemend:'));
    if (ref) {
      // The layers unpacked (in the guest or on the host) make a container that runs.
      const ran = await q(`ctr -n k8s.io run --rm ${ref} nm-check /bin/sh -c 'echo ran as $(id -u)'`, 120_000);
      check('a container of the project image runs', ran.startsWith('ran as'), ran);
    }
    if (archives.length && !opt.import) {
      check('containerd store disk mounted', (await q('findmnt -no SOURCE,FSTYPE /var/lib/containerd')).endsWith('ext4'));
      check('nothing imported at boot', !imported.includes(': imported in'));
    }
    const machineId = await q('cat /etc/machine-id');
    check('machine-id made', /^[0-9a-f]{32}$/.test(machineId), machineId);

    // --- reboot -------------------------------------------------------------------------------------
    const boot1 = await q('cat /proc/sys/kernel/random/boot_id');
    const t1 = Date.now();
    await q('systemctl --no-block reboot');
    timings.reboot = await waitBooted(qga, t1, 600_000, boot1);
    console.log(`reboot: back at multi-user.target with a new boot_id after ${timings.reboot} s`);
    console.log(`  guest: ${await q('systemd-analyze time | head -1')}`);
    check('new boot_id', (await q('cat /proc/sys/kernel/random/boot_id')) !== boot1);
    check('same machine-id', (await q('cat /etc/machine-id')) === machineId);
    check('journal of the previous boot kept', (await q('journalctl -b -1 --no-pager -o cat | tail -n 1')).length > 0);
    const shutdown = await q('journalctl -b -1 --no-pager -o short-monotonic | grep -E "Stopped kubelet|Reached target.*(Shutdown|Final)|Stopping kubelet" | head -n 4');
    console.log(`  shutdown: ${shutdown.replaceAll('\n', '\n            ')}`);
    if (archives.length && opt.import) check('no second import', (await q('journalctl -b -u nodemend-lab-images --no-pager -o cat')).includes('already imported'));
    check('containerd active after reboot', (await q('systemctl is-active containerd')) === 'active');
    check('network after reboot', (await q('ip -4 -o addr show')).includes(`${IP}/24`));
  } finally {
    if (!exited) vm.kill('SIGKILL');
    while (!exited) await sleep(50);
    if (!opt.keep) rmSync(work, { recursive: true, force: true });
    else console.log(`kept ${work} (console.log there)`);
  }
  console.log(JSON.stringify({ accel, ...timings }));
  if (failed) {
    console.log(`${failed} check(s) failed`);
    process.exitCode = 1;
  }
}

await main();
