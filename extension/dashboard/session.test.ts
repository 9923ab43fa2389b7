import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterSnapshot } from '../../protocol/messages.ts';
import type { ConnectionInfo, HostToWebview } from '../../protocol/webview.ts';
import { DashboardSession, type DashboardSource, type StoreChange } from './session.ts';

// A store double with the same surface as ClusterStore: the session is pure routing, the real
// store and the real page are covered by the extension and browser tests.
function harness(opts: { snapshot?: ClusterSnapshot; runFails?: string } = {}) {
  let listener: ((e: StoreChange) => unknown) | undefined;
  let conn: ConnectionInfo = { state: 'connected' };
  let disposed = false;
  const source: DashboardSource = {
    snapshot: () => opts.snapshot,
    connection: () => conn,
    onDidChange: (l) => {
      listener = l;
      return { dispose: () => (disposed = true) };
    },
  };
  const posted: HostToWebview[] = [];
  const ran: string[] = [];
  const logs: string[] = [];
  const s = new DashboardSession(source, {
    post: (m) => posted.push(m),
    run: async (a, n) => {
      ran.push(`${a}:${n}`);
      if (opts.runFails) throw new Error(opts.runFails);
    },
    log: (l) => logs.push(l),
  });
  return {
    s,
    posted,
    ran,
    logs,
    emit: (e: StoreChange) => listener?.(e),
    setConn: (c: ConnectionInfo) => (conn = c),
    disposed: () => disposed,
  };
}

const snap: ClusterSnapshot = {
  nodes: [{ name: 'n1', ready: true, unschedulable: false, cordonedByUs: false, requests: {}, requestErrors: [], history: [] }],
  locks: { slots: [], waiting: [] },
  forecast: { pending: 0, enoughData: false, basis: '' },
  events: [],
  backendInstalled: true,
};
const types = (p: HostToWebview[]) => p.map((m) => m.type);

test('nothing is sent before Ready; Ready gets the full state; then deltas flow', async () => {
  const h = harness({ snapshot: snap });
  h.emit({ ops: [{ op: 'backend', installed: true }] });
  assert.deepEqual(h.posted, []);
  await h.s.receive({ type: 'ready' });
  assert.deepEqual(h.posted, [{ type: 'state', snapshot: snap, connection: { state: 'connected' } }]);
  h.emit({ ops: [{ op: 'node-removed', name: 'x' }] });
  h.emit({ ops: [] });
  h.emit({ snapshot: true });
  assert.deepEqual(types(h.posted), ['state', 'delta', 'state']);
});

test('no store snapshot yet: state carries null', async () => {
  const h = harness();
  await h.s.receive({ type: 'ready' });
  assert.deepEqual(h.posted, [{ type: 'state', snapshot: null, connection: { state: 'connected' } }]);
});

test('connection changes are sent once each, with only the fields the page shows', async () => {
  const h = harness({ snapshot: snap });
  await h.s.receive({ type: 'ready' });
  h.emit({ connection: true });
  h.setConn({ state: 'error', detail: 'hub gone', problem: 'unreachable' } as ConnectionInfo);
  h.emit({ connection: true });
  h.emit({ connection: true });
  assert.deepEqual(h.posted.slice(1), [{ type: 'connection', connection: { state: 'error', detail: 'hub gone' } }]);
});

test('hidden page gets nothing until it says Ready again, then the full state', async () => {
  const h = harness({ snapshot: snap });
  await h.s.receive({ type: 'ready' });
  h.s.setVisible(false);
  h.emit({ ops: [{ op: 'backend', installed: false }] });
  assert.deepEqual(types(h.posted), ['state']);
  h.s.setVisible(true);
  h.emit({ ops: [{ op: 'backend', installed: false }] });
  assert.deepEqual(types(h.posted), ['state'], 'visible but not yet ready');
  await h.s.receive({ type: 'ready' });
  assert.deepEqual(types(h.posted), ['state', 'state']);
});

const commands: { name: string; msg: unknown; ran: string[]; posted: string[]; log?: RegExp; fails?: string }[] = [
  { name: 'known action on a known node runs', msg: { type: 'command', action: 'blockNode', node: 'n1' }, ran: ['blockNode:n1'], posted: ['state'] },
  { name: 'unknown node is refused with a notice', msg: { type: 'command', action: 'forceReboot', node: 'n2' }, ran: [], posted: ['state', 'notice'] },
  { name: 'unknown action is logged, never run', msg: { type: 'command', action: 'workbench.action.files.delete', node: 'n1' }, ran: [], posted: ['state'], log: /command.action: unknown action/ },
  { name: 'garbage is logged', msg: 42, ran: [], posted: ['state'], log: /expected an object/ },
  { name: 'a failing command is reported', msg: { type: 'command', action: 'cancelRequest', node: 'n1' }, ran: ['cancelRequest:n1'], posted: ['state', 'notice'], fails: 'forbidden: nodes "n1"' },
];
for (const c of commands) {
  test(`command: ${c.name}`, async () => {
    const h = harness({ snapshot: snap, ...(c.fails ? { runFails: c.fails } : {}) });
    await h.s.receive({ type: 'ready' });
    await h.s.receive(c.msg);
    assert.deepEqual(h.ran, c.ran);
    assert.deepEqual(types(h.posted), c.posted);
    if (c.log) assert.match(h.logs.join('\n'), c.log);
    if (c.fails) assert.deepEqual(h.posted[1], { type: 'notice', level: 'error', message: `cancelRequest on n1 failed: ${c.fails}` });
  });
}

test('dispose unsubscribes and stops sending', async () => {
  const h = harness({ snapshot: snap });
  await h.s.receive({ type: 'ready' });
  h.s.dispose();
  assert.equal(h.disposed(), true);
  h.emit({ snapshot: true });
  assert.equal(h.posted.length, 1);
});
