import * as k8s from '@kubernetes/client-node';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster } from '../../../tools/harness/index.ts';
import { startHub } from '../support/hub.ts';
import { ensureDaemonSet, SimAgent } from '../../integration/hub-support.ts';
import { startCodeServer } from '../support/code-server.ts';
import { packageVsix } from '../support/package.ts';
import { OPERATOR, VIEWER, writeKubeconfig } from '../support/users.ts';
import { Workbench } from '../support/workbench.ts';
const dir = mkdtempSync(join(tmpdir(), 'nm-dbg-'));
const vsix = await packageVsix();
const c = await startCluster();
await c.addNodes(6, { prefix: 'n', zones: ['a', 'b'] });
const kubeconfig = await writeKubeconfig(c.kc, dir, [OPERATOR, VIEWER]);
await ensureDaemonSet(c.kc.makeApiClient(k8s.AppsV1Api), 'nodemend', 'nodemend-agent');
const sim = new SimAgent(c.kc, 'nodemend');
await sim.state('n-3', 'waiting-lock');
const hub = await startHub(c.kubeconfigPath, 'nodemend');
const cs = await startCodeServer({ vsix, settings: { 'nodemend.kubeconfig': kubeconfig, 'nodemend.hub.mode': 'url', 'nodemend.hub.url': `ws://127.0.0.1:${hub.port}/stream` } });
const wb = await Workbench.open(cs.url);
try {
  await wb.openView('nodemend');
  await wb.waitRow('n-3,', /waiting/, 60000);
  await wb.runCommand('nodemend: Open Dashboard');
  await wb.page.waitForTimeout(8000);
  await wb.screenshot('/tmp/h4/dash-dbg.png');
  for (const f of wb.page.frames()) console.log('frame', f.url().slice(0, 150), (await f.locator('body').innerHTML().catch((e) => 'ERR ' + e)).slice(0, 300));
  console.log(await wb.page.locator('iframe').evaluateAll((els) => els.map((e) => e.outerHTML.slice(0, 300))));
} finally {
  console.log(cs.extensionLog().slice(-3000));
  console.log(cs.log().slice(-2000));
  await wb.close(); await cs.stop(); await hub.stop(); await c.stop();
}
