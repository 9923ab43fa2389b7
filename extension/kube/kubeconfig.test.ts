import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { kubeconfigSource, loadKubeconfig } from './kubeconfig.ts';

const sources: { name: string; setting?: string; env?: string; want: ReturnType<typeof kubeconfigSource> }[] = [
  { name: 'setting wins', setting: '~/k.yaml', env: '/a:/b', want: { paths: ['/home/u/k.yaml'], from: 'setting nodemend.kubeconfig' } },
  { name: '$KUBECONFIG list', env: '/a::/b ', want: { paths: ['/a', '/b'], from: '$KUBECONFIG' } },
  { name: 'default', env: '', want: { paths: ['/home/u/.kube/config'], from: '~/.kube/config' } },
];
for (const c of sources) test(`kubeconfigSource: ${c.name}`, () => assert.deepEqual(kubeconfigSource(c.setting, c.env, '/home/u', ':'), c.want));

const cfg = (ctx: string[], current: string) => `apiVersion: v1
kind: Config
clusters:
${ctx.map((c) => `- name: ${c}\n  cluster: {server: "https://127.0.0.1:${6440 + ctx.indexOf(c)}"}`).join('\n')}
users:
- name: u
  user: {token: t}
contexts:
${ctx.map((c) => `- name: ${c}\n  context: {cluster: ${c}, user: u}`).join('\n')}
current-context: ${current}
`;

test('loadKubeconfig: current context, a chosen context, and clear errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nm-kc-'));
  const f = join(dir, 'config');
  writeFileSync(f, cfg(['one', 'two'], 'one'));
  const a = loadKubeconfig(f, undefined);
  assert.ok(a.ok && a.context === 'one' && a.server === 'https://127.0.0.1:6440');
  const b = loadKubeconfig(f, 'two');
  assert.ok(b.ok && b.context === 'two' && b.server === 'https://127.0.0.1:6441');
  const c = loadKubeconfig(f, 'three');
  assert.ok(!c.ok && /nodemend.context: context "three" is not in/.test(c.error));
  const d = loadKubeconfig(join(dir, 'missing'), undefined);
  assert.ok(!d.ok && /No kubeconfig found \(setting nodemend.kubeconfig/.test(d.error));
  writeFileSync(f, 'foo: [1,2');
  const e = loadKubeconfig(f, undefined);
  assert.ok(!e.ok && /Cannot read kubeconfig/.test(e.error));
});

test('loadKubeconfig: $KUBECONFIG files sharing names merge like kubectl, the first file winning', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nm-kc-'));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  writeFileSync(a, cfg(['default'], ''));
  writeFileSync(b, cfg(['default', 'other'], 'other').replace(/6440/g, '7440').replace(/6441/g, '7441'));
  const saved = process.env.KUBECONFIG;
  process.env.KUBECONFIG = `${a}:${b}`;
  try {
    // a sets no current-context: b's is used; "default" comes from a, "other" only exists in b.
    const r = loadKubeconfig(undefined, undefined);
    assert.ok(r.ok && r.context === 'other' && r.server === 'https://127.0.0.1:7441', JSON.stringify(r));
    const d = loadKubeconfig(undefined, 'default');
    assert.ok(d.ok && d.server === 'https://127.0.0.1:6440', JSON.stringify(d));
  } finally {
    if (saved === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved;
  }
});
