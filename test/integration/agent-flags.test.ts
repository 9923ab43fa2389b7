// Bad flags and bad environment through the real entry point, as the container runs it:
// `node backend/main.ts agent ...` exits 2 before touching any cluster, and stderr lists every
// problem at once, each naming the flag (or the environment variable and its flag) and the fix.
// No control plane is needed for those: start-up must stop before any client is built. Kured
// flags whose effect shows only on a running agent (a sentinel command, an empty --reboot-days)
// are proved at the end against a real API server.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { waitFor } from '../../tools/harness/index.ts';
import { parseConfig } from '../../backend/agent/config/config.ts';
import { startAgent } from '../../backend/agent/main.ts';
import { NodeHost } from '../../backend/agent/reboot/host.ts';
import { CommandSentinel } from '../../backend/agent/sentinel/command.ts';
import { jsonLogger } from '../../backend/shared/log.ts';
import { AgentEnv, sleep } from './agent-support.ts';

const MAIN = fileURLToPath(new URL('../../backend/main.ts', import.meta.url));

function agent(args: string[], env: Record<string, string> = {}): { code: number | null; stderr: string; stdout: string } {
  // A clean environment: no NODEMEND_*/KURED_* from the caller, and no cluster to reach.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(NODEMEND_|KURED_|NODE_ID$|KUBECONFIG$)/.test(k)));
  const r = spawnSync(process.execPath, [MAIN, 'agent', ...args], { env: { ...base, KUBECONFIG: '/nonexistent', ...env }, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

/** Each pattern on a line of its own, in one run: all errors at once. */
function assertErrors(stderr: string, patterns: RegExp[]): void {
  const lines = stderr.split('\n');
  for (const p of patterns) assert.ok(lines.some((l) => p.test(l)), `stderr has ${p}:\n${stderr}`);
  assert.match(stderr, /^nodemend: agent configuration invalid:/);
  assert.match(stderr, /see nodemend agent --help/);
}

test('bad flags: exit 2, every flag named with its fix, in one run', () => {
  const r = agent(['--node-id=n1', '--period=abc', '--concurrency=0', '--bogus-flag=1', '--reboot-method=kexec', '--window=mon 25:00-26:00', '--prometheus-url=ftp://prom', '--blocking-pod-selector=']);
  assert.equal(r.code, 2, r.stderr);
  assertErrors(r.stderr, [
    /^ {2}--period: expected a duration such as 30s, 10m, 1h30m or 0, got "abc"$/,
    /^ {2}--concurrency: expected a whole number from 1 to 1000, got "0"$/,
    /^ {2}unknown flag --bogus-flag; see --help for the list$/,
    /^ {2}--reboot-method: expected command or signal, got "kexec"$/,
    /^ {2}--window: "25:00" is not a time of day; expected HH:MM/,
    // The fix fits the flag (it once suggested a Slack webhook for Prometheus).
    /^ {2}--prometheus-url: expected an http:\/\/ or https:\/\/ URL, got a ftp:\/\/ URL \(e\.g\. http:\/\/prometheus\.monitoring:9090\)$/,
    /^ {2}--blocking-pod-selector: empty selector; give e\.g\. app=critical$/,
  ]);
  assert.equal(r.stdout, '', 'nothing started, nothing logged');
});

test('bad environment: exit 2, names the variable and the flag it stands for', () => {
  const r = agent(['--node-id=n1'], { NODEMEND_PERIOD: '-5s', KURED_CONCURRENCY: 'zz', NODEMEND_DRY_RUN: 'maybe' });
  assert.equal(r.code, 2, r.stderr);
  assertErrors(r.stderr, [
    /^ {2}NODEMEND_PERIOD \(--period\): expected a duration/,
    /^ {2}KURED_CONCURRENCY \(--concurrency\): expected a whole number from 1 to 1000, got "zz"$/,
    /^ {2}NODEMEND_DRY_RUN \(--dry-run\): expected true or false, got "maybe"$/,
  ]);
});

test('a flag beats the environment: a good flag hides a bad variable', () => {
  // --period=abc keeps the agent from starting; the question is only whether CONCURRENCY is judged.
  const r = agent(['--node-id=n1', '--period=abc', '--concurrency=2'], { NODEMEND_CONCURRENCY: 'zz' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--period: expected a duration/);
  assert.doesNotMatch(r.stderr, /CONCURRENCY|--concurrency/, 'the flag was given, so the variable does not count');
});

test('without a node id: exit 2, the fix says where it comes from', () => {
  const r = agent([]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^ {2}--node-id: required; set --node-id=<node name> or the env NODE_ID \(in a DaemonSet: fieldRef spec.nodeName\)$/m);
});

test('--help lists the flags and exits 0', () => {
  const r = agent(['--help']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /--prometheus-url/);
  assert.match(r.stdout, /--dry-run/);
});

test('Kured flags through the entry point: accepted, each ignored one named with what replaces it', () => {
  // A valid configuration would start the agent: one bad flag stops it at the configuration, and
  // the output must name none of the Kured flags given with it.
  const r = agent(['--node-id=n1', '--period=abc', '--reboot-sentinel-command=sh -c "! needs-restarting --reboothint"', '--reboot-days=mon,fri', '--start-time=22', '--end-time=6', '--notify-url="slack://T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"', '--lock-ttl=30m', '--annotate-nodes'], { KURED_CONCURRENCY: '2' });
  assert.equal(r.code, 2, r.stderr);
  assertErrors(r.stderr, [/^ {2}--period: expected a duration/]);
  assert.doesNotMatch(r.stderr, /sentinel|reboot-days|start-time|end-time|notify|lock-ttl|annotate|CONCURRENCY/, 'every Kured flag was accepted');
});

test('Kured flags refused at start-up name themselves and the fix', () => {
  const r = agent(['--node-id=n1', '--notify-url=discord://token@id', '--time-zone=Local', "--reboot-command='/bin/systemctl reboot'"], { KURED_PERIOD: '1h', NODEMEND_PERIOD: '5m' });
  assert.equal(r.code, 2, r.stderr);
  assertErrors(r.stderr, [
    /^ {2}--notify-url: shoutrrr's discord:\/\/ service is not supported; nodemend sends to slack:\/\/, teams:\/\/, generic:\/\/, smtp:\/\/ and plain http\(s\) webhooks/,
    /^ {2}--time-zone: "Local" is the container's own zone in Kured/,
    /^ {2}--reboot-command: the program name "\/bin\/systemctl reboot" contains blanks: the whole command is quoted as one word; remove the outer quotes$/,
    /^ {2}KURED_PERIOD and NODEMEND_PERIOD are both set, to different values; keep one of them$/,
  ]);
});

test("Kured's RHEL sentinel command makes a real agent report \"reboot needed\"; an empty --reboot-days keeps it from rebooting and says why", { timeout: 240_000 }, async () => {
  const env = await AgentEnv.start({ name: 'flags', nodes: 1, prefix: 'kf', daemonSet: true, noFleet: true });
  const node = env.nodes[0];
  // A stand-in for RHEL's needs-restarting on PATH: --reboothint exits 1 when a reboot is needed.
  const bin = mkdtempSync(join(tmpdir(), 'nodemend-rhel-'));
  const need = join(bin, 'reboot-needed');
  writeFileSync(join(bin, 'needs-restarting'), `#!/bin/sh\n[ "$1" = --reboothint ] || exit 2\n[ -e '${need}' ] && exit 1\nexit 0\n`);
  chmodSync(join(bin, 'needs-restarting'), 0o755);
  const path = process.env.PATH;
  process.env.PATH = `${bin}:${path}`;
  let rebooted = 0;
  try {
    const parsed = parseConfig([`--node-id=${node}`, `--kubeconfig=${env.c.kubeconfigPath}`, '--period=2s', '--reboot-sentinel-command=sh -c "! needs-restarting --reboothint"', '--reboot-days=', '--log-level=warn'], {});
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.errors.join('\n'));
    assert.match(parsed.warnings.join('\n'), /--reboot-days is empty: no day is a reboot day, so this node never reboots by itself/);
    const cfg = parsed.config;
    assert.ok(cfg.sentinel.kind === 'command');
    // The real command sentinel, without nsenter (the test runs on this host, not in a pod).
    const host = new NodeHost(new CommandSentinel({ command: cfg.sentinel.argv, prefix: [], periodMs: cfg.periodMs }), {
      reboot: async () => void rebooted++,
      describe: () => 'counted, never run',
    });
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(env.c.kubeconfigPath);
    const a = await startAgent(cfg, kc, { host, metricsServer: false, log: jsonLogger('agent', 'error', () => {}) });
    try {
      await waitFor('state published', async () => (await env.state(node)) !== undefined, 60_000);
      assert.equal((await env.state(node))?.rebootRequired, false, 'needs-restarting says no reboot yet');
      writeFileSync(need, '');
      await waitFor('reboot needed reported', async () => (await env.state(node))?.rebootRequired === true, 30_000);
      const s = await env.state(node);
      assert.equal(s?.phase, 'waiting-window', s?.reason);
      assert.equal(s?.nextWindow, undefined, 'no window ever opens');
      assert.match(s?.reason ?? '', /^outside every reboot window, and none opens again/);
      await sleep(5000); // two more periods: still nothing happens
      assert.equal(rebooted, 0);
      assert.ok(!(await env.read(node)).spec?.unschedulable, 'never cordoned');
      assert.deepEqual(await env.holders(), [], 'no lock taken');
    } finally {
      await a.stop();
    }
  } finally {
    process.env.PATH = path;
    rmSync(bin, { recursive: true, force: true });
    await env.stop();
  }
});
