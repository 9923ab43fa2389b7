// Composition root of the hub: flags -> Kubernetes client -> informers -> stream core -> doors.
// Stateless by design: everything it serves is rebuilt from the cluster at start, so a restart
// (or a second replica) loses nothing that matters; only the streamId and seq numbers change,
// and clients resume with a fresh snapshot whose events they merge by id.

import * as k8s from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isLoopback, TokenAuth, trustedClientKey, TrustedSources, type ReviewPort } from './auth.ts';
import { parseConfig, type HubConfig } from './config.ts';
import type { FlowLimits } from './flow.ts';
import { Hub } from './hub.ts';
import { apiServerAddresses, reviewPort, startInformers } from './informers.ts';
import { errMsg, jsonLogger, type JsonLogger } from '../shared/log.ts';
import { buildInfo } from '../shared/build-info.ts';
import { pooled } from '../../protocol/pool.ts';
import { HubMetrics } from './metrics.ts';
import { Reauth } from './reauth.ts';
import { listen, type Door } from './server.ts';

export interface HubOptions {
  /** Embedded in a test or another process: no signal handlers, no default metrics. */
  embedded?: boolean;
  flow?: FlowLimits;
  log?: JsonLogger;
  /** Overrides the review calls (tests of the door logic only). */
  reviews?: ReviewPort;
  /** How often the TLS files are re-read (default 1 min). */
  tlsReloadMs?: number;
}

export interface HubHandle {
  config: HubConfig;
  hub: Hub;
  metrics: HubMetrics;
  /** Bound ports (useful with port 0). */
  port: number;
  trustedPort?: number;
  ready(): boolean;
  stop(): Promise<void>;
}

export class ConfigError extends Error {}

export async function runHub(argv: string[], env: Record<string, string | undefined> = process.env, opts: HubOptions = {}): Promise<HubHandle> {
  const parsed = parseConfig(argv, env);
  if (!parsed.ok) throw new ConfigError(parsed.error);
  const config = parsed.config;
  const log = opts.log ?? jsonLogger('hub', config.logLevel);
  const kc = new k8s.KubeConfig();
  if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
  else kc.loadFromCluster();
  pooled(kc);

  const metrics = new HubMetrics(!opts.embedded);
  const hub = new Hub({ hubName: env.POD_NAME ?? hostname(), heartbeatMs: config.heartbeatMs, metrics });
  const watched = startInformers(kc, config.namespace, config.daemonset, {
    nodes: { upsert: (n) => hub.node(n), remove: (n) => hub.nodeGone(n) },
    leases: { upsert: (l) => hub.lease(l), remove: (l) => hub.leaseGone(l) },
    daemonset: { upsert: (d) => hub.daemonSet(d), remove: () => hub.daemonSet(undefined) },
    events: { upsert: (e) => hub.event(e), remove: () => {} },
  }, log);
  hub.maxBuffered = config.maxBuffered;
  hub.startTimers();
  const watchTimer = setInterval(() => metrics.watchesHealthy.set(watched.healthy() ? 1 : 0), 1000);
  watchTimer.unref();

  const readTls = (): { cert: string; key: string } | undefined => {
    if (!config.tls) return undefined;
    const read = (flag: string, f: string) => {
      try {
        return readFileSync(f, 'utf8');
      } catch (e) {
        throw new ConfigError(`--${flag}: cannot read ${f}: ${errMsg(e)}`);
      }
    };
    return { cert: read('tls-cert-file', config.tls.certFile), key: read('tls-key-file', config.tls.keyFile) };
  };
  let tls: { cert: string; key: string } | undefined;
  try {
    tls = readTls();
  } catch (e) {
    await watched.stop();
    hub.stop();
    clearInterval(watchTimer);
    throw e;
  }
  const tokens = new TokenAuth(opts.reviews ?? reviewPort(kc, config.tokenAudiences));
  const direct: Door = {
    name: 'direct',
    host: config.listen.host,
    port: config.listen.port,
    authorize: async (_req, token) =>
      config.auth === 'none' ? { ok: true, user: 'anonymous', via: 'auth-disabled' } : tokens.check(token),
    recheck: (token) => tokens.check(token, { fresh: true }),
  };
  if (tls) direct.tls = tls;
  if (config.auth === 'none') {
    log.warn('AUTHENTICATION DISABLED (--auth=none): anyone who reaches the direct listener reads the reboot state of every node', { listen: config.listen });
  }
  let live = false;
  const ready = () => {
    if (!live && watched.synced()) {
      live = true;
      hub.state.goLive();
    }
    return live;
  };
  const deps = { hub, metrics, log, ready, healthy: () => watched.healthy(), maxClients: config.maxClients, maxClientsPerUser: config.maxClientsPerUser, flow: opts.flow };
  const closers: (() => Promise<void>)[] = [];
  const reauth = new Reauth({ intervalMs: config.reauthMs, maxAgeMs: config.maxSessionAgeMs });
  const onRevoked = (s: unknown, reason: string) => {
    metrics.revoked.inc();
    log.warn('access revoked; session closed', { session: (s as { id?: string }).id, user: (s as { user?: string }).user, reason });
  };
  const reauthTimer = setInterval(() => void reauth.walk(hub.sessions, onRevoked), reauth.tickMs);
  reauthTimer.unref();
  const timers: NodeJS.Timeout[] = [watchTimer, reauthTimer];
  let trustedPort: number | undefined;
  try {
    const d = await listen(direct, deps).catch((e: unknown) => {
      // An unusable certificate or key shows up here, when the TLS server is made.
      throw config.tls ? new ConfigError(`--tls-cert-file/--tls-key-file: ${errMsg(e)}`) : e;
    });
    closers.push(d.close);
    if (tls) {
      // Certificates rotate (cert-manager rewrites the files): re-read them every minute.
      const t = setInterval(() => {
        try {
          const next = readTls()!;
          if (next.cert === tls!.cert && next.key === tls!.key) return;
          d.setTls(next);
          tls = next;
          log.info('direct listener certificate reloaded', { certFile: config.tls!.certFile });
        } catch (e) {
          log.warn('could not reload the TLS certificate; keeping the current one', { error: errMsg(e) });
        }
      }, opts.tlsReloadMs ?? 60_000);
      t.unref();
      timers.push(t);
    }
    if (config.listenTrusted) {
      const sources = new TrustedSources(config.trustedCidrs);
      const refresh = () =>
        apiServerAddresses(kc)
          .then((a) => sources.setApiServers(a))
          // Keep the last known addresses: an outage must not open the door, nor close it to the API server.
          .catch((e) => log.warn('could not read the API server addresses; keeping the last known', { error: errMsg(e) }));
      await refresh();
      timers.push(setInterval(refresh, 60_000));
      timers[timers.length - 1].unref();
      const trusted: Door = {
        name: 'trusted',
        host: config.listenTrusted.host,
        port: config.listenTrusted.port,
        authorize: async (req) => {
          const remote = req.socket.remoteAddress;
          if (!remote || !sources.trusts(remote)) {
            return { ok: false, status: 403, reason: `source ${remote} is not the API server or a trusted proxy; use the service proxy, port-forward, or the direct port with a token` };
          }
          const key = trustedClientKey(remote, req.headers['x-forwarded-for'], isLoopback(remote));
          return { ok: true, user: key === 'port-forward' ? 'port-forward' : `service proxy ${key}`, via: 'trusted-source', key };
        },
      };
      const t = await listen(trusted, deps);
      closers.push(t.close);
      trustedPort = t.port;
    }
    log.info('hub started', { version: buildInfo.version, commit: buildInfo.commit, streamId: hub.streamId, listen: `${tls ? 'https' : 'http'}://${config.listen.host}:${d.port}`, trusted: trustedPort, namespace: config.namespace, auth: config.auth });
    let stopping: Promise<void> | undefined;
    const handle: HubHandle = {
      config,
      hub,
      metrics,
      port: d.port,
      trustedPort,
      ready,
      stop: () =>
        (stopping ??= (async () => {
          for (const t of timers) clearInterval(t);
          hub.stop();
          await Promise.all(closers.map((c) => c()));
          await watched.stop();
          log.info('hub stopped', { streamId: hub.streamId });
        })()),
    };
    if (!opts.embedded) {
      for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => void handle.stop().then(() => process.exit(0)));
    }
    return handle;
  } catch (e) {
    for (const t of timers) clearInterval(t);
    hub.stop();
    await Promise.all(closers.map((c) => c()));
    await watched.stop();
    throw e;
  }
}
