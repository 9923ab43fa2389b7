// The extension in a real VS Code (code-server) opened on a folder an attacker controls: its
// .vscode/settings.json points nodemend at a kubeconfig whose exec plugin would run a command, at
// another context and namespace, and at a hub URL that records what it receives. The person's own
// (user) settings point at the real cluster and the real hub. The workspace is trusted
// (code-server runs with --disable-workspace-trust), the worst case: only the settings' machine
// scope and the extension's own reads keep the folder from steering it.

import * as k8s from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import type { HubHandle } from '../../backend/hub/main.ts';
import { startCluster, type TestCluster } from '../../tools/harness/index.ts';
import { ensureDaemonSet, SimAgent } from '../integration/hub-support.ts';
import { startCodeServer, type CodeServer } from './support/code-server.ts';
import { startHub } from './support/hub.ts';
import { packageVsix } from './support/package.ts';
import { afterShot, eventually, shot } from './support/shots.ts';
import { applyPeopleRoles, OPERATOR, VIEWER, writeKubeconfig } from './support/users.ts';
import { Workbench } from './support/workbench.ts';

const NS = 'nodemend';

let c: TestCluster;
let hub: HubHandle;
let cs: CodeServer;
let wb: Workbench;
let dir: string;
let marker: string;
let evilKubeconfig: string;
let recorder: Recorder;
let hubUrl: string;

/** A 127.0.0.1 listener that records every request and WebSocket upgrade it gets, then hangs up. */
interface Recorder {
  port: number;
  seen: { url: string; headers: IncomingHttpHeaders }[];
  server: Server;
}

async function startRecorder(): Promise<Recorder> {
  const seen: Recorder['seen'] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    res.writeHead(404).end();
  });
  server.on('upgrade', (req, socket) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('recorder has no port');
  return { port: addr.port, seen, server };
}

/** A kubeconfig whose only user is an exec plugin that leaves a marker file when it runs. */
function writeEvilKubeconfig(path: string, markerPath: string): void {
  const cred = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: 'exec-plugin-token' } });
  const cfg = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'evil', cluster: { server: 'https://127.0.0.1:9', 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'evil', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: '/bin/sh', args: ['-c', `touch '${markerPath}'; printf '%s' '${cred}'`], interactiveMode: 'Never' } } }],
    // Named like a context of the person's kubeconfig: a status bar that says "viewer" was steered.
    contexts: [{ name: 'viewer', context: { cluster: 'evil', user: 'evil' } }],
    'current-context': 'viewer',
  };
  writeFileSync(path, k8s.dumpYaml(cfg));
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nodemend-e2e-trust-'));
  const vsix = packageVsix();
  c = await startCluster();
  await c.addNodes(3, { prefix: 't' });
  // The person's kubeconfig: current context operator; a "viewer" context too.
  const kubeconfig = await writeKubeconfig(c.kc, dir, [OPERATOR, VIEWER]);
  await applyPeopleRoles(c.kc);
  await ensureDaemonSet(c.kc.makeApiClient(k8s.AppsV1Api), NS, 'nodemend-agent');
  const sim = new SimAgent(c.kc, NS);
  for (const n of ['t-0', 't-1', 't-2']) await sim.state(n, 'healthy');
  hub = await startHub(c.kubeconfigPath, NS);
  hubUrl = `ws://127.0.0.1:${hub.port}/stream`;
  recorder = await startRecorder();
  marker = join(dir, 'exec-plugin-ran');
  evilKubeconfig = join(dir, 'evil-kubeconfig.yaml');
  writeEvilKubeconfig(evilKubeconfig, marker);
  const workspaceSettings = {
    // Proof that VS Code reads this file: a window-scoped setting it does apply.
    'window.title': 'TRUST-TEST ${rootName}',
    'nodemend.kubeconfig': evilKubeconfig,
    'nodemend.context': 'viewer',
    'nodemend.namespace': 'attacker',
    'nodemend.hub.mode': 'url',
    'nodemend.hub.url': `ws://127.0.0.1:${recorder.port}/stream`,
    'nodemend.readOnly': false,
  };
  cs = await startCodeServer({
    vsix: await vsix,
    settings: { 'nodemend.kubeconfig': kubeconfig, 'nodemend.hub.mode': 'url', 'nodemend.hub.url': hubUrl },
    folderFiles: { '.vscode/settings.json': JSON.stringify(workspaceSettings, null, 2) },
  });
  wb = await Workbench.open(cs.url);
});

afterEach(async (t) => {
  await wb?.screenshot(afterShot('trust', t.name)).catch(() => {});
});

after(async () => {
  if (process.env.NODEMEND_E2E_DEBUG && cs) console.log(cs.extensionLog());
  await wb?.close();
  await cs?.stop();
  await hub?.stop();
  await new Promise((r) => recorder?.server.close(r));
  await c?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const approvalDialog = () => wb.dialog().filter({ hasText: 'Send your Kubernetes credentials to' });

test('a direct hub URL is asked about before any credential is sent; no means no connection, yes is remembered until forgotten', async () => {
  // The question comes at the first connect (the view shown), before anything else can be clicked
  // (the modal covers the window).
  await wb.openView('nodemend');
  await approvalDialog().waitFor({ timeout: 60_000 });
  const text = (await approvalDialog().textContent()) ?? '';
  assert.ok(text.includes(hubUrl), `the dialog names the URL ${hubUrl}: ${text}`);
  assert.match(text, /context "operator"/);
  await wb.screenshot(shot('trust-approve-hub.png'));
  await wb.dialogButton('Cancel');
  await wb.openView('nodemend');
  await eventually('the status bar says the hub is not approved', async () => (await wb.status()) === 'nodemend, context operator, hub not approved');
  await wb.sidebar().locator('.welcome-view-content').filter({ hasText: 'did not send your credentials' }).waitFor({ timeout: 10_000 });
  assert.doesNotMatch(cs.extensionLog(), /connecting to the hub at/, 'nothing was sent before the approval');
  // Asked again on Connect; approved, the view comes alive.
  await wb.runCommand('nodemend: Connect / Reconnect');
  await approvalDialog().waitFor({ timeout: 10_000 });
  await wb.dialogButton('Connect');
  await eventually('connected as operator', async () => /^nodemend, context operator, 3 healthy$/.test(await wb.status()), 30_000);
  // Remembered: reconnecting does not ask again.
  await wb.runCommand('nodemend: Connect / Reconnect');
  await eventually('connected again', async () => /^nodemend, context operator, 3 healthy$/.test(await wb.status()), 30_000);
  assert.equal(await approvalDialog().count(), 0, 'no second question for an approved URL');
  // Taken back, it is asked about again at once (the hub in use included).
  await wb.runCommand('nodemend: Forget Approved Hub URLs');
  await approvalDialog().waitFor({ timeout: 10_000 });
  await wb.dialogButton('Connect');
  await wb.notification(/Forgot 1 approved hub URL/);
  await eventually('connected after the new approval', async () => /^nodemend, context operator, 3 healthy$/.test(await wb.status()), 30_000);
});

test("the folder's .vscode/settings.json steers nothing: no exec plugin runs, no token leaves, the person's context and namespace are used", async () => {
  // VS Code did read the folder's settings (it applies the window title from there).
  await eventually('the window title comes from the workspace settings', async () => (await wb.page.title()).includes('TRUST-TEST'));
  await eventually('the status bar names the user-level context', async () => /^nodemend, context operator, /.test(await wb.status()), 60_000);
  await eventually('the log says which kubeconfig, context and namespace are used', async () =>
    /kubeconfig from setting nodemend\.kubeconfig, context "operator" .*namespace "nodemend"/.test(cs.extensionLog()),
  );
  const log = cs.extensionLog();
  assert.ok(!log.includes(evilKubeconfig), 'the workspace kubeconfig is never read');
  assert.doesNotMatch(log, /attacker/);
  // Give a steered extension every chance to have acted before looking at the traces.
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(existsSync(marker), false, 'the exec plugin of the workspace kubeconfig never ran');
  assert.deepEqual(recorder.seen, [], 'the workspace hub URL never got a request');
});

test('a ws:// hub URL off this machine is refused with a message naming the setting and the fix; nothing is sent to it', async () => {
  // 0.0.0.0 is not a loopback address, but on Linux a connection to it reaches 127.0.0.1: a
  // steered extension would hand the recorder the person's token.
  cs.updateSettings({ 'nodemend.hub.url': `ws://0.0.0.0:${recorder.port}/stream` });
  // A new window reads the changed user settings at start (no wait on a file watcher).
  await wb.page.reload();
  await wb.page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
  // The settings are read when nodemend connects: the view shown (restored open, or opened here).
  await wb.openView('nodemend');
  const msg = await wb.notification(/nodemend\.hub\.url: ws:\/\/0\.0\.0\.0/, 30_000);
  assert.match(msg, /is not encrypted/);
  assert.match(msg, new RegExp(`Use wss://0\\.0\\.0\\.0:${recorder.port}/stream`));
  await wb.screenshot(shot('trust-ws-refused.png'));
  await new Promise((r) => setTimeout(r, 3000));
  assert.deepEqual(recorder.seen.map((s) => ({ url: s.url, authorization: s.headers.authorization, protocol: s.headers['sec-websocket-protocol'] })), []);
});
