// 2000 nodes in a real VS Code: the tree stays responsive. Measures, through the whole path
// (annotation patch -> API server -> hub -> WebSocket -> store -> tree diff -> VS Code repaint),
// how long a change takes to show in the row of a 2000-node tree, one change at a time and in a
// burst of 100. Heavy: ~1 min to create the nodes on 2 cores. Prints the numbers as `# ...` lines.

import * as k8s from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { HubHandle } from '../../backend/hub/main.ts';
import type { Phase } from '../../protocol/model.ts';
import { startCluster, type TestCluster } from '../../tools/harness/index.ts';
import { ensureDaemonSet, SimAgent } from '../integration/hub-support.ts';
import { startCodeServer, type CodeServer } from './support/code-server.ts';
import { startHub } from './support/hub.ts';
import { packageVsix } from './support/package.ts';
import { OPERATOR, applyPeopleRoles, writeKubeconfig } from './support/users.ts';
import { shot } from './support/shots.ts';
import { Workbench } from './support/workbench.ts';

const NS = 'nodemend';
const N = 2000;

let c: TestCluster;
let hub: HubHandle;
let cs: CodeServer;
let wb: Workbench;
let sim: SimAgent;
let dir: string;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function inBatches<T>(items: T[], size: number, f: (t: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(f));
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nodemend-e2e-scale-'));
  const vsix = packageVsix();
  c = await startCluster();
  const t0 = Date.now();
  // In slices of 100: 4000 concurrent requests overwhelm a control plane sharing 2 cores.
  const names: string[] = [];
  for (let start = 0; start < N; start += 100) names.push(...(await c.addNodes(100, { prefix: 'big', start, zones: ['a', 'b', 'c'] })));
  const kubeconfig = await writeKubeconfig(c.kc, dir, [OPERATOR]);
  await applyPeopleRoles(c.kc);
  await ensureDaemonSet(c.kc.makeApiClient(k8s.AppsV1Api), NS, 'nodemend-agent');
  sim = new SimAgent(c.kc, NS);
  // A realistic mix: most healthy, a queue waiting for the lock, a few needing a reboot.
  await inBatches(names, 25, (n) => {
    const i = Number(n.slice(4));
    const phase: Phase = i < 10 ? 'waiting-lock' : i < 30 ? 'reboot-required' : 'healthy';
    return sim.state(n, phase, phase === 'waiting-lock' ? { reason: `queue ${i}` } : {});
  });
  console.log(`# ${N} nodes created and annotated in ${Math.round((Date.now() - t0) / 1000)} s`);
  hub = await startHub(c.kubeconfigPath, NS);
  cs = await startCodeServer({ vsix: await vsix, settings: { 'nodemend.kubeconfig': kubeconfig, 'nodemend.hub.mode': 'url', 'nodemend.hub.url': `ws://127.0.0.1:${hub.port}/stream` } });
  wb = await Workbench.open(cs.url);
  await wb.approveHub(`ws://127.0.0.1:${hub.port}/stream`);
});

after(async () => {
  await wb?.close();
  await cs?.stop();
  await hub?.stop();
  await c?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test(`a ${N}-node tree: first paint, then single changes and a burst reach the rows quickly`, async () => {
  let t = Date.now();
  await wb.openView('nodemend');
  await wb.widenSidebar(520);
  await wb.waitRow('Healthy,', new RegExp(`^Healthy, ${N - 30} nodes$`), 120_000);
  const firstPaint = Date.now() - t;
  // Open the big group: 1970 rows in VS Code's virtual list.
  await wb.expand('Healthy,');
  await wb.waitRow('big-30,', /^big-30, healthy$/, 30_000);

  // One change at a time (each to another node of the expanded Waiting group, visible rows).
  const single: number[] = [];
  for (let k = 0; k < 10; k++) {
    const name = `big-${k}`;
    t = Date.now();
    await sim.state(name, 'waiting-lock', { reason: `round ${k}`, forced: true });
    await wb.waitRow(`${name},`, /^big-\d+, waiting for lock.* · forced$/, 20_000);
    single.push(Date.now() - t);
  }
  // A burst: 100 healthy nodes start draining at once; the rows move into a new group.
  t = Date.now();
  const burst = Array.from({ length: 100 }, (_, i) => `big-${100 + i}`);
  await inBatches(burst, 25, (n) => sim.state(n, 'draining'));
  await wb.waitRow('Draining,', /^Draining, 100 nodes$/, 60_000);
  const burstMs = Date.now() - t;
  await wb.screenshot(shot('scale-2000.png'));
  console.log(`# ${N} nodes: first paint of the groups ${firstPaint} ms after opening the view; single change to row median ${median(single)} ms (max ${Math.max(...single)}); burst of 100 changes to regrouped tree ${burstMs} ms`);
  assert.ok(median(single) < 3000, `single change median ${median(single)} ms`);
  assert.ok(burstMs < 30_000, `burst ${burstMs} ms`);
});
