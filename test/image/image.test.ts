// The container images, built (or reused from the cache) by scripts/image.sh with podman: the
// backend image runs the agent and the hub as uid 1000 on the Node of scripts/node.sh, has nsenter
// and no npm, and its hub lives on without a cluster (alive, not ready); the lab's pause image
// stops at once on SIGTERM and reaps orphans; both archives import into containerd under exactly
// the names in their `ref` files. Needs root; a cold cache builds for a few minutes.
// Nothing here listens outside a container without a network (--network=none) or a Unix socket.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const root = resolve(import.meta.dirname, '../..');
const script = join(root, 'scripts/image.sh');
const nodeVersion = /^version=(\S+)$/m.exec(readFileSync(join(root, 'scripts/node.sh'), 'utf8'))?.[1];
const PAUSE_REF = 'registry.k8s.io/pause:3.10';
const MB = (bytes: number) => (bytes / 1e6).toFixed(1);

interface Built {
  dir: string;
  ref: string;
  size: number;
  archiveBytes: number;
  seconds: number;
}

/** Runs scripts/image.sh (its log goes to our stderr) and reads the directory it prints last. */
function imageSh(...args: string[]): Built {
  const t0 = performance.now();
  const r = spawnSync('bash', [script, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 1_800_000 });
  const seconds = (performance.now() - t0) / 1000;
  assert.equal(r.status, 0, `scripts/image.sh ${args.join(' ')} failed (status ${r.status}, signal ${r.signal})`);
  const dir = r.stdout.trim().split('\n').at(-1) ?? '';
  return {
    dir,
    ref: readFileSync(join(dir, 'ref'), 'utf8').trim(),
    size: Number(readFileSync(join(dir, 'size'), 'utf8').trim()),
    archiveBytes: statSync(join(dir, 'image.tar')).size,
    seconds,
  };
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}
/** podman with scripts/image.sh's private configuration and storage. */
function podman(args: string[], timeout = 60_000): Run {
  const r = spawnSync('bash', [script, 'podman', ...args], { encoding: 'utf8', timeout });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
/** A throwaway container of the backend image without a network. */
function run(args: string[]): Run {
  return podman(['run', '--rm', '--network=none', ...args]);
}
function inspect(name: string, format: string): string {
  const r = podman(['inspect', '--format', format, name]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

const names: string[] = [];
/** A unique container name, removed after the tests. */
function containerName(what: string): string {
  const n = `nodemend-image-test-${what}-${process.pid}-${names.length}`;
  names.push(n);
  return n;
}

let image: Built;
let pause: Built;
before(() => {
  image = imageSh();
  pause = imageSh('pause');
  console.log(`image: ${image.ref}: ${MB(image.size)} MB (podman's size), archive ${MB(image.archiveBytes)} MB; scripts/image.sh took ${image.seconds.toFixed(1)} s`);
  console.log(`image: ${pause.ref}: ${MB(pause.size)} MB, archive ${MB(pause.archiveBytes)} MB; scripts/image.sh pause took ${pause.seconds.toFixed(1)} s`);
});
after(() => {
  for (const n of names) podman(['rm', '--force', '--ignore', '--time', '0', n]);
});

test('scripts/image.sh prints a directory named by its key, holding image.tar, ref and size', () => {
  const key = /^image-([0-9a-f]{16})$/.exec(basename(image.dir))?.[1];
  assert.ok(key, `unexpected directory ${image.dir}`);
  assert.equal(image.ref, `localhost/nodemend:${key}`);
  assert.ok(Number.isInteger(image.size) && image.size > 50e6 && image.size < 1e9, `size ${image.size}`);
  assert.ok(image.archiveBytes > 50e6, `archive of ${image.archiveBytes} bytes`);
  assert.match(basename(pause.dir), /^pause-[0-9a-f]{16}$/);
  assert.equal(pause.ref, PAUSE_REF);
});

test('a second run with unchanged inputs is a cache hit: same directory, archive untouched', () => {
  const mtime = statSync(join(image.dir, 'image.tar')).mtimeMs;
  const again = imageSh();
  console.log(`image: cache hit in ${again.seconds.toFixed(1)} s`);
  assert.equal(again.dir, image.dir);
  assert.equal(statSync(join(image.dir, 'image.tar')).mtimeMs, mtime);
  assert.ok(again.seconds < 20, `a hit took ${again.seconds.toFixed(1)} s`);
});

test('the Dockerfile defaults to the official bases of the Node that scripts/node.sh brings', () => {
  const df = readFileSync(join(root, 'Dockerfile'), 'utf8');
  assert.ok(nodeVersion, 'no version= in scripts/node.sh');
  assert.match(df, new RegExp(`^ARG NODE_VERSION=${nodeVersion!.replaceAll('.', '\\.')}$`, 'm'));
  assert.match(df, /^ARG BUILD_IMAGE=node:\$\{NODE_VERSION\}-bookworm$/m);
  assert.match(df, /^ARG BASE_IMAGE=node:\$\{NODE_VERSION\}-bookworm-slim$/m);
});

test('the image runs node /app/backend.mjs as 1000:1000 and carries no CA bundle setting', () => {
  const cfg = JSON.parse(podman(['image', 'inspect', image.ref]).stdout)[0].Config;
  assert.equal(cfg.User, '1000:1000');
  assert.deepEqual(cfg.Entrypoint, ['node', '/app/backend.mjs']);
  assert.ok(!cfg.Env.some((e: string) => e.startsWith('NODE_EXTRA_CA_CERTS=')), cfg.Env.join(' '));
});

test('agent --help and hub --help exit 0 and print their usage', () => {
  const agent = run([image.ref, 'agent', '--help']);
  assert.equal(agent.status, 0, agent.stderr);
  assert.match(agent.stdout, /^usage: nodemend agent \[flags\]\n/);
  assert.match(agent.stdout, /--node-id=/);
  const hub = run([image.ref, 'hub', '--help']);
  assert.equal(hub.status, 0, hub.stderr);
  assert.match(hub.stdout, /^usage: nodemend hub \[flags\]\n/);
  assert.match(hub.stdout, /--listen-trusted=/);
});

test('the image runs as uid 1000 (node), on the Node of scripts/node.sh', () => {
  const id = run(['--entrypoint', 'id', image.ref]);
  assert.equal(id.status, 0, id.stderr);
  assert.match(id.stdout, /^uid=1000\(node\) gid=1000\(node\)/);
  const uid = run(['--entrypoint', 'id', image.ref, '-u']);
  assert.equal(uid.stdout.trim(), '1000');
  const v = run(['--entrypoint', 'node', image.ref, '--version']);
  assert.equal(v.status, 0, v.stderr);
  assert.equal(v.stdout.trim(), `v${nodeVersion}`);
});

test('/usr/bin/nsenter is there and runs', () => {
  const r = run(['--entrypoint', '/usr/bin/nsenter', image.ref, '--version']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /util-linux/);
});

test('no npm, npx or corepack on PATH, and no /usr/local/lib/node_modules', () => {
  // Lists every PATH entry holding one of the names given, and whatever node_modules holds. node
  // is among the names as a control: the probe must find it, and only it.
  const probe = [
    'for b in "$@"; do IFS=:; for d in $PATH; do',
    '  if [ -e "$d/$b" ] || [ -L "$d/$b" ]; then echo "$d/$b"; fi',
    'done; unset IFS; done',
    'if [ -e /usr/local/lib/node_modules ]; then find /usr/local/lib/node_modules -mindepth 1 -maxdepth 1; fi',
  ].join('\n');
  const r = run(['--entrypoint', 'sh', image.ref, '-c', probe, 'sh', 'npm', 'npx', 'corepack', 'node']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '/usr/local/bin/node\n');
});

test('the hub without a cluster keeps running: /healthz 200, /readyz 503, stops with 0 on SIGTERM', async () => {
  const name = containerName('hub');
  // No kubeconfig and no service account: the hub starts its listeners and retries its watches.
  // Its network is the container's own loopback only; the probes run inside it.
  const started = podman(['run', '--detach', '--network=none', '--name', name, image.ref, 'hub']);
  assert.equal(started.status, 0, started.stderr);
  const probe = `const out = {};
for (const p of ['/healthz', '/readyz']) {
  const r = await fetch('http://127.0.0.1:8080' + p);
  out[p] = { status: r.status, body: await r.text() };
}
console.log(JSON.stringify(out));`;
  const ask = (): Record<string, { status: number; body: string }> | undefined => {
    const r = podman(['exec', name, 'node', '--input-type=module', '-e', probe]);
    return r.status === 0 ? JSON.parse(r.stdout) : undefined;
  };
  let answer: ReturnType<typeof ask>;
  for (let i = 0; i < 40 && !answer; i++) {
    answer = ask();
    if (!answer) await sleep(250);
  }
  assert.ok(answer, `the hub never answered:\n${podman(['logs', name]).stderr}`);
  // Let the failing watches retry a few times: the hub must still be there and say the same.
  await sleep(3000);
  assert.equal(inspect(name, '{{.State.Running}}'), 'true', podman(['logs', name]).stderr);
  answer = ask();
  assert.ok(answer);
  assert.equal(answer['/healthz'].status, 200);
  assert.match(answer['/healthz'].body, /^ok/);
  assert.equal(answer['/readyz'].status, 503);
  assert.equal(answer['/readyz'].body, 'cluster state not synced yet\n');
  const stopped = podman(['stop', '--time', '10', name]);
  assert.equal(stopped.status, 0, stopped.stderr);
  assert.equal(inspect(name, '{{.State.ExitCode}}'), '0');
});

test('the pause image: /pause as 65535, a few MB', () => {
  const cfg = JSON.parse(podman(['image', 'inspect', PAUSE_REF]).stdout)[0].Config;
  assert.deepEqual(cfg.Entrypoint, ['/pause']);
  assert.equal(cfg.User, '65535:65535');
  assert.ok(pause.size > 100e3 && pause.size < 5e6, `size ${pause.size}`);
});

test('pause exits 0 within 1 s of SIGTERM (podman stop sends SIGKILL at 1 s: 137), and on SIGINT', () => {
  const name = containerName('pause-term');
  assert.equal(podman(['run', '--detach', '--network=none', '--name', name, PAUSE_REF]).status, 0);
  assert.equal(inspect(name, '{{.State.Running}}'), 'true');
  const t0 = performance.now();
  const stopped = podman(['stop', '--time', '1', name]);
  const ms = performance.now() - t0;
  assert.equal(stopped.status, 0, stopped.stderr);
  assert.equal(inspect(name, '{{.State.ExitCode}}'), '0', `pause did not exit on SIGTERM (podman stop took ${ms.toFixed(0)} ms)`);
  console.log(`image: pause stopped by SIGTERM in ${ms.toFixed(0)} ms (podman stop, all included)`);

  const name2 = containerName('pause-int');
  assert.equal(podman(['run', '--detach', '--network=none', '--name', name2, PAUSE_REF]).status, 0);
  assert.equal(podman(['kill', '--signal', 'INT', name2]).status, 0);
  const waited = podman(['wait', name2], 10_000);
  assert.equal(waited.stdout.trim(), '0', waited.stderr);
});

interface Proc {
  pid: number;
  comm: string;
  state: string;
}
/** The host's processes whose parent is pid. */
function childrenOf(pid: number): Proc[] {
  const out: Proc[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${d}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const close = stat.lastIndexOf(')');
    const [state, ppid] = stat.slice(close + 2).split(' ');
    if (Number(ppid) === pid) out.push({ pid: Number(d), comm: stat.slice(stat.indexOf('(') + 1, close), state });
  }
  return out;
}

/**
 * Starts `init` (a container) as PID 1 of a PID namespace, then in a second container sharing it
 * orphans a `sleep 1`: the kernel hands the orphan to PID 1. Returns what PID 1's children look
 * like while the orphan lives and 4 s later, after it exited.
 */
async function orphanUnder(init: string[], what: string): Promise<{ during: Proc[]; after: Proc[] }> {
  const holder = containerName(`${what}-init`);
  assert.equal(podman(['run', '--detach', '--network=none', '--name', holder, ...init]).status, 0);
  const pid1 = Number(inspect(holder, '{{.State.Pid}}'));
  const helper = containerName(`${what}-helper`);
  const h = podman(['run', '--detach', '--network=none', `--pid=container:${holder}`, '--name', helper,
    '--entrypoint', 'sh', image.ref, '-c', '(sleep 1 &); exec sleep 60']);
  assert.equal(h.status, 0, h.stderr);
  let during: Proc[] = [];
  for (let i = 0; i < 20 && !during.some((p) => p.comm === 'sleep'); i++) {
    during = childrenOf(pid1);
    if (!during.some((p) => p.comm === 'sleep')) await sleep(50);
  }
  await sleep(4000);
  const afterwards = childrenOf(pid1);
  podman(['rm', '--force', '--time', '0', helper, holder]);
  return { during, after: afterwards };
}

test('pause reaps orphans it inherits as PID 1', async () => {
  const r = await orphanUnder([PAUSE_REF], 'reap');
  assert.ok(r.during.some((p) => p.comm === 'sleep'), `the orphan never became pause's child: ${JSON.stringify(r.during)}`);
  assert.deepEqual(r.after, [], 'pause left children (zombies) behind');
});

test('the reaping check detects a PID 1 that does not reap (sleep as PID 1)', async () => {
  const r = await orphanUnder(['--entrypoint', 'sleep', image.ref, '60'], 'noreap');
  assert.ok(r.during.some((p) => p.comm === 'sleep'), JSON.stringify(r.during));
  assert.ok(r.after.some((p) => p.state === 'Z'), `expected a zombie under sleep: ${JSON.stringify(r.after)}`);
});

test('ctr -n k8s.io images import turns both archives into exactly their refs', async (t) => {
  ensureContainerd();
  const ctd = await startContainerd();
  t.after(() => ctd.stop());
  for (const b of [image, pause]) {
    const t0 = performance.now();
    const r = ctd.ctr(['images', 'import', join(b.dir, 'image.tar')]);
    assert.equal(r.status, 0, r.stderr);
    console.log(`image: ctr import of ${b.ref} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const ls = ctd.ctr(['images', 'ls', '--quiet']);
  assert.equal(ls.status, 0, ls.stderr);
  assert.deepEqual(ls.stdout.trim().split('\n').sort(), [image.ref, pause.ref].sort());
});

/** containerd and ctr from apt when missing, as scripts/image.sh installs its tools. */
function ensureContainerd(): void {
  if (spawnSync('sh', ['-c', 'command -v containerd && command -v ctr']).status === 0) return;
  const install = ['install', '-y', '--no-install-recommends', '--no-upgrade', 'containerd'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (spawnSync('apt-get', install, { stdio: 'inherit', env }).status === 0) return;
  assert.equal(spawnSync('apt-get', ['update'], { stdio: 'inherit', env }).status, 0);
  assert.equal(spawnSync('apt-get', install, { stdio: 'inherit', env }).status, 0);
}

/**
 * A private containerd: its own root, state, sockets and plugin directory in a temporary
 * directory, Unix sockets only (the CRI plugin, which would open a streaming port, is off).
 */
async function startContainerd(): Promise<{ ctr(args: string[]): Run; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'nodemend-ctd-'));
  const sock = join(dir, 'containerd.sock');
  writeFileSync(join(dir, 'config.toml'), `version = 2
root = "${dir}/root"
state = "${dir}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "${sock}"
[ttrpc]
  address = "${sock}.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "${dir}/opt"
`);
  const logFd = openSync(join(dir, 'containerd.log'), 'w');
  const proc: ChildProcess = spawn('containerd', ['--config', join(dir, 'config.toml')], { stdio: ['ignore', logFd, logFd] });
  const ctr = (args: string[]): Run => {
    const r = spawnSync('ctr', ['--address', sock, '--namespace', 'k8s.io', ...args], { encoding: 'utf8', timeout: 120_000 });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  const exited = new Promise<void>((res) => proc.once('exit', () => res()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const killed = sleep(5000).then(() => proc.kill('SIGKILL'));
      await Promise.race([exited, killed]);
      await exited;
    }
    // Unpacking mounts nothing that outlives ctr, but a snapshot mount left by a crash would
    // keep the directory busy.
    spawnSync('sh', ['-c', `grep -o " ${dir}/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l`]);
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    if (ctr(['version']).status === 0) return { ctr, stop };
    if (proc.exitCode !== null) break;
    await sleep(100);
  }
  const log = readFileSync(join(dir, 'containerd.log'), 'utf8');
  await stop();
  throw new Error(`containerd did not come up:\n${log.slice(-2000)}`);
}
