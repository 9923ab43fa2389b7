// The simulated network's pieces without an API server: the relay really cuts a connection (open
// ones are reset, new ones hang unanswered) and heals; list requests are told from reads of one
// object by their path.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { isList, Relay } from './net.ts';

async function echoServer() {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

/** Sends `text`; resolves with the echo, or with what went wrong first ('reset', 'closed', 'silent' after ms). */
function roundTrip(port: number, text: string, silentAfterMs = 300): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    const t = setTimeout(() => (s.destroy(), resolve('silent')), silentAfterMs);
    s.on('data', (d) => {
      got += d.toString();
      if (got === text) (clearTimeout(t), s.end(), resolve(got));
    });
    s.on('error', () => (clearTimeout(t), resolve('reset')));
    s.on('close', () => (clearTimeout(t), resolve(got || 'closed')));
    s.write(text);
  });
}

test('a relay forwards, a partition resets open connections and leaves new ones unanswered, a heal forwards again', async () => {
  const echo = await echoServer();
  const relay = await Relay.start({ host: '127.0.0.1', port: echo.port });
  try {
    assert.equal(await roundTrip(relay.port, 'hello'), 'hello');
    // An open connection (a watch) when the partition starts.
    const open = connect(relay.port, '127.0.0.1');
    await new Promise<void>((r) => open.once('connect', () => r()));
    await new Promise((r) => setTimeout(r, 50));
    const ended = new Promise<string>((r) => {
      open.on('error', (e) => r((e as NodeJS.ErrnoException).code ?? 'error'));
      open.on('close', () => r('closed'));
    });
    relay.partition();
    assert.equal(relay.cut, true);
    assert.match(await ended, /ECONNRESET|closed/);
    assert.equal(await roundTrip(relay.port, 'during'), 'silent');
    relay.heal();
    assert.equal(relay.cut, false);
    assert.equal(await roundTrip(relay.port, 'after'), 'after');
  } finally {
    await relay.close();
    await echo.close();
  }
});

test('list requests are collection reads, not reads of one object or a subresource', () => {
  for (const p of ['/api/v1/nodes', '/api/v1/namespaces', '/api/v1/namespaces/ns/pods', '/apis/coordination.k8s.io/v1/namespaces/nodemend/leases', '/apis/apps/v1/namespaces/x/daemonsets', '/api/v1/events']) assert.equal(isList(p), true, p);
  for (const p of ['/api/v1/nodes/a', '/api/v1/namespaces/ns', '/apis/coordination.k8s.io/v1/namespaces/nodemend/leases/nodemend-lock-0', '/api/v1/nodes/a/status', '/api/v1/namespaces/ns/pods/p/eviction', '/healthz', '/version']) assert.equal(isList(p), false, p);
});
