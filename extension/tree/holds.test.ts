import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BLOCK_KINDS } from '../../protocol/model.ts';
import { node, state } from '../state/builders.ts';
import { holdsOf } from './holds.ts';
import { presentNode } from './model.ts';
import { description, details, tooltip } from './present.ts';

const fmt = (iso: string) => iso.slice(11, 16);
const perms = { patchNodes: true, patchClusterBlock: true };
const blocked = (over: Parameters<typeof state>[1]) => node('n1', { phase: 'blocked', state: state('blocked', over) });

test('every kind the agent publishes has a label, an icon and a remedy', () => {
  for (const kind of BLOCK_KINDS) {
    const [h] = holdsOf(blocked({ blockedBy: [kind] }));
    assert.equal(h?.kind, kind);
    assert.ok(h.label.length > 3 && h.remedy.length > 20 && h.icon.length > 2, kind);
  }
});

test('a budget names the PDBs and tells how to free it; its row shows a shield', () => {
  const n = blocked({ reason: 'drain would be refused, so no lock is taken: PDB shop/api allows 0 disruptions', blockedBy: ['pdb'], pdbs: ['shop/api', 'shop/db', 'web/front'] });
  assert.equal(description(n, fmt), 'held by PDB shop/api, shop/db and 1 more');
  assert.match(tooltip(n, fmt), /Scale the workload up/);
  assert.deepEqual(details(n, fmt).find((d) => d.key === 'hold:pdb')?.icon, 'shield');
  assert.equal(presentNode(n, perms, false, fmt).icon, 'shield');
});

test('a person and a workload are told apart at a glance', () => {
  const byPerson = presentNode(blocked({ reason: 'a person blocked reboots of this node: maintenance (until 2026-12-07T08:00:00Z)', blockedBy: ['manual'] }), perms, false, fmt);
  const byAlerts = presentNode(blocked({ reason: 'blocked: alert KubeNodeNotReady firing', blockedBy: ['alerts'] }), perms, false, fmt);
  assert.equal(byPerson.description, 'blocked by a person · maintenance (until 2026-12-07T08:00:00Z)');
  assert.equal(byAlerts.description, 'blocked by firing alerts · alert KubeNodeNotReady firing');
  assert.notEqual(byPerson.icon, byAlerts.icon);
});

test("a person's block outranks an automatic one, whatever the published order", () => {
  assert.deepEqual(holdsOf(blocked({ blockedBy: ['alerts', 'manual', 'cluster-manual'] })).map((h) => h.kind), ['cluster-manual', 'manual', 'alerts']);
});

test('an older agent that publishes no kinds keeps the phase icon and the reason', () => {
  const n = blocked({ reason: 'blocked: something' });
  assert.deepEqual(holdsOf(n), []);
  assert.equal(description(n, fmt), 'blocked · blocked: something');
  assert.equal(presentNode(n, perms, false, fmt).icon, 'circle-slash');
});

test('an unknown kind from a newer agent is ignored, not shown as undefined', () => {
  const n = blocked({ blockedBy: ['quantum' as never, 'pods'] });
  assert.deepEqual(holdsOf(n).map((h) => h.kind), ['pods']);
});

test('a node waiting for its window says when and how to skip it', () => {
  const n = node('n1', { phase: 'waiting-window', state: state('waiting-window', { blockedBy: ['window'], nextWindow: '2026-11-25T02:00:00Z' }) });
  assert.equal(description(n, fmt), 'waiting for window · opens 02:00');
  assert.match(tooltip(n, fmt), /Force Reboot skips the window/);
});
