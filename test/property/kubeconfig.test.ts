// Property tests of how the extension finds and loads a kubeconfig (extension/kube/kubeconfig.ts):
// odd files (garbage, empty, missing parts, dangling references, several files in $KUBECONFIG,
// unknown contexts) give a usable context with a server, or one clear sentence; never a throw.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { kubeconfigSource, loadKubeconfig } from '../../extension/kube/kubeconfig.ts';
import { check, nasty } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'nodemend-kc-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const savedEnv = process.env.KUBECONFIG;
after(() => {
  if (savedEnv === undefined) delete process.env.KUBECONFIG;
  else process.env.KUBECONFIG = savedEnv;
});

// Mostly a few shared names, so references resolve often enough to reach the deeper checks.
const name = fc.oneof({ arbitrary: fc.constantFrom('a', 'b'), weight: 6 }, { arbitrary: fc.constantFrom('prod', 'dev@x', 'ünï', ''), weight: 1 }, { arbitrary: fc.string({ maxLength: 12 }), weight: 1 });
const kubeconfig = fc.record({
  clusters: fc.array(fc.record({ name, server: fc.oneof({ arbitrary: fc.constantFrom('https://127.0.0.1:6443', 'http://[::1]:1'), weight: 4 }, fc.constantFrom('', 'not a url'), fc.string()) }, { noNullPrototype: true }), { maxLength: 3 }),
  users: fc.array(fc.record({ name, token: fc.string() }, { noNullPrototype: true }), { maxLength: 3 }),
  contexts: fc.array(fc.record({ name, cluster: name, user: name }, { noNullPrototype: true }), { maxLength: 3 }),
  current: fc.option(name, { nil: undefined }),
}, { noNullPrototype: true }).map((k) => JSON.stringify({
  apiVersion: 'v1', kind: 'Config',
  clusters: k.clusters.map((c) => ({ name: c.name, cluster: { server: c.server } })),
  users: k.users.map((u) => ({ name: u.name, user: { token: u.token } })),
  contexts: k.contexts.map((c) => ({ name: c.name, context: { cluster: c.cluster, user: c.user } })),
  ...(k.current === undefined ? {} : { 'current-context': k.current }),
}));
const file = fc.oneof({ arbitrary: kubeconfig, weight: 5 }, nasty.map((s) => s.slice(0, 2000)), fc.constantFrom('', '---\n', 'apiVersion: v1\nkind: Config\n', 'clusters: [', '\t\tx: y'));

let seq = 0;
const seen = { ok: 0, error: 0 };
test('loadKubeconfig: never throws; ok means a context with a server, otherwise one clear message', (t) => {
  check(t, fc.property(fc.array(fc.option(file, { nil: null }), { minLength: 1, maxLength: 3 }), fc.option(name, { nil: undefined, freq: 2 }), (files, ctx) => {
    const paths = files.map((content) => {
      const p = join(dir, `kc-${seq++}`);
      if (content !== null) writeFileSync(p, content);
      return p; // null: a path in $KUBECONFIG that does not exist
    });
    process.env.KUBECONFIG = paths.join(':');
    const r = loadKubeconfig(undefined, ctx || undefined);
    seen[r.ok ? "ok" : "error"]++;
    if (r.ok) {
      assert.ok(r.server.length > 0 && r.context.length > 0);
      if (ctx) assert.equal(r.context, ctx);
    } else {
      assert.match(r.error, /kubeconfig|context/i, r.error);
      assert.ok(!r.error.includes('\n'), 'one line');
      assert.ok(r.error.length < 1500, `bounded: ${r.error.length}`);
    }
  }), 400);
  // Not vacuous: both outcomes occur.
  t.diagnostic(`outcomes: ${JSON.stringify(seen)}`);
  assert.ok(seen.ok > 10 && seen.error > 10, JSON.stringify(seen));
});

test('kubeconfigSource: the setting wins, then $KUBECONFIG (split, blanks dropped), then ~/.kube/config', (t) => {
  check(t, fc.property(fc.option(fc.string(), { nil: undefined }), fc.option(fc.array(fc.string().filter((s) => !s.includes(':')), { maxLength: 4 }).map((a) => a.join(':')), { nil: undefined }), (setting, env) => {
    const s = kubeconfigSource(setting, env, '/home/u', ':');
    if (setting) assert.equal(s.from, 'setting nodemend.kubeconfig');
    else if ((env ?? '').split(':').some((p) => p.trim())) {
      assert.equal(s.from, '$KUBECONFIG');
      assert.ok(s.paths.every((p) => p.trim() === p && p.length > 0));
    } else assert.deepEqual(s, { paths: ['/home/u/.kube/config'], from: '~/.kube/config' });
  }), 1000);
});

// kubectl merges the files of $KUBECONFIG: the first file that names a cluster, user or context
// wins, and the first non-empty current-context wins. Two files sharing a name (say both have
// "default") are common; they were refused as a whole (client-node's mergeConfig throws
// "Duplicate cluster") until mergeFirstWins. The model below is kubectl's rule, written apart.
const shared = fc.constantFrom('a', 'b', 'default');
const validFile = fc.record({
  clusters: fc.uniqueArray(fc.record({ name: shared, port: fc.integer({ min: 1, max: 65535 }) }, { noNullPrototype: true }), { selector: (c) => c.name, maxLength: 3 }),
  users: fc.uniqueArray(fc.record({ name: shared, token: fc.string({ minLength: 1, maxLength: 8 }) }, { noNullPrototype: true }), { selector: (u) => u.name, maxLength: 3 }),
  contexts: fc.uniqueArray(fc.record({ name: shared, cluster: shared, user: shared }, { noNullPrototype: true }), { selector: (c) => c.name, maxLength: 3 }),
  current: fc.option(fc.constantFrom('a', 'b', 'default', ''), { nil: undefined }),
}, { noNullPrototype: true });
type ValidFile = typeof validFile extends fc.Arbitrary<infer T> ? T : never;
const render = (k: ValidFile) => JSON.stringify({
  apiVersion: 'v1', kind: 'Config',
  clusters: k.clusters.map((c) => ({ name: c.name, cluster: { server: `https://127.0.0.1:${c.port}` } })),
  users: k.users.map((u) => ({ name: u.name, user: { token: u.token } })),
  contexts: k.contexts.map((c) => ({ name: c.name, context: { cluster: c.cluster, user: c.user } })),
  ...(k.current === undefined ? {} : { 'current-context': k.current }),
});
const firstWins = <T extends { name: string }>(lists: T[][], name: string) => lists.flat().find((x) => x.name === name);

const merged = { ok: 0, error: 0, shadowed: 0 };
test('loadKubeconfig: files in $KUBECONFIG sharing names load, the first file winning (kubectl)', (t) => {
  check(t, fc.property(fc.array(validFile, { minLength: 2, maxLength: 3 }), fc.option(shared, { nil: undefined, freq: 3 }), (files, ctx) => {
    const paths = files.map((k) => {
      const p = join(dir, `merge-${seq++}`);
      writeFileSync(p, render(k));
      return p;
    });
    process.env.KUBECONFIG = paths.join(':');
    const r = loadKubeconfig(undefined, ctx);
    const current = ctx ?? files.map((f) => f.current).find((c) => !!c);
    const context = current === undefined ? undefined : firstWins(files.map((f) => f.contexts), current);
    const cluster = context && firstWins(files.map((f) => f.clusters), context.cluster);
    if (files.flatMap((f) => f.clusters.map((c) => c.name)).some((n, i, all) => all.indexOf(n) !== i)) merged.shadowed++;
    merged[r.ok ? 'ok' : 'error']++;
    if (!cluster) {
      assert.ok(!r.ok, `no usable context expected, got ${r.ok ? r.context : ''}`);
      assert.doesNotMatch(r.error, /Duplicate|Cannot read/, 'never refused for a shared name');
      return;
    }
    assert.ok(r.ok, r.ok ? '' : r.error);
    assert.equal(r.context, current);
    assert.equal(r.server, `https://127.0.0.1:${cluster.port}`, 'the first file that names the cluster wins');
  }), 600);
  t.diagnostic(`outcomes: ${JSON.stringify(merged)}`);
  assert.ok(merged.ok > 50 && merged.shadowed > 50, JSON.stringify(merged));
});
