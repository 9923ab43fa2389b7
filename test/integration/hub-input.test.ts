// The hub never trusts its clients: garbage, oversized frames, floods and wrong versions get error
// frames and then a close, and the hub keeps serving everyone else. A client that stops reading
// cannot grow the hub's memory: it is coalesced (deltas dropped, one snapshot later) or dropped.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type TestCluster } from '../../tools/harness/index.ts';
import { runHub, type HubHandle } from '../../backend/hub/main.ts';
import { MAX_FRAME_BYTES, type ServerMessage } from '../../protocol/messages.ts';
import { sleep, StreamClient } from './hub-support.ts';
import type { Session } from '../../backend/hub/session.ts';

let c: TestCluster;
let hub: HubHandle;
import { silentLogger as quiet } from '../../backend/shared/log.ts';
const FLOW = { highWater: 256 << 10, lowWater: 32 << 10, maxBehindMs: 3000 };

before(async () => {
  c = await startCluster();
  await c.addNodes(3, { prefix: 'i' });
  hub = await runHub(['--kubeconfig', c.kubeconfigPath, '--listen=127.0.0.1:0', '--listen-trusted=off', '--auth=none'], {}, { embedded: true, log: quiet, flow: FLOW });
  while (!hub.ready()) await sleep(50);
});
after(async () => {
  await hub?.stop();
  await c?.stop();
});

const url = () => `ws://127.0.0.1:${hub.port}/stream`;
const errors = (cl: StreamClient) => cl.frames.filter((f): f is Extract<ServerMessage, { type: 'error' }> => f.type === 'error');

async function stillServes(): Promise<void> {
  const ok = new StreamClient(url());
  await ok.until('snapshot from a healthy client', () => ok.snapshot !== undefined, 10_000);
  assert.equal(ok.snapshot!.nodes.length, 3);
  ok.close();
}

test('garbage frames get errors, then the connection is closed (1008)', async () => {
  const cl = new StreamClient(url(), { noHello: true });
  await cl.opened;
  cl.send('not json');
  cl.send('{"type":"hello","versions":"one"}');
  cl.send('[1,2,3]');
  await cl.until('close', () => cl.closed !== undefined, 10_000);
  assert.equal(cl.closed!.code, 1008);
  assert.deepEqual(errors(cl).map((e) => e.code), ['bad-frame', 'bad-frame', 'bad-frame']);
  assert.match(errors(cl)[0].message, /not JSON/);
  assert.match(errors(cl)[1].message, /hello\.versions/);
  await stillServes();
});

test('a flood after hello is cut off after a few frames', async () => {
  const cl = new StreamClient(url());
  await cl.until('snapshot', () => cl.snapshot !== undefined);
  for (let i = 0; i < 500; i++) cl.send('{"type":"hello","versions":[1]}');
  await cl.until('close', () => cl.closed !== undefined, 10_000);
  assert.equal(cl.closed!.code, 1008);
  assert.equal(errors(cl).length, 3);
  assert.match(errors(cl)[0].message, /no message is expected after hello/);
  await stillServes();
});

test('an oversized frame gets too-large; a huge one is refused by the socket (1009)', async () => {
  const a = new StreamClient(url(), { noHello: true });
  await a.opened;
  a.send('x'.repeat(MAX_FRAME_BYTES + 10));
  await a.until('error', () => errors(a).length === 1, 10_000);
  assert.equal(errors(a)[0].code, 'too-large');
  a.send('{"type":"hello","versions":[1]}');
  await a.until('snapshot after the error', () => a.snapshot !== undefined);
  a.close();

  const b = new StreamClient(url(), { noHello: true });
  await b.opened;
  b.send('x'.repeat(3 * MAX_FRAME_BYTES));
  await b.until('close', () => b.closed !== undefined, 10_000);
  assert.equal(b.closed!.code, 1009);
  await stillServes();
});

test('a wrong protocol version is refused with unsupported-version', async () => {
  const cl = new StreamClient(url(), { versions: [7, 9] });
  await cl.until('close', () => cl.closed !== undefined, 10_000);
  assert.equal(errors(cl)[0].code, 'unsupported-version');
  assert.match(errors(cl)[0].message, /\[1\]/);
  assert.equal(cl.closed!.code, 1008);
  assert.ok(!cl.frames.some((f) => f.type === 'snapshot'));
  await stillServes();
});

/** Floods the hub with Node Events (through its informer entry point) of ~1 KB each. */
function flood(n: number): void {
  const t = Date.now();
  for (let i = 0; i < n; i++) {
    hub.hub.event({
      metadata: { uid: `flood-${t}-${i}`, name: `f${i}` },
      involvedObject: { kind: 'Node', name: 'i-0' },
      reason: 'Flood',
      message: 'm'.repeat(1000),
      type: 'Normal',
      eventTime: new Date().toISOString() as never,
    });
  }
}

function sessionOf(before: Set<Session>): Session {
  const s = [...hub.hub.sessions].find((x) => !before.has(x));
  assert.ok(s, 'session found');
  return s;
}

test('a client that pauses reading is coalesced: deltas dropped, then one snapshot, memory bounded', { timeout: 60_000 }, async () => {
  const known = new Set(hub.hub.sessions);
  const cl = new StreamClient(url());
  await cl.until('snapshot', () => cl.snapshot !== undefined);
  const s = sessionOf(known);
  const rss0 = process.memoryUsage().rss;
  (cl.ws as unknown as { _socket: import('node:net').Socket })._socket.pause();
  const dropped0 = s.flow.dropped;
  let maxBuffered = 0;
  for (let k = 0; k < 20; k++) {
    flood(1000); // ~1 MB of deltas per round, 20 MB in all
    maxBuffered = Math.max(maxBuffered, (s as unknown as { ws: { bufferedAmount: number } }).ws.bufferedAmount);
    await sleep(20);
  }
  assert.ok(s.flow.behind, 'client is behind');
  assert.ok(s.flow.dropped - dropped0 > 10_000, `deltas dropped (${s.flow.dropped - dropped0})`);
  // Bounded: the hub's buffer for this client never exceeds highWater + one snapshot (+ one frame).
  const snapBytes = hub.hub.snapshotFrame().frame.length;
  assert.ok(maxBuffered <= FLOW.highWater + snapBytes + 4096, `buffered ${maxBuffered} within bounds`);
  assert.ok(process.memoryUsage().rss - rss0 < 200 << 20, 'process memory did not balloon');
  (cl.ws as unknown as { _socket: import('node:net').Socket })._socket.resume();
  await cl.until('coalesced notice and a fresh snapshot', () => cl.frames.some((f) => f.type === 'notice' && f.code === 'coalesced') && cl.seq === hub.hub.journal.seq, 20_000);
  const i = cl.frames.findIndex((f) => f.type === 'notice' && f.code === 'coalesced');
  assert.equal(cl.frames[i + 1]?.type, 'snapshot', 'snapshot follows the notice');
  assert.equal(cl.closed, undefined, 'still connected');
  // After the resync it is live again: a new change arrives as a delta with the next seq.
  const seq = cl.seq;
  flood(1);
  await cl.until('next delta', () => cl.seq === seq + 1);
  cl.close();
});

test('a client that stays stuck past the limit is told slow-client and disconnected', { timeout: 60_000 }, async () => {
  const known = new Set(hub.hub.sessions);
  const cl = new StreamClient(url());
  await cl.until('snapshot', () => cl.snapshot !== undefined);
  const s = sessionOf(known);
  const sock = (cl.ws as unknown as { _socket: import('node:net').Socket })._socket;
  sock.pause();
  const t0 = Date.now();
  while (hub.hub.sessions.has(s) && Date.now() - t0 < 20_000) {
    flood(500);
    await sleep(100);
  }
  assert.ok(!hub.hub.sessions.has(s), 'session dropped by the hub');
  assert.ok(Date.now() - t0 >= FLOW.maxBehindMs, 'not before maxBehindMs');
  sock.resume();
  await cl.until('close', () => cl.closed !== undefined, 20_000);
  assert.ok(cl.frames.some((f) => f.type === 'notice' && f.code === 'slow-client'), 'slow-client notice received');
  assert.equal(cl.closed!.code, 1013);
  await stillServes();
});

test('over the hub-wide send budget, the client furthest behind is cut at once; a reading client keeps its stream', { timeout: 60_000 }, async () => {
  const known = new Set(hub.hub.sessions);
  const slow = new StreamClient(url());
  await slow.until('snapshot', () => slow.snapshot !== undefined);
  const s = sessionOf(known);
  const fast = new StreamClient(url());
  await fast.until('snapshot', () => fast.snapshot !== undefined);
  const shed0 = (await hub.metrics.shed.get()).values[0]?.value ?? 0;
  // A budget below one client's own limit (highWater 256 KiB): one stalled reader exceeds it.
  hub.hub.maxBuffered = 128 << 10;
  try {
    const sock = (slow.ws as unknown as { _socket: import('node:net').Socket })._socket;
    sock.pause();
    const t0 = Date.now();
    let gone = -1;
    while (Date.now() - t0 < FLOW.maxBehindMs) {
      flood(200);
      await sleep(50);
      if (!hub.hub.sessions.has(s)) {
        gone = Date.now() - t0;
        break;
      }
    }
    assert.ok(gone >= 0, `the stalled client was cut before its own ${FLOW.maxBehindMs} ms limit`);
    console.log(`# stalled client cut ${gone} ms after it stopped reading (budget 128 KiB)`);
    assert.equal((await hub.metrics.shed.get()).values[0].value, shed0 + 1);
    const seq = hub.hub.journal.seq;
    flood(1);
    await fast.until('the reading client still gets deltas', () => fast.seq === seq + 1, 10_000);
    assert.equal(fast.closed, undefined);
    sock.resume();
    await slow.until('closed', () => slow.closed !== undefined, 10_000);
  } finally {
    hub.hub.maxBuffered = Infinity;
    fast.close();
    slow.close();
  }
});
