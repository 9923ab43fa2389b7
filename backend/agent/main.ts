// Composition root of the agent: flags -> Kubernetes client -> real adapters -> runtime loop,
// plus the metrics/health endpoint and signal handling. A configuration error stops start-up
// with every problem listed (exit 2, via ConfigError); once running, nothing ends the process
// but a signal.

import * as k8s from '@kubernetes/client-node';
import { hostname } from 'node:os';
import { ConfigError } from '../hub/main.ts';
import { buildInfo, versionLine } from '../shared/build-info.ts';
import { jsonLogger, type JsonLogger, type LogWrite } from '../shared/log.ts';
import { parseConfig, type AgentConfig } from './config/config.ts';
import { usage } from './config/flags.ts';
import { wireAdapters, type KubeAdapters } from './kube/wire.ts';
import { pooled } from '../../protocol/pool.ts';
import { startMetricsServer, type RunningServer } from './metrics/server.ts';
import type { Clock, Host, Random } from './ports.ts';
import { AgentRuntime } from './runtime/agent.ts';
import { systemClock } from './runtime/wake.ts';

export interface AgentOptions {
  /** Replaces the real host (sentinel + reboot): the simulated host does. */
  host?: Host;
  log?: JsonLogger;
  random?: Random;
  /** Replaces the system clock (the simulated fleet's skewed machine clocks); the lock reads it too. */
  clock?: Clock;
  /** Identity shown in the node state (default POD_NAME, then the hostname). */
  agent?: string;
  /** Serve /metrics, /healthz, /readyz (default true). */
  metricsServer?: boolean;
  evictionRetryMs?: number;
  /** A stop asked for before or during start-up (the signal handlers' own, installed first). */
  signal?: AbortSignal;
}

export interface AgentHandle {
  config: AgentConfig;
  runtime: AgentRuntime;
  adapters: KubeAdapters;
  metricsPort?: number;
  /** Resolves when the loop has ended (after stop() or the signal). */
  done: Promise<void>;
  /** Ends the loop and stops informers; a held lock stays held (its stage lets a restart resume). */
  stop(): Promise<void>;
}

/** Starts one agent on a validated configuration. */
export async function startAgent(config: AgentConfig, kc: k8s.KubeConfig, o: AgentOptions = {}): Promise<AgentHandle> {
  const log = (o.log ?? jsonLogger('agent', config.logLevel)).with({ node: config.nodeId });
  const clock = o.clock ?? systemClock;
  const adapters = wireAdapters(pooled(kc), config, log, { host: o.host, evictionRetryMs: o.evictionRetryMs, ...(o.clock ? { now: o.clock.now } : {}) });
  const runtime = new AgentRuntime({
    config,
    node: adapters.node,
    lock: adapters.lock,
    drain: adapters.drain,
    host: adapters.host,
    blockers: adapters.blockers,
    healthGate: adapters.healthGate,
    ...(adapters.kured ? { kured: adapters.kured } : {}),
    notifier: adapters.notifier,
    metrics: adapters.metrics,
    clock,
    random: o.random ?? Math.random,
    log,
    onLockChange: (cb) => adapters.informers.subscribe(['leases'], cb),
    agent: o.agent ?? process.env.POD_NAME ?? hostname(),
  });
  let server: RunningServer | undefined;
  if (o.metricsServer !== false) {
    server = await startMetricsServer({
      host: config.metrics.host || '0.0.0.0',
      port: config.metrics.port,
      registry: adapters.metrics.registry,
      // Alive while the loop completes rounds; a wedged loop gets the pod restarted.
      healthy: () => runtime.lastRound === 0 || clock.now() - runtime.lastRound < Math.max(5 * config.periodMs, 600_000) || runtime.drainAbort !== undefined,
      ready: () => adapters.informers.synced(),
    });
  }
  const ac = new AbortController();
  if (o.signal?.aborted) ac.abort();
  o.signal?.addEventListener('abort', () => ac.abort(), { once: true });
  // The first decisions need the node and the DaemonSet: wait for the caches (bounded; the loop
  // copes with a missing node by waiting anyway). A stop meanwhile ends the wait: the loop then
  // returns at once and everything started so far is stopped.
  const synced = Promise.all([adapters.informers.waitSynced(30_000), adapters.kured?.waitSynced(30_000)]).catch((e: unknown) => {
    if (!ac.signal.aborted) log.warn('informers not synced yet; starting anyway', { error: String(e) });
  });
  await Promise.race([synced, new Promise<void>((r) => (ac.signal.aborted ? r() : ac.signal.addEventListener('abort', () => r(), { once: true })))]);
  const done = runtime.run(ac.signal).finally(async () => {
    await adapters.stop();
    await server?.close();
  });
  return {
    config,
    runtime,
    adapters,
    ...(server ? { metricsPort: server.port } : {}),
    done,
    async stop() {
      ac.abort();
      await done;
    },
  };
}

/** `nodemend agent [flags]`. */
export async function runAgentMain(argv: string[], env: Record<string, string | undefined>): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage());
    return;
  }
  if (argv.includes('--version')) {
    console.log(versionLine());
    return;
  }
  const parsed = parseConfig(argv, env);
  if (!parsed.ok) throw new ConfigError(`agent configuration invalid:\n  ${parsed.errors.join('\n  ')}\n(see nodemend agent --help)`);
  const config = parsed.config;
  const log = jsonLogger('agent', config.logLevel, config.logFormat === 'text' ? textWrite : undefined);
  log.info('nodemend agent starting', { version: buildInfo.version, commit: buildInfo.commit, nodejs: process.version });
  for (const w of parsed.warnings) log.warn(w);
  // Signal handlers first: start-up waits up to 30 s for the informers, and as PID 1 of its
  // container (no hostPID) the agent has no default SIGTERM action, so a signal not handled yet
  // was lost and the pod was killed only after its termination grace period.
  const stopping = new AbortController();
  const stop = (sig: string) => () => {
    log.info('stop requested', { signal: sig });
    stopping.abort();
  };
  process.once('SIGTERM', stop('SIGTERM'));
  process.once('SIGINT', stop('SIGINT'));
  const kc = new k8s.KubeConfig();
  if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
  else kc.loadFromCluster();
  const agent = await startAgent(config, kc, { log, signal: stopping.signal });
  await agent.done;
}

/** --log-format=text: "time level msg key=value ..." from the JSON record. */
const textWrite: LogWrite = (line, err) => {
  let out = line;
  try {
    const { time, level, msg, component: _c, ...rest } = JSON.parse(line) as Record<string, unknown>;
    const kv = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v)}`);
    out = [time, String(level).toUpperCase(), msg, ...kv].join(' ');
  } catch {
    // keep the JSON line
  }
  (err ? process.stderr : process.stdout).write(out + '\n');
};
