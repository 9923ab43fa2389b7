import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHostMessage, parseWebviewMessage } from './webview.ts';

const snap = { nodes: [{ name: 'n', ready: true, unschedulable: false, cordonedByUs: false, requests: {}, requestErrors: [], history: [] }], locks: { slots: [], waiting: [] }, forecast: { pending: 0, enoughData: false, basis: '' }, events: [], backendInstalled: true };

const fromWebview: { name: string; v: unknown; error?: RegExp }[] = [
  { name: 'ready', v: { type: 'ready' } },
  { name: 'command', v: { type: 'command', action: 'forceReboot', node: 'ip-10-0-1-7.eu-west-1.compute.internal' } },
  { name: 'not an object', v: 'ready', error: /expected an object/ },
  { name: 'array', v: [], error: /expected an object/ },
  { name: 'unknown type', v: { type: 'eval' }, error: /unknown type "eval"; expected "ready" or "command"/ },
  { name: 'unknown action', v: { type: 'command', action: 'workbench.action.terminal.new', node: 'n' }, error: /command.action: unknown action .* expected one of scheduleReboot/ },
  { name: 'node missing', v: { type: 'command', action: 'blockNode' }, error: /command.node: expected a Kubernetes node name/ },
  { name: 'node with spaces', v: { type: 'command', action: 'blockNode', node: 'a b' }, error: /command.node/ },
  { name: 'node upper case', v: { type: 'command', action: 'blockNode', node: 'Node1' }, error: /command.node/ },
  { name: 'node too long', v: { type: 'command', action: 'blockNode', node: 'a'.repeat(254) }, error: /command.node/ },
];
for (const c of fromWebview) {
  test(`webview message: ${c.name}`, () => {
    const r = parseWebviewMessage(c.v);
    if (c.error) {
      assert.equal(r.ok, false);
      assert.match(r.ok ? '' : r.error, c.error);
    } else {
      assert.deepEqual(r, { ok: true, value: c.v });
    }
  });
}

test('a valid command carries only the known fields', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'command', action: 'showHistory', node: 'n', extra: 'x' }), {
    ok: true,
    value: { type: 'command', action: 'showHistory', node: 'n' },
  });
});

const fromHost: { name: string; v: unknown; error?: RegExp }[] = [
  { name: 'state', v: { type: 'state', snapshot: snap, connection: { state: 'connected' } } },
  { name: 'state without snapshot', v: { type: 'state', snapshot: null, connection: { state: 'connecting', detail: 'x' } } },
  { name: 'state, bad snapshot', v: { type: 'state', snapshot: { nodes: 'x' }, connection: { state: 'c' } }, error: /state.snapshot: malformed/ },
  { name: 'state, node without history', v: { type: 'state', snapshot: { ...snap, nodes: [{ name: 'n', requests: {}, requestErrors: [] }] }, connection: { state: 'c' } }, error: /state.snapshot/ },
  { name: 'state, bad connection', v: { type: 'state', snapshot: null, connection: { state: 3 } }, error: /state.connection/ },
  { name: 'delta', v: { type: 'delta', ops: [{ op: 'node-removed', name: 'n' }, { op: 'cluster-block', block: null }, { op: 'backend', installed: true }] } },
  { name: 'delta, unknown op', v: { type: 'delta', ops: [{ op: 'node-removed', name: 'n' }, { op: 'drop-table' }] }, error: /delta.ops\[1\]: malformed "drop-table"/ },
  { name: 'delta, node op without node', v: { type: 'delta', ops: [{ op: 'node' }] }, error: /delta.ops\[0\]/ },
  { name: 'delta, event without time', v: { type: 'delta', ops: [{ op: 'event', event: { reason: 'r', message: 'm' } }] }, error: /delta.ops\[0\]/ },
  { name: 'delta, ops not array', v: { type: 'delta', ops: {} }, error: /delta.ops: expected an array/ },
  { name: 'connection', v: { type: 'connection', connection: { state: 'disconnected' } } },
  { name: 'notice', v: { type: 'notice', level: 'error', message: 'x' } },
  { name: 'notice, bad level', v: { type: 'notice', level: 'debug', message: 'x' }, error: /notice: expected/ },
  { name: 'unknown', v: { type: 'snapshot' }, error: /unknown type "snapshot"/ },
  { name: 'null', v: null, error: /expected an object/ },
];
for (const c of fromHost) {
  test(`host message: ${c.name}`, () => {
    const r = parseHostMessage(c.v);
    if (c.error) {
      assert.equal(r.ok, false);
      assert.match(r.ok ? '' : r.error, c.error);
    } else {
      assert.equal(r.ok, true, r.ok ? '' : r.error);
    }
  });
}
