// Which Node Events the hub shows, against a real API server: only the agent's, in the namespace
// the agent writes them to (protocol/events.ts). An Event about a Node written in a tenant's own
// namespace, or by another component, never reaches a viewer; long messages are cut.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type TestCluster } from '../../tools/harness/index.ts';
import { runHub, type HubHandle } from '../../backend/hub/main.ts';
import { EVENT_MESSAGE_MAX } from '../../backend/hub/model.ts';
import { AGENT_EVENT_COMPONENT } from '../../protocol/events.ts';
import { silentLogger as quiet } from '../../backend/shared/log.ts';
import { SimAgent, sleep, StreamClient } from './hub-support.ts';

let c: TestCluster;
let hub: HubHandle;
let agent: SimAgent;
let node: string;

before(async () => {
  c = await startCluster();
  await c.ensureNamespace('tenant');
  [node] = await c.addNodes(1, { prefix: 'ev' });
  agent = new SimAgent(c.kc, 'nodemend');
  hub = await runHub(['--kubeconfig', c.kubeconfigPath, '--listen=127.0.0.1:0', '--listen-trusted=off', '--auth=none'], {}, { embedded: true, log: quiet });
  while (!hub.ready()) await sleep(50);
});
after(async () => {
  await hub?.stop();
  await c?.stop();
});

/** A Node Event as anyone allowed to create Events in `namespace` can write it (the core/v1 form
 *  without eventTime, as the agent writes them: its message may be far longer than 1024). */
async function forged(namespace: string, component: string, reason: string, message = 'not from the agent'): Promise<string> {
  const now = new Date();
  const ev = await c.core.createNamespacedEvent({
    namespace,
    body: {
      metadata: { generateName: `${node}.`, namespace },
      // A Node is cluster-scoped; naming the Event's own namespace here is what lets a tenant
      // write one in theirs (the API server checks the two namespaces agree, nothing more).
      involvedObject: { kind: 'Node', name: node, apiVersion: 'v1', ...(namespace === 'default' ? {} : { namespace }) },
      reason,
      message,
      type: 'Warning',
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component, host: node },
      reportingComponent: component,
    },
  });
  return `${ev.metadata!.uid}:1`;
}

test("only the agent's Events in the agent's namespace are shown; tenants' and other components' are not", async () => {
  const cl = new StreamClient(`ws://127.0.0.1:${hub.port}/stream`);
  await cl.until('snapshot', () => cl.snapshot !== undefined);
  await forged('tenant', AGENT_EVENT_COMPONENT, 'ForgedInTenant');
  await forged('default', 'someone-else', 'ForgedComponent');
  // Written last, in the watched namespace: once they are seen, the one before them in the same
  // watch would have been too.
  const id = await agent.event(node, 'RebootRequired', 'sentinel present');
  const long = await forged('default', AGENT_EVENT_COMPONENT, 'Draining', 'x'.repeat(100_000));
  await cl.until('the agent events', () => cl.events.some((e) => e.id === id) && cl.events.some((e) => e.id === long));
  await sleep(500);
  assert.deepEqual(cl.events.map((e) => e.reason), ['RebootRequired', 'Draining'], 'nothing but the agent events');
  assert.equal(cl.events[1].message.length, EVENT_MESSAGE_MAX, 'long messages are cut');
  // A fresh snapshot (built from the informer's cache) agrees.
  const fresh = new StreamClient(`ws://127.0.0.1:${hub.port}/stream`);
  await fresh.until('snapshot', () => fresh.snapshot !== undefined);
  assert.deepEqual(fresh.snapshot!.events.map((e) => e.reason), ['RebootRequired', 'Draining']);
  assert.equal(fresh.snapshot!.events[1].message.length, EVENT_MESSAGE_MAX);
  cl.close();
  fresh.close();
});
