// The extension in a real VS Code (code-server) driven like a person would drive it, against the
// real control plane and the real hub: the packaged .vsix installed, a token kubeconfig for RBAC-
// scoped ServiceAccounts, nodes whose agent state is written through the API server.
// Screenshots go to $NODEMEND_SCREENSHOTS (default: a temporary folder).

import * as k8s from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { A } from '../../protocol/annotations.ts';
import { startCluster, type TestCluster } from '../../tools/harness/index.ts';
import type { HubHandle } from '../../backend/hub/main.ts';
import { startHub } from './support/hub.ts';
import { SimAgent } from '../integration/hub-support.ts';
import { startCodeServer, type CodeServer } from './support/code-server.ts';
import { packageVsix } from './support/package.ts';
import { ADMIN, OPERATOR, VIEWER, writeKubeconfig } from './support/users.ts';
import { afterShot, eventually, shot } from './support/shots.ts';
import { Workbench } from './support/workbench.ts';

const NS = 'nodemend';

let c: TestCluster;
let hub: HubHandle;
let cs: CodeServer;
let wb: Workbench;
let sim: SimAgent;
let core: k8s.CoreV1Api;
let dir: string;

const annotations = async (node: string) => (await core.readNode({ name: node })).metadata?.annotations ?? {};
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nodemend-e2e-ext-'));
  const vsix = packageVsix();
  c = await startCluster();
  core = c.kc.makeApiClient(k8s.CoreV1Api);
  await c.addNodes(6, { prefix: 'n', zones: ['a', 'b'], pools: ['p1'] });
  const kubeconfig = await writeKubeconfig(c.kc, dir, [ADMIN, OPERATOR, VIEWER]);
  sim = new SimAgent(c.kc, NS);
  await sim.state('n-0', 'healthy');
  await sim.state('n-1', 'healthy');
  await sim.state('n-2', 'reboot-required');
  await sim.state('n-3', 'waiting-lock', { reason: 'lock held by n-9' });
  await sim.state('n-4', 'blocked', { reason: 'alert KubePodCrashLooping firing' });
  hub = await startHub(c.kubeconfigPath, NS);
  // The kubeconfig's current context (admin). KWOK runs no real hub pod, so the hub of this test
  // listens on 127.0.0.1 and VS Code reaches it in url mode, with each person's token.
  cs = await startCodeServer({ vsix: await vsix, settings: { 'nodemend.kubeconfig': kubeconfig, 'nodemend.hub.mode': 'url', 'nodemend.hub.url': `ws://127.0.0.1:${hub.port}/stream` } });
  wb = await Workbench.open(cs.url);
  await wb.approveHub(`ws://127.0.0.1:${hub.port}/stream`);
});

// The state of the screen after each test, for when one fails.
afterEach(async (t) => {
  await wb?.screenshot(afterShot('after', t.name)).catch(() => {});
});

after(async () => {
  if (process.env.NODEMEND_E2E_DEBUG && cs) console.log(cs.extensionLog());
  await wb?.close();
  await cs?.stop();
  await hub?.stop();
  await c?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('on a cluster without nodemend the view says so, and Deploy Backend installs it after naming the context', async () => {
  await wb.openView('nodemend');
  await wb.widenSidebar(520);
  const welcome = wb.sidebar().locator('.welcome-view-content');
  await welcome.filter({ hasText: 'nodemend is not installed in this cluster.' }).waitFor({ timeout: 60_000 });
  await eventually('the status bar says not installed', async () => (await wb.status()) === 'nodemend, context admin, not installed');
  await wb.screenshot(shot('not-installed.png'));
  await wb.sidebar().getByRole('button', { name: 'Deploy Backend' }).click();
  await wb.dialog().waitFor({ timeout: 10_000 });
  const text = (await wb.dialog().textContent()) ?? '';
  assert.match(text, /Deploy nodemend to context "admin"\?/);
  assert.ok(text.includes(c.server), `the dialog names the server ${c.server}: ${text}`);
  await wb.dialogButton('Deploy');
  await wb.notification(/nodemend deployed to "admin" \(\d+ objects\)/, 60_000);
  const apps = c.kc.makeApiClient(k8s.AppsV1Api);
  assert.ok((await apps.readNamespacedDaemonSet({ name: 'nodemend-agent', namespace: NS })).metadata?.managedFields?.some((f) => f.manager === 'nodemend-vscode'));
  assert.ok(await core.readNamespacedService({ name: 'nodemend-hub', namespace: NS }));
  // The hub sees the agent DaemonSet appear: the view comes alive by itself.
  await wb.waitRow('Waiting,', /^Waiting, 1 node$/, 30_000);
  await wb.clearNotifications();
  // Now work as the operator (documented viewer + requester roles), picked like a person does.
  await wb.runCommand('nodemend: Switch Context');
  await wb.pickOne('operator');
  await eventually('connected as operator', async () => /^nodemend, context operator, /.test(await wb.status()), 30_000);
});

test('the tree shows the nodes grouped by phase, with counts, states and the badge', async () => {
  await wb.waitRow('n-3,', /^n-3, waiting for lock · #1$/, 60_000);
  // Healthy starts collapsed (in a big cluster it is most of the rows): open it like a person.
  await wb.expand('Healthy,');
  await wb.waitRow('n-0,', /^n-0, healthy$/);
  await wb.waitRow('n-4,', /^n-4, blocked · alert KubePodCrashLooping firing$/);
  const labels = await wb.rowLabels();
  for (const g of ['Waiting, 1 node', 'Reboot required, 1 node', 'Blocked, 1 node', 'No agent report, 1 node']) assert.ok(labels.includes(g), `${g} in ${labels.join(' | ')}`);
  assert.ok(labels.includes('Healthy, 2 nodes'));
  // The badge, like the message line, travels apart from the rows: wait for it.
  const badge = wb.page.locator('.activitybar .action-item:has(.action-label[aria-label^="nodemend"]) .badge');
  await eventually('badge 3: reboot-required + waiting + blocked need a reboot', async () => (await badge.textContent())?.trim() === '3');
  await eventually('the status bar summary', async () => (await wb.status()) === 'nodemend, context operator, 1 waiting, 1 need reboot, 1 blocked');
  await wb.screenshot(shot('tree.png'));
  // The Markdown tooltip says why the node waits; the details list what matters.
  await wb.row('n-4,').hover();
  const hover = wb.page.locator('.monaco-hover, .workbench-hover').filter({ hasText: 'alert KubePodCrashLooping firing' }).first();
  await hover.waitFor({ timeout: 10_000 });
  assert.match((await hover.textContent()) ?? '', /n-4.*blocked/);
  await wb.screenshot(shot('tree-tooltip.png'));
  await wb.page.mouse.move(900, 600);
});

test('the tree updates live while a node goes through a reboot', async () => {
  const t0 = Date.now();
  await sim.state('n-2', 'draining', { drain: { total: 5, left: 2, blocked: [{ pod: 'default/db-0', pdb: 'db', reason: 'Cannot evict pod as it would violate the pod disruption budget' }], startedAt: new Date().toISOString() } });
  await wb.waitRow('n-2,', /^n-2, draining · 2\/5 pods left · 1 blocked by PDB$/);
  const drainMs = Date.now() - t0;
  await wb.waitRow('Draining,', /^Draining, 1 node$/);
  await sim.state('n-2', 'rebooting', { lock: 'nodemend-lock-0' });
  await wb.waitRow('n-2,', /^n-2, rebooting$/);
  // Spinning icon while rebooting.
  assert.equal(await wb.row('n-2,').locator('.codicon-sync.codicon-modifier-spin').count(), 1);
  await wb.screenshot(shot('tree-rebooting.png'));
  await sim.state('n-2', 'healthy');
  await wb.waitRow('n-2,', /^n-2, healthy$/);
  const labels = await wb.rowLabels();
  assert.ok(!labels.some((l) => l.startsWith('Reboot required')), 'the emptied group is gone');
  assert.ok(drainMs < 5000, `update reached the tree in ${drainMs} ms`);
});

test('Schedule Reboot from the command palette writes reboot-after on the chosen node', async () => {
  await wb.runCommand('nodemend: Schedule Reboot');
  await wb.pickMany(['n-1']);
  await wb.waitQuickTitle(/Schedule Reboot: n-1 — when\?/);
  await wb.screenshot(shot('schedule-when.png'));
  const before = Date.now();
  await wb.pickOne('Now, inside the reboot window');
  await wb.notification(/Reboot scheduled for n-1, as soon as the window allows/);
  const v = (await annotations('n-1'))[A.rebootAfter];
  assert.ok(v && Math.abs(Date.parse(v) - before) < 60_000, `reboot-after ${v}`);
  // Through the hub, the row says the request is there before any agent acts on it.
  await wb.waitRow('n-1,', /^n-1, healthy · reboot after /);
  await wb.clearNotifications();
});

test('a typed time is validated as it is typed, and written in RFC3339', async () => {
  await wb.runCommand('nodemend: Schedule Reboot');
  await wb.pickMany(['n-0']);
  await wb.pickOne('At a time');
  await wb.typeExpecting('25:00', /"25:00" is not a time of day/, /at what time\?/);
  await wb.typeExpecting('+2h', /Reboot after \d{4}-\d{2}-\d{2} \d{2}:\d{2} [+-]\d{2}:\d{2}/);
  await wb.screenshot(shot('schedule-typed.png'));
  await wb.quickInput().press('Enter');
  await wb.notification(/Reboot scheduled for n-0, after/);
  const v = (await annotations('n-0'))[A.rebootAfter];
  assert.match(v ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  assert.ok(Math.abs(Date.parse(v) - (Date.now() + 2 * 3600_000)) < 120_000);
  await wb.clearNotifications();
});

test('Force Reboot asks first, says what will happen, and writes nothing when cancelled', async () => {
  await core.patchNode({ name: 'n-0', body: { metadata: { annotations: { [A.rebootAfter]: null } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  await wb.runCommand('nodemend: Force Reboot');
  await wb.pickMany(['n-0']);
  await wb.dialog().waitFor({ timeout: 10_000 });
  const text = (await wb.dialog().textContent()) ?? '';
  assert.match(text, /Force a reboot of n-0 now\?/);
  assert.match(text, /skips the reboot window and the automatic blockers/);
  assert.match(text, /does not skip a manual block/);
  assert.match(text, /Only an agent started with --force-reboot reboots after a failed drain/);
  assert.doesNotMatch(text, /Held now/, 'nothing holds n-0');
  await wb.screenshot(shot('force-confirm.png'));
  await wb.dialogButton('Cancel');
  await wb.dialog().waitFor({ state: 'detached' });
  assert.equal((await annotations('n-0'))[A.forceReboot], undefined, 'cancelled: nothing written');

  await wb.runCommand('nodemend: Force Reboot');
  await wb.pickMany(['n-0']);
  await wb.dialog().waitFor({ timeout: 10_000 });
  await wb.dialogButton('Force Reboot');
  await wb.notification(/Forced reboot requested for n-0/);
  assert.ok((await annotations('n-0'))[A.forceReboot]);
  await wb.waitRow('n-0,', /^n-0, healthy · force requested$/);
  await wb.clearNotifications();
});

test('Block Reboots on a node with a reason and an expiry, then on the whole cluster', async () => {
  await wb.runCommand('nodemend: Block Reboots');
  await wb.pickOne('Some nodes');
  await wb.pickMany(['n-1']);
  await wb.typeExpecting('   ', /expected a non-empty reason/, /Block Reboots: why\?/);
  await wb.type('quarterly close');
  await wb.type('+1d', true, /until when\?/);
  await wb.notification(/Reboots blocked for n-1 until/);
  const a = await annotations('n-1');
  assert.equal(a[A.block], 'quarterly close');
  assert.ok(Math.abs(Date.parse(a[A.blockUntil]) - (Date.now() + 86_400_000)) < 120_000);
  await wb.clearNotifications();

  await wb.runCommand('nodemend: Block Reboots');
  await wb.pickOne('Whole cluster');
  await wb.type('change freeze', true, /Block Reboots: why\?/);
  await wb.type('', true, /until when\?/);
  await wb.notification(/Reboots blocked cluster-wide until unblocked/);
  const ds = await c.kc.makeApiClient(k8s.AppsV1Api).readNamespacedDaemonSet({ name: 'nodemend-agent', namespace: NS });
  assert.equal(ds.metadata?.annotations?.[A.block], 'change freeze');
  assert.equal(ds.metadata?.annotations?.[A.blockUntil], undefined);
  await wb.clearNotifications();
  // The hub streams the cluster block; the status bar says it first.
  await eventually('status bar shows the cluster block', async () => /cluster blocked/.test(await wb.status()));
});

test('Force Reboot on a blocked node says, before anything is written, that the blocks hold it', async () => {
  await wb.runCommand('nodemend: Force Reboot');
  await wb.pickMany(['n-1']);
  await wb.dialog().waitFor({ timeout: 10_000 });
  const text = (await wb.dialog().textContent()) ?? '';
  assert.match(text, /Held now:/);
  assert.match(text, /Reboots are blocked cluster-wide \("change freeze"\)/);
  assert.match(text, /n-1 is blocked \("quarterly close", until \d{4}-\d\d-\d\dT[\d:.]+Z\): its forced reboot waits until the block is removed or lapses/);
  await wb.screenshot(shot('force-held.png'));
  await wb.dialogButton('Cancel');
  await wb.dialog().waitFor({ state: 'detached' });
  assert.equal((await annotations('n-1'))[A.forceReboot], undefined, 'cancelled: nothing written');
});

test('context menu of a node offers only what applies', async () => {
  await sim.state('n-3', 'draining');
  await wb.waitRow('n-3,', /^n-3, draining$/);
  await wb.row('n-3,').click({ button: 'right' });
  const menu = wb.page.locator('.context-view .monaco-menu');
  await menu.waitFor();
  await wb.page.waitForTimeout(400); // let the menu finish fading in before the screenshot
  const items = (await menu.locator('.action-label').allTextContents()).map((s) => s.trim()).filter(Boolean);
  assert.ok(items.includes('Block Reboots…') && items.includes('Show Node History'), items.join(', '));
  assert.ok(!items.includes('Schedule Reboot…') && !items.includes('Force Reboot…'), `no schedule/force while draining: ${items.join(', ')}`);
  await wb.screenshot(shot('context-menu.png'));
  await wb.page.keyboard.press('Escape');
});

test('the filter narrows the tree and says so; clearing it brings every node back', async () => {
  await wb.runCommand('nodemend: Filter Nodes');
  await wb.typeExpecting('colour:red', /Unknown filter key "colour:"/, /Filter nodes/);
  await wb.type('zone:a');
  await eventually('only zone a is shown', async () => {
    const rows = (await wb.rowLabels()).filter((l) => /^n-\d,/.test(l));
    return rows.length > 0 && rows.every((l) => /^n-[024],/.test(l));
  });
  // The message line reaches the window in its own message from the extension host, so it can
  // arrive after the rows it describes: wait for it rather than read it once.
  const message = async () => (await wb.sidebar().locator('.message').first().textContent()) ?? '';
  await eventually('the message line names the filter', async () => /Filter "zone:a": 3 of 6 nodes/.test(await message()));
  await wb.runCommand('nodemend: Clear Filter');
  // n-5 (zone b) sits in a collapsed group: its group row proves it is back.
  await wb.waitRow('No agent report,', /^No agent report, 1 node$/);
});

test('several rows selected in the tree: one context-menu action applies to all of them', async () => {
  await wb.row('n-0,').click();
  await wb.row('n-2,').click({ modifiers: ['Control'] });
  await wb.row('n-2,').click({ button: 'right' });
  const item = wb.page.locator('.context-view .monaco-menu .action-menu-item', { hasText: 'Schedule Reboot…' });
  await item.waitFor();
  await wb.page.waitForTimeout(400); // the menu ignores clicks while it fades in
  await wb.screenshot(shot('multi-select.png'));
  await item.click();
  await wb.waitQuickTitle(/Schedule Reboot: 2 nodes — when\?/);
  await wb.pickOne('Now, inside the reboot window');
  await wb.notification(/Reboot scheduled for n-0, n-2, as soon as the window allows/);
  for (const n of ['n-0', 'n-2']) assert.ok((await annotations(n))[A.rebootAfter], `${n} has reboot-after`);
  await wb.clearNotifications();
});

test('Show Node History opens a read-only document of the node', async () => {
  await wb.runCommand('nodemend: Show Node History');
  await wb.pickOne('n-4');
  const editor = wb.page.locator('.editor-instance .view-lines').first();
  await editor.waitFor({ timeout: 10_000 });
  // Monaco renders spaces as non-breaking spaces.
  const text = async () => ((await editor.textContent()) ?? '').replace(/\u00a0/g, ' ');
  await eventually('history document shown', async () => /# Reboot history of n-4/.test(await text()));
  assert.match(await text(), /Now: \*\*blocked\*\* since .* alert KubePodCrashLooping firing/);
  assert.match(await text(), /No reboots recorded yet/);
  await wb.page.keyboard.press('Control+W');
});

test('the dashboard opens and shows the rollout', async () => {
  await wb.runCommand('nodemend: Open Dashboard');
  const outer = wb.page.frameLocator('iframe.webview.ready');
  const inner = outer.frameLocator('#active-frame');
  await inner.locator('body').waitFor({ timeout: 30_000 });
  // Playwright's text locators pierce the lit components' shadow roots.
  await inner.getByText('Rollout', { exact: true }).first().waitFor({ timeout: 30_000 });
  await inner.getByText('n-3', { exact: true }).first().waitFor({ timeout: 30_000 });
  await inner.getByText('All reboots blocked until removed: change freeze').first().waitFor({ timeout: 30_000 });
  // Live: a change in the cluster reaches the open dashboard.
  await sim.state('n-5', 'rebooting');
  await inner.getByText('n-5', { exact: true }).first().waitFor();
  await eventually('the dashboard shows n-5 rebooting', async () => (await inner.getByText('Rebooting', { exact: true }).count()) > 0, 20_000);
  await wb.page.waitForTimeout(500);
  await wb.screenshot(shot('dashboard.png'));
});

test('a viewer is not offered write actions', async () => {
  await wb.runCommand('nodemend: Switch Context');
  await wb.pickOne('viewer');
  await eventually('status bar shows the viewer context', async () => /nodemend, context viewer, /.test(await wb.status()), 30_000);
  await wb.page.keyboard.press('F1');
  await wb.quickInput().fill('>nodemend: ');
  // The palette fills in as it filters, and the context keys that hide the write commands are
  // set from the extension host: poll until the list shows the read-only command and none of the
  // writes (a write still listed after 20 s fails the test, with the list in the message).
  const isWrite = (l: string) => l.includes('Schedule Reboot') || l.includes('Force Reboot') || l.includes('Block Reboots');
  let cmds: string[] = [];
  const shown = await eventually('the palette offers Show Node History and no write command', async () => {
    cmds = await wb.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    return cmds.some((l) => l.includes('Show Node History')) && !cmds.some(isWrite);
  }).then(() => true, () => false);
  await wb.page.keyboard.press('Escape');
  assert.ok(shown, `palette: ${cmds.join(' | ')}`);
});

test('activation completes without waiting on the network', () => {
  const m = /activated in ([\d.]+) ms/.exec(cs.extensionLog());
  assert.ok(m, 'the extension logged its activation');
  console.log(`# activate() took ${m[1]} ms`);
  // A guard, not a target (speed is for benchmarks): activate() must not wait on the cluster or
  // the hub, which would take seconds (connection timeouts). Generous for 2 shared cores under
  // load, where 500 ms was flaky.
  assert.ok(Number(m[1]) < 5000, `activate() took ${m[1]} ms: is it waiting on a connection?`);
});

test('nothing left 127.0.0.1: code-server made no outside lookups', () => {
  const log = cs.log();
  assert.doesNotMatch(log, /getaddrinfo|ENOTFOUND|open-vsx\.org/, log.slice(-1500));
});
