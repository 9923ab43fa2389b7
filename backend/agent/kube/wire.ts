// Builds every real adapter of one agent from its validated configuration: the composition the
// DaemonSet entry point needs, kept here so the runtime (and its tests) only ever see the ports.
// All clients share one KubeConfig; all Kubernetes reads on the hot path come from the informers.

import * as k8s from '@kubernetes/client-node';
import type { AgentConfig } from '../config/config.ts';
import type { Blocker, DrainPort, HealthGate, Host, LockPort, Notifier, NodePort } from '../ports.ts';
import type { JsonLogger } from '../../shared/log.ts';
import { AgentInformers } from './informers.ts';
import { KubeNode } from './node.ts';
import { LeaseLock } from '../lock/lease.ts';
import { KuredWatch } from '../lock/kured-watch.ts';
import { KubeDrain } from '../drain/drain.ts';
import { AlertsBlocker } from '../blockers/alerts.ts';
import { PodSelectorBlocker } from '../blockers/pods.ts';
import { ClusterHealthGate } from '../blockers/health.ts';
import { Notifiers } from '../notify/webhook.ts';
import { createNotifier } from '../notify/send.ts';
import { AgentMetrics } from '../metrics/metrics.ts';
import { FileSentinel } from '../sentinel/file.ts';
import { CommandSentinel } from '../sentinel/command.ts';
import { CommandReboot, SignalReboot } from '../reboot/reboot.ts';
import { NodeHost } from '../reboot/host.ts';
import { annotator, ConditionHost } from '../conditions/host.ts';
import { ConditionStormBlocker } from '../conditions/storm.ts';
import { TriggerNode } from '../conditions/trigger.ts';

export interface KubeAdapters {
  informers: AgentInformers;
  node: NodePort;
  lock: LockPort & { stop(): void };
  drain: DrainPort;
  blockers: Blocker[];
  /** Present unless --kured-ds-name is empty (cutover from Kured). */
  kured?: KuredWatch;
  /** Present when --health-gate is on. */
  healthGate?: HealthGate;
  notifier: Notifier;
  host: Host;
  metrics: AgentMetrics;
  /** Stops informers and lock renewal (not the lock itself: a reboot keeps it held). */
  stop(): Promise<void>;
}

export interface WireOptions {
  /** Replace the real host (sentinel + reboot), e.g. by the simulated one. */
  host?: Host;
  /** Retry delay after a 429 eviction (default 5 s). */
  evictionRetryMs?: number;
  /** The lock's clock (default Date.now): the simulated fleet's skewed machine clocks. */
  now?: () => number;
}

export function wireAdapters(kc: k8s.KubeConfig, cfg: AgentConfig, log: JsonLogger, o: WireOptions = {}): KubeAdapters {
  const node = cfg.nodeId;
  const metrics = new AgentMetrics(node);
  const onApiError = (op: string) => metrics.apiError(op);
  const informers = new AgentInformers(kc, { node, namespace: cfg.dsNamespace, daemonSet: cfg.dsName }, log.with({ part: 'informers' }));
  // Leases live in --lock-namespace; when it differs from the DaemonSet's, the lock still works
  // (fresh lists) but without the cache, so waiting agents cost one list per attempt.
  const cachedLeases = cfg.lockNamespace === cfg.dsNamespace ? () => informers.leaseList() : undefined;
  const lock = new LeaseLock(
    kc,
    {
      node,
      namespace: cfg.lockNamespace,
      clusterLimit: cfg.concurrency,
      scope: cfg.scope,
      graceMs: cfg.staleLockGraceMs,
      maxRebootMs: cfg.maxRebootDurationMs,
      nodeLabels: () => informers.node()?.metadata?.labels,
      cachedLeases,
      ...(cachedLeases ? { leaseWatch: informers.leases } : {}),
      onApiError,
      ...(o.now ? { now: o.now } : {}),
      // Durations by a monotonic clock, even when the wall clock is a skewed machine's (finding 11).
      elapsed: () => performance.now(),
    },
    log.with({ part: 'lock' }),
  );
  const kured = cfg.kured ? new KuredWatch(kc, { node, ...cfg.kured, onApiError }, log.with({ part: 'kured' })) : undefined;
  const alerts = cfg.prometheus ? new AlertsBlocker(cfg.prometheus) : undefined;
  const blockers: Blocker[] = [];
  if (alerts) blockers.push(alerts);
  if (cfg.blockingPodSelectors.length) blockers.push(new PodSelectorBlocker(kc, node, cfg.blockingPodSelectors));
  const notifier = cfg.notify ? createNotifier(cfg.notify, log.with({ part: 'notify' }), { templates: cfg.messages }) : new Notifiers([]);
  const sentinel = cfg.sentinel.kind === 'file' ? new FileSentinel({ path: cfg.sentinel.path, recheckMs: cfg.periodMs }) : new CommandSentinel({ command: cfg.sentinel.argv, periodMs: cfg.periodMs });
  const rebooter = cfg.reboot.method === 'command' ? new CommandReboot({ command: cfg.reboot.argv }) : new SignalReboot({ signal: cfg.reboot.signal });
  const now = o.now ?? Date.now;
  const kubeNode = new KubeNode(kc, informers, { node, onApiError }, log.with({ part: 'node' }));
  // Node conditions join the sentinel behind the Host port; the trigger joins the published state.
  const host = new ConditionHost(o.host ?? new NodeHost(sentinel, rebooter), {
    conditions: cfg.conditions,
    sentinel: cfg.sentinel.kind === 'file' ? { kind: 'sentinel', detail: cfg.sentinel.path } : { kind: 'command', detail: cfg.sentinel.argv.join(' ') },
    periodMs: cfg.periodMs,
    node,
    readNode: () => informers.node(),
    onNodeChange: (cb) => informers.subscribe(['node'], cb),
    annotate: annotator(kc, node),
    event: (type, reason, message) => kubeNode.event(type, reason, message),
    now,
  });
  if (cfg.conditions.rules.length) {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    blockers.push(new ConditionStormBlocker({ isCondition: () => host.trigger(informers.node()?.metadata?.annotations ?? {}, now())?.kind === 'condition', list: async () => (await core.listNode()).items, cfg: cfg.conditions, now }));
  }
  const out: KubeAdapters = {
    informers,
    node: new TriggerNode(kubeNode, host, now),
    lock,
    drain: new KubeDrain(kc, { node, retryDelayMs: o.evictionRetryMs, onApiError }, log.with({ part: 'drain' })),
    blockers,
    notifier,
    host,
    metrics,
    async stop() {
      lock.stop();
      await Promise.all([informers.stop(), kured?.stop()]);
    },
  };
  if (kured) out.kured = kured;
  if (cfg.healthGate) out.healthGate = new ClusterHealthGate(kc, alerts);
  return out;
}
