// The whole test suite, as `./dev test` and CI run it: type check, bundle, build what the tests
// need (each cached by its inputs, outside any test timeout), then two runs of node's test runner:
// every unit, integration, end-to-end, image and chaos file two at a time, then the real-node lab
// (test/lab: qemu VMs that really reboot) alone, since its VMs need both cores. The last line
// adds the two runs up.

import { spawn, spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';

function step(name: string, cmd: string, args: string[]): void {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) {
    console.error(`test: ${name} failed (exit ${r.status}); nothing else was run`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  console.log(`test: ${name} ok in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** One run of node's test runner, echoed as it goes; returns its pass and fail counts. */
function run(files: string[], concurrency: number): Promise<{ pass: number; fail: number; code: number }> {
  return new Promise((resolve) => {
    const child = spawn('node', ['--test', `--test-concurrency=${concurrency}`, '--test-timeout=1800000', '--test-reporter=spec', ...files], { stdio: ['ignore', 'pipe', 'inherit'] });
    let tail = '';
    child.stdout.on('data', (d: Buffer) => {
      process.stdout.write(d);
      tail = (tail + d.toString()).slice(-4096);
    });
    child.on('close', (code) => {
      const n = (k: string) => Number(new RegExp(`^ℹ ${k} (\\d+)$`, 'm').exec(tail)?.[1] ?? 0);
      resolve({ pass: n('pass'), fail: n('fail') + n('cancelled'), code: code ?? 1 });
    });
  });
}

step('type check', 'npx', ['tsc', '-p', 'tsconfig.json']);
step('type check (webview)', 'npx', ['tsc', '-p', 'webview/tsconfig.json']);
step('bundle', 'node', ['scripts/build.ts']);
// The control plane's cold build (first run on a machine) happens here, outside any test timeout.
step('control plane binaries', 'bash', ['scripts/controlplane-build.sh']);
// Helm for the chart tests (test/integration/helm.test.ts), likewise (first run ~3 min, cached).
step('helm', 'bash', ['scripts/helm-build.sh']);
// promtool for the monitoring pack's tests (test/docs/monitoring.test.ts), likewise (cached).
step('promtool', 'bash', ['scripts/promtool-build.sh']);
// Likewise code-server and Debian's Chromium for the end-to-end tests (first run ~7 min, cached).
step('code-server and Chromium', 'bash', ['scripts/code-server.sh']);

const only = process.argv.slice(2);
const all = only.length
  ? only
  : [
      ...globSync('{protocol,backend,extension,cli,webview,tools,scripts,bench}/**/*.test.ts'),
      ...globSync('test/{integration,e2e,chaos,property,security,image,release,lab,docs}/**/*.test.ts'),
    ].filter((f) => !f.includes('node_modules'));
// The lab's files run by default (they need qemu, 3 GiB and about 45 min on 2 cores); NODEMEND_LAB=0
// leaves them out of a developer's run, and says so.
const skipLab = only.length === 0 && process.env.NODEMEND_LAB === '0';
const lab = all.filter((f) => f.startsWith('test/lab/') && !skipLab);
if (skipLab) console.log('test: NODEMEND_LAB=0: the real-node lab (test/lab) is NOT run');
const image = all.some((f) => f.startsWith('test/image/') || f.startsWith('test/release/'));
// The container image (podman, stand-in bases) and, for the lab, the kubelet and the guest disk.
if (image || lab.length) {
  step('container image', 'bash', ['scripts/image.sh']);
  step('pause image', 'bash', ['scripts/image.sh', 'pause']);
}
if (lab.length) step('lab guest disk and kubelet', 'bash', ['scripts/lab-disk.sh']);
const rest = all.filter((f) => !f.startsWith('test/lab/'));
console.log(`test: ${all.length} test files (${lab.length} on the real-node lab, run after the others)`);
const a = rest.length ? await run(rest, 2) : { pass: 0, fail: 0, code: 0 };
const b = lab.length ? await run(lab, 1) : { pass: 0, fail: 0, code: 0 };
console.log(`${a.pass + b.pass} passed, ${a.fail + b.fail} failed`);
process.exit(a.code || b.code);
