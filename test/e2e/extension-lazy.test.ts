// Lazy start-up in a real VS Code (code-server): a window that never shows nodemend never reads the
// kubeconfig's credentials nor talks to the cluster. The kubeconfig's only user is an exec
// credential plugin that appends a line to a marker file each time it runs, and its server is a
// 127.0.0.1 relay in front of the real API server that counts the connections it is asked for.
// Showing the Nodes view connects (plugin ran, requests made, nodes in the tree); with
// nodemend.connectAtStartup on, a window connects without the view.

import * as k8s from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
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
import { applyPeopleRoles, OPERATOR, writeKubeconfig } from './support/users.ts';
import { Workbench } from './support/workbench.ts';

const NS = 'nodemend';
/** How long a window is left alone after the extension logged its activation. */
const QUIET_MS = 8000;

let c: TestCluster;
let hub: HubHandle;
let hubUrl: string;
let dir: string;
let vsix: string;
let relay: Relay;
let cs: CodeServer | undefined;
let wb: Workbench | undefined;

/** A TCP relay on 127.0.0.1 to the API server (TLS passes through): counts connections. */
interface Relay {
  port: number;
  connections: number;
  server: Server;
}

async function startRelay(target: URL): Promise<Relay> {
  const r: Relay = { port: 0, connections: 0, server: createServer() };
  r.server.on('connection', (down) => {
    r.connections++;
    const up = connect(Number(target.port), target.hostname);
    down.pipe(up).pipe(down);
    up.on('error', () => down.destroy());
    down.on('error', () => up.destroy());
  });
  await new Promise<void>((res) => r.server.listen(0, '127.0.0.1', res));
  const addr = r.server.address();
  if (!addr || typeof addr === 'string') throw new Error('relay has no port');
  r.port = addr.port;
  return r;
}

/** Lines the exec plugin appended: one per run. */
function pluginRuns(marker: string): number {
  return existsSync(marker) ? readFileSync(marker, 'utf8').split('\n').filter(Boolean).length : 0;
}

/**
 * A kubeconfig (context "lazy") whose server is the relay and whose user is an exec plugin that
 * appends to `marker` and hands out the operator's token.
 */
function writeLazyKubeconfig(path: string, marker: string, token: string, ca: Record<string, string>): void {
  const cred = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token } });
  const cfg = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'relayed', cluster: { server: `https://127.0.0.1:${relay.port}`, ...ca } }],
    users: [{ name: 'plugin', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: '/bin/sh', args: ['-c', `echo ran >> '${marker}'; printf '%s' '${cred}'`], interactiveMode: 'Never' } } }],
    contexts: [{ name: 'lazy', context: { cluster: 'relayed', user: 'plugin' } }],
    'current-context': 'lazy',
  };
  writeFileSync(path, k8s.dumpYaml(cfg), { mode: 0o600 });
}

/** A fresh code-server with its own marker file; user settings as given. */
async function openWindow(name: string, extra: Record<string, unknown>): Promise<{ marker: string }> {
  const people = await writeKubeconfig(c.kc, join(dir), [OPERATOR]);
  const parsed = k8s.loadYaml<{ users: { user: { token: string } }[]; clusters: { cluster: Record<string, string> }[] }>(readFileSync(people, 'utf8'));
  const { server: _server, ...ca } = parsed.clusters[0].cluster;
  const marker = join(dir, `${name}-plugin-ran`);
  const kubeconfig = join(dir, `${name}-kubeconfig.yaml`);
  writeLazyKubeconfig(kubeconfig, marker, parsed.users[0].user.token, ca);
  relay.connections = 0;
  cs = await startCodeServer({ vsix, settings: { 'nodemend.kubeconfig': kubeconfig, 'nodemend.hub.mode': 'url', 'nodemend.hub.url': hubUrl, ...extra } });
  wb = await Workbench.open(cs.url);
  return { marker };
}

async function closeWindow(): Promise<void> {
  if (process.env.NODEMEND_E2E_DEBUG && cs) console.log(cs.extensionLog());
  await wb?.close();
  await cs?.stop();
  wb = undefined;
  cs = undefined;
}

/** The extension host is up and ours has activated: it logs this line at the end of activate(). */
async function activated(): Promise<string> {
  let line = '';
  await eventually('the extension logged its activation', async () => {
    line = /activated in .*/.exec(cs?.extensionLog() ?? '')?.[0] ?? '';
    return line !== '';
  }, 90_000);
  return line;
}

/** Answers the question before the token goes to the hub URL (url mode), without touching the view. */
async function approve(): Promise<void> {
  const d = wb!.dialog().filter({ hasText: `Send your Kubernetes credentials to ${hubUrl}?` });
  await d.waitFor({ timeout: 30_000 });
  await d.locator('.monaco-button', { hasText: 'Connect' }).first().click();
}

const notConnectedItem = () => wb!.page.locator('.statusbar-item[aria-label="nodemend, not connected"]');

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nodemend-e2e-lazy-'));
  const built = packageVsix();
  c = await startCluster();
  await c.addNodes(3, { prefix: 'z' });
  await c.ensureNamespace(NS);
  await applyPeopleRoles(c.kc);
  await ensureDaemonSet(c.kc.makeApiClient(k8s.AppsV1Api), NS, 'nodemend-agent');
  const sim = new SimAgent(c.kc, NS);
  for (const n of ['z-0', 'z-1', 'z-2']) await sim.state(n, 'healthy');
  hub = await startHub(c.kubeconfigPath, NS);
  hubUrl = `ws://127.0.0.1:${hub.port}/stream`;
  const server = c.kc.getCurrentCluster()?.server;
  if (!server) throw new Error('the test cluster has no server');
  relay = await startRelay(new URL(server));
  vsix = await built;
});

afterEach(async (t) => {
  await wb?.screenshot(afterShot('lazy', t.name)).catch(() => {});
  await closeWindow();
});

after(async () => {
  await closeWindow();
  await hub?.stop();
  if (relay) await new Promise((r) => relay.server.close(r));
  await c?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a window that does not show nodemend runs no credential plugin and makes no request; showing the view connects', async () => {
  const { marker } = await openWindow('lazy', {});
  const line = await activated();
  assert.match(line, /not connected until the nodemend view is shown/);
  // The status bar says so honestly, without a context (naming one means reading the kubeconfig).
  await notConnectedItem().waitFor({ timeout: 10_000 });
  await new Promise((r) => setTimeout(r, QUIET_MS));
  assert.equal(pluginRuns(marker), 0, 'the exec credential plugin never ran');
  assert.equal(relay.connections, 0, 'no connection was made to the API server');
  assert.doesNotMatch(cs!.extensionLog(), /kubeconfig from/, 'the kubeconfig was not loaded');
  await wb!.screenshot(shot('lazy-not-connected.png'));

  // Showing the view is asking for the cluster.
  await wb!.openView('nodemend');
  await eventually('the exec plugin ran', async () => pluginRuns(marker) > 0, 30_000);
  await eventually('requests reached the API server', async () => relay.connections > 0, 30_000);
  await approve();
  await eventually('connected', async () => /^nodemend, context lazy, 3 healthy$/.test(await wb!.status()), 60_000);
  await wb!.expand('Healthy,');
  for (const n of ['z-0', 'z-1', 'z-2']) await wb!.waitRow(`${n},`, new RegExp(`^${n}, healthy`), 30_000);
  assert.equal(await notConnectedItem().count(), 0, 'the "not connected" item is gone');
});

test('clicking the "not connected" status bar item connects', async () => {
  const { marker } = await openWindow('click', {});
  await activated();
  await notConnectedItem().click({ timeout: 10_000 });
  await eventually('the exec plugin ran', async () => pluginRuns(marker) > 0, 30_000);
  await eventually('requests reached the API server', async () => relay.connections > 0, 30_000);
  await approve();
  await eventually('connected', async () => /^nodemend, context lazy, 3 healthy$/.test(await wb!.status()), 60_000);
});

test('with nodemend.connectAtStartup a window connects without the view being shown', async () => {
  const { marker } = await openWindow('eager', { 'nodemend.connectAtStartup': true });
  assert.match(await activated(), /connecting \(nodemend\.connectAtStartup\)/);
  await eventually('the exec plugin ran', async () => pluginRuns(marker) > 0, 30_000);
  await eventually('requests reached the API server', async () => relay.connections > 0, 30_000);
  // url mode asks before the token goes to the hub; answered in the dialog, the view still closed.
  await approve();
  await eventually('connected, from the status bar alone', async () => /^nodemend, context lazy, 3 healthy$/.test(await wb!.status()), 60_000);
  const entry = wb!.page.locator('.activitybar .action-item .action-label[aria-label^="nodemend"]').locator('xpath=..');
  assert.notEqual(await entry.getAttribute('aria-pressed'), 'true', 'the nodemend view was never opened');
  await wb!.screenshot(shot('lazy-connect-at-startup.png'));
});
