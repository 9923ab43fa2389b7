import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHubUrl, proxyStreamUrl, readSettings, type Settings } from './settings.ts';

const cases: { name: string; raw: Record<string, unknown>; want: Partial<Settings>; errors?: RegExp[] }[] = [
  { name: 'defaults', raw: {}, want: { namespace: 'nodemend', hubMode: 'proxy', readOnly: false } },
  { name: 'all set', raw: { namespace: 'ops', 'hub.mode': 'url', 'hub.url': 'http://127.0.0.1:8080', kubeconfig: '/k', context: 'dev', readOnly: true }, want: { namespace: 'ops', hubMode: 'url', hubUrl: 'ws://127.0.0.1:8080/stream', kubeconfig: '/k', context: 'dev', readOnly: true } },
  { name: 'bad namespace falls back', raw: { namespace: 'Bad_NS' }, want: { namespace: 'nodemend' }, errors: [/nodemend.namespace: "Bad_NS" is not a namespace name/] },
  { name: 'bad mode falls back', raw: { 'hub.mode': 'magic' }, want: { hubMode: 'proxy' }, errors: [/nodemend.hub.mode: expected one of proxy, port-forward, url/] },
  { name: 'url mode without url falls back to proxy', raw: { 'hub.mode': 'url' }, want: { hubMode: 'proxy' }, errors: [/nodemend.hub.url is not set/] },
  { name: 'bad url', raw: { 'hub.mode': 'url', 'hub.url': 'ftp://x' }, want: { hubMode: 'proxy' }, errors: [/scheme ftp: not supported/, /not set to a valid URL/] },
  { name: 'wrong types', raw: { namespace: 3, readOnly: 'yes' }, want: { namespace: 'nodemend', readOnly: false }, errors: [/nodemend.namespace: expected a string/, /nodemend.readOnly: expected true or false/] },
  { name: 'blank strings are unset', raw: { kubeconfig: '  ', context: '' }, want: { kubeconfig: undefined, context: undefined } },
];
for (const c of cases) {
  test(`settings: ${c.name}`, () => {
    const r = readSettings((k) => c.raw[k]);
    for (const [k, v] of Object.entries(c.want)) assert.deepEqual(r.settings[k as keyof Settings], v, k);
    assert.equal(r.errors.length, c.errors?.length ?? 0, r.errors.join('; '));
    for (const [i, e] of (c.errors ?? []).entries()) assert.match(r.errors[i], e);
  });
}

const proxies: [string, string, string][] = [
  ['https://127.0.0.1:6443', 'nodemend', 'wss://127.0.0.1:6443/api/v1/namespaces/nodemend/services/http:nodemend-hub:http/proxy/stream'],
  ['https://rancher.example/k8s/clusters/c-1/', 'ops', 'wss://rancher.example/k8s/clusters/c-1/api/v1/namespaces/ops/services/http:nodemend-hub:http/proxy/stream'],
  ['http://localhost:8001', 'nodemend', 'ws://localhost:8001/api/v1/namespaces/nodemend/services/http:nodemend-hub:http/proxy/stream'],
];
for (const [server, ns, want] of proxies) test(`proxyStreamUrl ${server}`, () => assert.equal(proxyStreamUrl(server, ns), want));

test('parseHubUrl keeps a given path and converts https', () => {
  assert.deepEqual(parseHubUrl('https://hub.example/x/stream'), { ok: true, url: 'wss://hub.example/x/stream' });
  assert.equal(parseHubUrl('not a url').ok, false);
});
