// Bad flags and bad environment through the real entry point, as the container runs it:
// `node backend/main.ts agent ...` exits 2 before touching any cluster, and stderr lists every
// problem at once, each naming the flag (or the environment variable and its flag) and the fix.
// No control plane is needed: start-up must stop before any client is built.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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
