// SIGTERM during start-up, through the real entry point: the agent waits up to 30 s for its
// informers before its loop starts, and a stop asked for meanwhile must be honoured at once and
// cleanly (informers and metrics server stopped, exit 0). The handlers used to be installed after
// that wait: as PID 1 of its container (no default SIGTERM action) the agent then ignored the
// signal until the kubelet killed it; here (not PID 1) the default action killed it uncleanly.
// No control plane: the kubeconfig names a port nobody listens on, so the informers never sync.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../tools/harness/index.ts';

const MAIN = fileURLToPath(new URL('../../backend/main.ts', import.meta.url));

test('SIGTERM while start-up waits for the informers: a clean exit within seconds', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nodemend-signal-'));
  try {
    const kubeconfig = join(dir, 'kubeconfig');
    const port = await freePort();
    writeFileSync(kubeconfig, ['apiVersion: v1', 'kind: Config', 'clusters:', `- name: c`, `  cluster: {server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true}`, 'users:', '- name: u', '  user: {token: t}', 'contexts:', '- name: x', '  context: {cluster: c, user: u}', 'current-context: x', ''].join('\n'));
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(NODEMEND_|KURED_|NODE_ID$|KUBECONFIG$)/.test(k)));
    const child = spawn(process.execPath, [MAIN, 'agent', '--node-id=n1', `--kubeconfig=${kubeconfig}`, '--metrics-port=0', `--reboot-sentinel=${join(dir, 'reboot-required')}`], { env: base, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
    // In start-up: the informers have tried and failed at least once.
    for (const end = Date.now() + 20_000; !/watch failed; retrying/.test(out); ) {
      assert.ok(Date.now() < end, `no informer retry logged:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.doesNotMatch(out, /agent started/, 'still in start-up');
    const t0 = Date.now();
    child.kill('SIGTERM');
    const r = await Promise.race([exited, new Promise<undefined>((res) => setTimeout(() => res(undefined), 10_000))]);
    if (!r) child.kill('SIGKILL');
    assert.ok(r, `still running 10 s after SIGTERM:\n${out}`);
    assert.deepEqual(r, { code: 0, signal: null }, `a clean exit, not killed by the signal:\n${out}`);
    assert.ok(Date.now() - t0 < 5000, `exit took ${Date.now() - t0} ms`);
    assert.match(out, /stop requested.*SIGTERM/);
    assert.match(out, /agent stopped/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
