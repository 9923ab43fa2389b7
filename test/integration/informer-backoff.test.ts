// The informers' retry delay during an API-server outage, at fleet scale: 50 agents' informers
// (three each) and a hub's four, in this process, reach a real API server through a counting
// proxy. The proxy then cuts every connection and resets every request for 60 s (an API server
// that is away), and counts the requests each informer makes meanwhile. A capped, jittered,
// growing delay makes a handful per informer; a delay reset at every attempt (client-node's
// CONNECT event fires at the start of each one) made one every 0.5-1 s, for ever.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { startCluster, waitFor, type TestCluster } from '../../tools/harness/index.ts';
import { AgentInformers } from '../../backend/agent/kube/informers.ts';
import { startInformers, type Watched } from '../../backend/hub/informers.ts';
import { silentLogger } from '../../backend/shared/log.ts';

const AGENTS = 50;
const OUTAGE_MS = 60_000;

interface Seen {
  at: number;
  /** Which simulated process: the bearer token it sent. */
  who: string;
  /** Informer within it: path and selector. */
  informer: string;
  watch: boolean;
}

/** A plain-HTTP proxy to the API server that records every request and can play dead. */
class CountingProxy {
  readonly seen: Seen[] = [];
  down = false;
  private readonly sockets = new Set<Socket>();
  private server?: Server;
  port = 0;
  private readonly c: TestCluster;

  constructor(c: TestCluster) {
    this.c = c;
  }

  async start(): Promise<void> {
    const up = new URL(this.c.server);
    const ca = readFileSync(this.c.cp.info.caPath);
    this.server = createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      const who = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      this.seen.push({ at: Date.now(), who, informer: `${u.pathname} ${u.searchParams.get('fieldSelector') ?? ''}`, watch: u.searchParams.get('watch') === 'true' });
      if (this.down) {
        req.socket.destroy();
        return;
      }
      const out = httpsRequest(
        { host: up.hostname, port: up.port, path: req.url, method: req.method, ca, headers: { ...req.headers, host: up.host, authorization: `Bearer ${this.c.cp.info.token}` } },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          // As the API server does: a watch's headers go out at once, before any event.
          res.flushHeaders();
          r.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      res.on('close', () => out.destroy());
      req.pipe(out);
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Every open connection (the watches) is cut; until up(), every request is reset. */
  cut(): void {
    this.down = true;
    for (const s of this.sockets) s.destroy();
  }

  up(): void {
    this.down = false;
  }

  kubeConfig(who: string): k8s.KubeConfig {
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({ clusters: [{ name: 'p', server: `http://127.0.0.1:${this.port}`, skipTLSVerify: true }], users: [{ name: who, token: who }], contexts: [{ name: 'p', cluster: 'p', user: who }], currentContext: 'p' });
    return kc;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }
}

let c: TestCluster;
let proxy: CountingProxy;
const agents: AgentInformers[] = [];
let hub: Watched | undefined;

before(async () => {
  c = await startCluster();
  await c.ensureNamespace('nodemend');
  await c.addNodes(2, { prefix: 'ib' });
  proxy = new CountingProxy(c);
  await proxy.start();
}, { timeout: 120_000 });

after(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await hub?.stop();
  await proxy?.stop();
  await c?.stop();
});

test(`${AGENTS} agents' and a hub's informers back off during a ${OUTAGE_MS / 1000} s API-server outage: capped, jittered, not a storm`, { timeout: 170_000 }, async (t) => {
  for (let i = 0; i < AGENTS; i++) {
    agents.push(new AgentInformers(proxy.kubeConfig(`agent-${i}`), { node: `ib-${i % 2}`, namespace: 'nodemend', daemonSet: 'nodemend-agent' }, silentLogger));
  }
  const ignore = { upsert: () => undefined, remove: () => undefined };
  hub = startInformers(proxy.kubeConfig('hub'), 'nodemend', 'nodemend-agent', { nodes: ignore, leases: ignore, daemonset: ignore, events: ignore }, silentLogger);
  const allHealthy = () => agents.every((a) => a.synced() && a.healthy()) && hub!.synced() && hub!.healthy();
  await waitFor('every informer synced', async () => allHealthy(), 60_000);
  const informers = AGENTS * 3 + 4;

  const from = Date.now();
  proxy.cut();
  await new Promise((r) => setTimeout(r, OUTAGE_MS));
  const to = Date.now();
  proxy.up();

  const during = proxy.seen.filter((s) => s.at >= from && s.at < to);
  const per = new Map<string, number[]>();
  for (const s of during) {
    const k = `${s.who} ${s.informer}`;
    per.set(k, [...(per.get(k) ?? []), s.at]);
  }
  const counts = [...per.values()].map((v) => v.length).sort((a, b) => a - b);
  const lists = during.filter((s) => !s.watch).length;
  t.diagnostic(`outage of ${((to - from) / 1000).toFixed(0)} s, ${informers} informers: ${during.length} requests (${lists} lists, ${during.length - lists} watches); per informer min ${counts[0]}, median ${counts[counts.length >> 1]}, max ${counts.at(-1)}`);

  // Growing to a 30 s cap from 0.8 s, each delay drawn between half and all of its step:
  // at most 10 tries in 60 s, and no informer tries more often than every 15 s once capped.
  assert.ok(counts.at(-1)! <= 10, `an informer tried ${counts.at(-1)} times in ${OUTAGE_MS / 1000} s`);
  assert.ok(during.length <= informers * 10, `${during.length} requests during the outage`);
  for (const [k, times] of per) {
    const late = times.filter((x) => x >= from + 30_000);
    for (let i = 1; i < late.length; i++) assert.ok(late[i] - late[i - 1] >= 14_000, `${k}: tries ${late[i] - late[i - 1]} ms apart after 30 s`);
  }
  // Jittered: the fleet's last tries before the end are spread out, not in step.
  const last = [...per.values()].map((v) => v.at(-1)!);
  const spread = Math.max(...last) - Math.min(...last);
  assert.ok(spread >= 5_000, `last tries within ${spread} ms of each other`);

  // Capped: every informer is back within one capped delay of the API server's return.
  const back = Date.now();
  await waitFor('every informer healthy again', async () => allHealthy(), 40_000);
  t.diagnostic(`all ${informers} informers healthy ${((Date.now() - back) / 1000).toFixed(1)} s after the outage`);
});
