// One kept-alive connection pool per process and TLS identity. @kubernetes/client-node 2.0 builds
// a new undici Agent for every request and every watch (KubeConfig.createDispatcher, called from
// applySecurityAuthentication), so each request paid a TCP and TLS handshake: 1.7-1.9 ms of API
// server CPU per GET against 0.35-0.41 ms over a kept-alive connection (docs/scale.md), and on a
// slow node seconds per request. Here createDispatcher is memoised by the options it is given
// (server, proxy, CA, client certificate and key): the same identity reuses one Agent, and a
// rotated client certificate gets a new one. Bearer tokens travel in headers, so a rotated
// service-account token keeps the pool.
//
// createDispatcher is private in client-node's types: pooled() checks that it exists and throws
// at start-up otherwise, and test/integration/pool.test.ts counts the TLS handshakes against the
// real API server, so an upgrade that changes it fails loudly.

import { createHash } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';

type Dispatch = (cluster: unknown, agentOptions: Record<string, unknown>) => unknown;
interface WithDispatcher {
  createDispatcher?: Dispatch;
  [POOLED]?: true;
}
const POOLED = Symbol('nodemend.pooled');

/** How many pools one KubeConfig keeps: an identity rotates rarely; older pools are closed. */
const MAX_POOLS = 4;

function keyOf(cluster: unknown, opts: Record<string, unknown>): string {
  const c = (cluster ?? {}) as { server?: string; proxyUrl?: string; skipTLSVerify?: boolean };
  const h = createHash('sha256');
  h.update(JSON.stringify([c.server, c.proxyUrl, c.skipTLSVerify]));
  for (const k of Object.keys(opts).sort()) {
    const v = opts[k];
    if (v === undefined) continue;
    h.update(`\0${k}=`);
    h.update(Buffer.isBuffer(v) ? v : JSON.stringify(v));
  }
  return h.digest('hex');
}

/** Makes every request and watch of `kc` share kept-alive connections. Returns `kc`. */
export function pooled(kc: k8s.KubeConfig): k8s.KubeConfig {
  const o = kc as unknown as WithDispatcher;
  if (o[POOLED]) return kc;
  const make = o.createDispatcher;
  if (typeof make !== 'function') throw new Error('@kubernetes/client-node has no KubeConfig.createDispatcher: connection pooling needs updating for this version');
  const pools = new Map<string, unknown>();
  o.createDispatcher = function (cluster, agentOptions) {
    const key = keyOf(cluster, agentOptions);
    if (pools.has(key)) return pools.get(key);
    const d = make.call(kc, cluster, agentOptions);
    pools.set(key, d);
    while (pools.size > MAX_POOLS) {
      const [oldest, old] = pools.entries().next().value!;
      pools.delete(oldest);
      // Requests in flight finish; close() only stops new ones from using it.
      void (old as { close?: () => Promise<void> } | undefined)?.close?.().catch(() => undefined);
    }
    return d;
  };
  o[POOLED] = true;
  return kc;
}
