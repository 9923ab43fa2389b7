import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHubUrl, proxyStreamUrl, readConnectAtStartup, readSettings, userLevel, type Inspected, type Settings } from './settings.ts';

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

// Unencrypted hub URLs: only for a hub on this machine, since the bearer token travels with them.
const urlPolicy: [string, string | RegExp][] = [
  ['ws://127.0.0.1:8080/stream', 'ws://127.0.0.1:8080/stream'],
  ['http://127.0.0.1:8080', 'ws://127.0.0.1:8080/stream'],
  ['ws://127.5.6.7/stream', 'ws://127.5.6.7/stream'],
  ['ws://127.1:9/stream', 'ws://127.0.0.1:9/stream'],
  ['ws://localhost:8080/stream', 'ws://localhost:8080/stream'],
  ['ws://LOCALHOST./stream', 'ws://localhost./stream'],
  ['ws://[::1]:8080/stream', 'ws://[::1]:8080/stream'],
  ['wss://hub.example/stream', 'wss://hub.example/stream'],
  ['https://10.0.0.5:8443', 'wss://10.0.0.5:8443/stream'],
  ['ws://hub.example/stream', /nodemend\.hub\.url: ws:\/\/hub\.example\/stream is not encrypted.*Use wss:\/\/hub\.example\/stream \(or https:\/\/\)/],
  ['http://10.0.0.5:8080', /nodemend\.hub\.url: http:\/\/10\.0\.0\.5:8080 is not encrypted.*127\.0\.0\.0\/8, ::1, localhost.*Use wss:\/\/10\.0\.0\.5:8080 /],
  ['ws://0.0.0.0:8080/stream', /is not encrypted/],
  ['ws://128.0.0.1/stream', /is not encrypted/],
  ['ws://localhost.evil.example/stream', /is not encrypted/],
  ['ws://127.0.0.1.nip.io/stream', /is not encrypted/],
  ['ws://[::ffff:10.0.0.1]/stream', /is not encrypted/],
  ['wss://user:pw@hub.example/stream', /remove the user name and password/],
];
for (const [raw, want] of urlPolicy) {
  test(`hub URL policy: ${raw}`, () => {
    const r = parseHubUrl(raw);
    if (typeof want === 'string') assert.deepEqual(r, { ok: true, url: want });
    else assert.ok(!r.ok && want.test(r.error), JSON.stringify(r));
  });
}

test('a refused hub URL leaves url mode: the token goes nowhere, and both errors name the settings', () => {
  const r = readSettings((k) => ({ 'hub.mode': 'url', 'hub.url': 'ws://hub.example/stream' })[k]);
  assert.equal(r.settings.hubMode, 'proxy');
  assert.equal(r.settings.hubUrl, undefined);
  assert.match(r.errors[0], /^nodemend\.hub\.url: .*wss:\/\//);
  assert.match(r.errors[1], /^nodemend\.hub\.mode is "url"/);
});

test('userLevel reads the user (or remote) value and the default, never a workspace or folder value', () => {
  const inspected: Record<string, Inspected> = {
    kubeconfig: { defaultValue: '', workspaceValue: '/repo/evil-kubeconfig', workspaceFolderValue: '/repo/evil2' },
    context: { defaultValue: '', globalValue: 'prod', workspaceValue: 'attacker' },
    namespace: { defaultValue: 'nodemend', workspaceFolderValue: 'attacker' },
    'hub.mode': { defaultValue: 'proxy', workspaceValue: 'url' },
    'hub.url': { defaultValue: '', workspaceValue: 'ws://127.0.0.1:1/stream' },
    readOnly: { defaultValue: false, globalValue: true, workspaceValue: false },
  };
  const r = readSettings(userLevel((k) => inspected[k]));
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.settings, { namespace: 'nodemend', hubMode: 'proxy', context: 'prod', readOnly: true });
  // A setting VS Code does not know (extension not contributing it yet) reads as unset.
  assert.equal(userLevel(() => undefined)('kubeconfig'), undefined);
});

test('connectAtStartup: off unless set to true at user level; a wrong type is named and falls back to off', () => {
  assert.deepEqual(readConnectAtStartup(() => undefined), { on: false });
  assert.deepEqual(readConnectAtStartup((k) => (k === 'connectAtStartup' ? true : undefined)), { on: true });
  assert.deepEqual(readConnectAtStartup((k) => (k === 'connectAtStartup' ? false : undefined)), { on: false });
  const bad = readConnectAtStartup((k) => (k === 'connectAtStartup' ? 'yes' : undefined));
  assert.equal(bad.on, false);
  assert.match(bad.error ?? '', /nodemend\.connectAtStartup: expected true or false/);
  // A workspace value is never seen: userLevel reads the user's (global) value only.
  const get = userLevel(() => ({ defaultValue: false, workspaceValue: true }));
  assert.deepEqual(readConnectAtStartup(get), { on: false });
});
