/// <reference types="node" />
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DashboardState } from './state.ts';
import { bigCluster, node, state, T0, iso } from './testing/builders.ts';

const conn = { state: 'connected' };

test('state replaces everything; delta changes only what it names and keeps unchanged identities', () => {
  const st = new DashboardState();
  st.apply({ type: 'state', snapshot: bigCluster(10), connection: conn });
  const nodes0 = st.nodes;
  const events0 = st.events;
  const untouched = st.byName.get('node-0005');
  st.apply({ type: 'delta', ops: [{ op: 'node', node: node('node-0003', { state: state('draining') }) }] });
  assert.notEqual(st.nodes, nodes0, 'node list is a new array');
  assert.equal(st.byName.get('node-0005'), untouched, 'unchanged node keeps its identity');
  assert.equal(st.byName.get('node-0003')?.state?.phase, 'draining');
  assert.equal(st.events, events0, 'events untouched');

  const nodes1 = st.nodes;
  st.apply({ type: 'delta', ops: [{ op: 'event', event: { time: iso(T0), type: 'Normal', reason: 'R', message: 'm' } }] });
  assert.equal(st.nodes, nodes1, 'node list untouched by an event');
  assert.equal(st.events.length, 3);

  st.apply({ type: 'delta', ops: [{ op: 'node-removed', name: 'node-0009' }, { op: 'node', node: node('new-1') }] });
  assert.equal(st.nodes.length, 10);
  assert.equal(st.byName.has('node-0009'), false);
  assert.equal(st.byName.has('new-1'), true);

  st.apply({ type: 'delta', ops: [{ op: 'cluster-block', block: { reason: 'freeze' } }, { op: 'backend', installed: false }] });
  assert.equal(st.snapshot?.clusterBlock?.reason, 'freeze');
  assert.equal(st.snapshot?.backendInstalled, false);
  st.apply({ type: 'delta', ops: [{ op: 'cluster-block', block: null }] });
  assert.equal(st.snapshot?.clusterBlock, undefined);
});

test('a delta before any snapshot is refused with a notice, not applied to nothing', () => {
  const st = new DashboardState();
  st.apply({ type: 'delta', ops: [{ op: 'node', node: node('a') }] });
  assert.equal(st.snapshot, null);
  assert.equal(st.nodes.length, 0);
  assert.equal(st.notices[0].level, 'error');
});

test('a null snapshot (hub not connected) clears the view; connection and notices are kept apart', () => {
  const st = new DashboardState();
  st.apply({ type: 'state', snapshot: bigCluster(3), connection: conn });
  st.apply({ type: 'state', snapshot: null, connection: { state: 'disconnected', detail: 'hub unreachable' } });
  assert.equal(st.nodes.length, 0);
  assert.equal(st.connection.detail, 'hub unreachable');
  st.apply({ type: 'connection', connection: conn });
  assert.equal(st.connection.state, 'connected');
  for (let i = 0; i < 7; i++) st.apply({ type: 'notice', level: 'info', message: `m${i}` });
  assert.deepEqual(st.notices.map((n) => n.message), ['m2', 'm3', 'm4', 'm5', 'm6'], 'at most five notices');
  st.dismiss(st.notices[0].id);
  assert.equal(st.notices.length, 4);
});
