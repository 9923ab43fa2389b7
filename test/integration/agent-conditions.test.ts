// Node conditions as reboot triggers (--reboot-on-condition) through the real runtime: real
// agents on simulated hosts against a real API server. The test writes conditions through the
// Node status subresource, as node-problem-detector does, and clears them the same way.
//   - a condition held for its "for" duration reboots the node inside the window, not before the
//     duration and not outside the window; a transition time in the future (a skewed clock)
//     counts from when the agent first saw it; an urgent condition (--condition-ignore-window)
//     reboots outside the window. The condition is the reason in the state, the Events and the
//     published trigger; a condition seen cleared after the reboot marks its record cleared.
//   - a condition that does not clear within --condition-clear-timeout after its reboot is marked
//     failed (nodemend.dev/condition-failed) and not rebooted for again.
//   - a storm (the condition on 8 of 20 nodes) holds condition reboots, the reason shown; then the
//     hourly rate holds them; a person's force-reboot goes ahead.
// The lab part (a VM raising a condition) is not covered here.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { waitFor } from '../../tools/harness/index.ts';
import { SimFleet } from '../../backend/agent/sim/fleet.ts';
import { A } from '../../protocol/annotations.ts';
import { parseConditionFailed, parseConditionReboots } from '../../protocol/conditions.ts';
import { nodeView } from '../../backend/hub/model.ts';
import { statusRows, renderStatus } from '../../cli/format.ts';
import { details } from '../../extension/tree/present.ts';
import { AgentEnv, isoNow, sleep } from './agent-support.ts';

let env: AgentEnv;
const FOR_S = 20;
// A window 12 hours away from now: closed for the whole test.
const h = (new Date().getUTCHours() + 12) % 24;
const CLOSED = `--window=${String(h).padStart(2, '0')}:00-${String(h).padStart(2, '0')}:30 UTC`;
const BASE = ['--period=3s', '--concurrency=5', '--drain-precheck=false', `--reboot-on-condition=KernelDeadlock=True:for ${FOR_S}s`, '--reboot-on-condition=ReadonlyFilesystem=True', '--condition-ignore-window=ReadonlyFilesystem', '--condition-clear-timeout=1m'];

before(async () => {
  env = await AgentEnv.start({ name: 'conditions', nodes: 20, prefix: 'c', noFleet: true });
}, { timeout: 240_000 });

after(async () => {
  await env?.stop();
});

/** Sets a condition as node-problem-detector does: the status subresource, merged by type. */
async function setCondition(n: string, type: string, status: 'True' | 'False', transition = isoNow()): Promise<void> {
  const c = { type, status, reason: status === 'True' ? `${type}Detected` : `No${type}`, message: 'set by the test as node-problem-detector would', lastHeartbeatTime: isoNow(), lastTransitionTime: transition };
  await env.c.core.patchNodeStatus({ name: n, body: { status: { conditions: [c] } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch));
}
const annotations = async (n: string) => (await env.read(n)).metadata?.annotations ?? {};
const rebootsOf = (f: SimFleet, n: string) => f.reboots.filter((r) => r.node === n);

test('conditions trigger reboots: the duration, the window, an urgent one, a clock skew; a condition not cleared is not retried', { timeout: 300_000 }, async () => {
  const nodes = ['c-0', 'c-1', 'c-2', 'c-3', 'c-4'];
  const perNode: Record<string, string[]> = { 'c-0': [CLOSED], 'c-4': [CLOSED] };
  const fleet = await SimFleet.start(nodes, { kubeconfigPath: env.c.kubeconfigPath, dir: `${env.dir}/a`, rebootMs: 1000, flags: [...BASE, '--condition-reboots-per-hour=10'], nodeFlags: (n) => perNode[n] ?? [] });
  try {
    const long = isoNow(-3_600_000);
    const setAt = Date.now();
    await Promise.all([
      setCondition('c-0', 'KernelDeadlock', 'True', long), // held, but outside the window
      setCondition('c-1', 'KernelDeadlock', 'True'), // fresh: reboots once held FOR_S
      setCondition('c-2', 'KernelDeadlock', 'True', isoNow(3_600_000)), // a skewed clock's future time
      setCondition('c-3', 'KernelDeadlock', 'True', long), // held; will not clear after its reboot
      setCondition('c-4', 'ReadonlyFilesystem', 'True'), // urgent: outside the window too
    ]);
    await waitFor('c-0 waits for the window, naming the condition', async () => /outside the reboot window.*node condition KernelDeadlock=True since/.test((await env.state('c-0'))?.reason ?? ''), 30_000);
    const s0 = await env.state('c-0');
    assert.equal(s0?.phase, 'waiting-window');
    assert.equal(s0?.trigger?.kind, 'condition');
    assert.match(s0?.trigger?.detail ?? '', /^node condition KernelDeadlock=True since .* \(held 20s or longer\)$/);
    // The hub's view of the Node carries it to the dashboard; the tree and kubectl nodemend show it.
    const view = nodeView(await env.read('c-0'));
    assert.equal(view.state?.trigger?.kind, 'condition');
    assert.match(details(view, (iso) => iso).find((d) => d.key === 'trigger')?.description ?? '', /^a node condition: KernelDeadlock=True since/);
    assert.match(renderStatus({ nodes: statusRows([view], undefined) }, 'wide', 'UTC', Date.now()), /condition KernelDeadlock=True since .* \(held 20s or longer\)\n$/);
    await waitFor('c-4 (urgent) rebooted outside the window', async () => rebootsOf(fleet, 'c-4').length === 1, 60_000);
    await waitFor('c-3 rebooted', async () => rebootsOf(fleet, 'c-3').length === 1, 60_000);
    // Not before the condition held FOR_S (the transition time has whole seconds: 1 s of slack).
    await sleep(Math.max(0, setAt + (FOR_S - 6) * 1000 - Date.now()));
    assert.equal(rebootsOf(fleet, 'c-1').length + rebootsOf(fleet, 'c-2').length, 0, 'c-1/c-2 rebooted before the condition held long enough');
    await waitFor('c-1 and c-2 rebooted', async () => rebootsOf(fleet, 'c-1').length === 1 && rebootsOf(fleet, 'c-2').length === 1, 90_000);
    for (const n of ['c-1', 'c-2']) assert.ok(rebootsOf(fleet, n)[0].downAt >= setAt + (FOR_S - 1) * 1000, `${n} rebooted ${rebootsOf(fleet, n)[0].downAt - setAt} ms after the condition was set`);
    assert.equal(rebootsOf(fleet, 'c-0').length, 0, 'c-0 rebooted outside its window');
    // The reason reached the history's Events, and each reboot is on record for its condition.
    assert.match(await env.eventText('c-1'), /node condition KernelDeadlock=True since/);
    assert.deepEqual(parseConditionReboots((await annotations('c-4'))[A.conditionReboots]).map((r) => r.condition), ['ReadonlyFilesystem=True']);
    // node-problem-detector clears what the reboots fixed; the records say so.
    await Promise.all([setCondition('c-1', 'KernelDeadlock', 'False'), setCondition('c-2', 'KernelDeadlock', 'False'), setCondition('c-4', 'ReadonlyFilesystem', 'False')]);
    await waitFor('c-1, c-2, c-4 records cleared', async () => {
      const all = await Promise.all(['c-1', 'c-2', 'c-4'].map(async (n) => parseConditionReboots((await annotations(n))[A.conditionReboots])[0]?.cleared === true));
      return all.every(Boolean);
    }, 30_000);
    // c-3's condition stays: after the clear timeout it is marked failed, shown, and not retried.
    await waitFor('c-3 marked failed', async () => parseConditionFailed((await annotations('c-3'))[A.conditionFailed]) !== 'all' && 'KernelDeadlock=True' in (parseConditionFailed((await annotations('c-3'))[A.conditionFailed]) as object), 120_000);
    await waitFor('c-3 shows why', async () => /node condition not cleared by its reboot: KernelDeadlock=True: did not clear within 1m/.test((await env.state('c-3'))?.reason ?? ''), 20_000);
    assert.match(await env.eventText('c-3'), /Warning ConditionNotCleared: node condition KernelDeadlock=True did not clear within 1m/);
    await sleep(8000);
    assert.equal(rebootsOf(fleet, 'c-3').length, 1, 'c-3 was rebooted again for a condition its reboot did not clear');
    assert.equal((await env.state('c-3'))?.phase, 'unknown');
  } finally {
    await fleet.stop();
  }
});

test('a storm of conditions (8 of 20 nodes) holds condition reboots; then the hourly rate does; a force-reboot goes ahead', { timeout: 240_000 }, async () => {
  // Only the test's storm nodes show a condition now.
  await Promise.all([setCondition('c-0', 'KernelDeadlock', 'False'), setCondition('c-3', 'KernelDeadlock', 'False')]);
  const storm = ['c-10', 'c-11', 'c-12', 'c-13', 'c-14', 'c-15', 'c-16', 'c-17'];
  await Promise.all(storm.map((n) => setCondition(n, 'KernelDeadlock', 'True', isoNow(-3_600_000))));
  // Agents on two of them are enough to see the hold; the share counts every Node.
  const fleet = await SimFleet.start(['c-10', 'c-11'], { kubeconfigPath: env.c.kubeconfigPath, dir: `${env.dir}/b`, rebootMs: 1000, flags: BASE });
  try {
    for (const n of ['c-10', 'c-11']) {
      await waitFor(`${n} held by the storm`, async () => (await env.state(n))?.phase === 'blocked', 30_000);
      assert.match((await env.state(n))?.reason ?? '', /condition-storm: condition storm: 8 of 20 nodes \(40%\) show KernelDeadlock=True, more than --condition-max-share=30%/);
      assert.equal((await env.state(n))?.trigger?.kind, 'condition');
      assert.deepEqual((await env.state(n))?.blockedBy, ['condition-storm']);
    }
    assert.match(await env.eventText('c-10'), /RebootBlocked: blocked: condition-storm: condition storm: 8 of 20 nodes/);
    // The storm passes (3 of 20 = 15%), but the first test's 4 condition reboots this hour exceed the rate of 2.
    await Promise.all(storm.slice(3).map((n) => setCondition(n, 'KernelDeadlock', 'False')));
    await waitFor('c-10 held by the rate', async () => /condition reboot rate: 4 in the last hour, --condition-reboots-per-hour=2; the next may start at/.test((await env.state('c-10'))?.reason ?? ''), 30_000);
    assert.equal(fleet.reboots.length, 0);
    // A person lifts the hold for one node.
    await env.annotate('c-11', { [A.forceReboot]: isoNow() });
    await waitFor('c-11 rebooted on request', async () => rebootsOf(fleet, 'c-11').length === 1, 60_000);
    assert.equal(rebootsOf(fleet, 'c-10').length, 0);
  } finally {
    await fleet.stop();
  }
});
