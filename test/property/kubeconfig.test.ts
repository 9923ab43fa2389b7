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

// kubectl merges the files of $KUBECONFIG and the first file that names a cluster, user or
// context wins; two files that share a name (say both have "default") are common. KNOWN BUG
// (reported): client-node's mergeConfig throws "Duplicate cluster", and the extension refuses
// the whole kubeconfig instead of letting the first file win.
test('loadKubeconfig: files in $KUBECONFIG sharing names load, the first file winning', { todo: 'bug in extension/kube/kubeconfig.ts: mergeConfig throws on duplicate names' }, (t) => {
  check(t, fc.property(fc.constantFrom('a', 'default'), fc.constantFrom('https://127.0.0.1:1', 'https://127.0.0.1:2'), (shared, second) => {
    const mk = (server: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: shared, cluster: { server } }], users: [{ name: shared, user: { token: 't' } }], contexts: [{ name: shared, context: { cluster: shared, user: shared } }], 'current-context': shared });
    const p1 = join(dir, `dup-${seq++}`);
    const p2 = join(dir, `dup-${seq++}`);
    writeFileSync(p1, mk('https://127.0.0.1:9'));
    writeFileSync(p2, mk(second));
    process.env.KUBECONFIG = `${p1}:${p2}`;
    const r = loadKubeconfig(undefined, undefined);
    assert.ok(r.ok, r.ok ? '' : r.error);
    assert.equal(r.server, 'https://127.0.0.1:9');
  }), 20);
});
