// What the runtime loop is built from: the ports, the validated configuration, and the clock and
// randomness. main.ts wires real adapters; the simulated host and the tests wire their own.

import type { RebootOutcome } from '../../../protocol/model.ts';
import type { AgentConfig } from '../config/config.ts';
import type { BlockKind, CoreConfig } from '../core/types.ts';
import type { Blocker, Clock, Disposable, DrainPort, HealthGate, Host, KuredPort, LockPort, Logger, NodePort, Notifier, Random } from '../ports.ts';

export type RuntimeConfig = CoreConfig & Pick<AgentConfig, 'nodeId' | 'drain' | 'preRebootLabels' | 'postRebootLabels' | 'preferNoScheduleTaint' | 'concurrency' | 'scope'>;

/** The metrics the runtime reports (backend/agent/metrics/metrics.ts implements them). */
export interface RuntimeMetrics {
  setRebootRequired(required: boolean): void;
  setLockHeld(held: boolean): void;
  setBlocked(reasons: readonly BlockKind[]): void;
  observeDrain(seconds: number, ok: boolean): void;
  reboot(outcome: RebootOutcome): void;
}

export interface AgentDeps {
  config: RuntimeConfig;
  node: NodePort;
  lock: LockPort;
  drain: DrainPort;
  host: Host;
  blockers: Blocker[];
  healthGate?: HealthGate;
  /** Kured's lock during a cutover from Kured (--kured-ds-name); absent = off. */
  kured?: KuredPort;
  notifier: Notifier;
  metrics?: RuntimeMetrics;
  clock: Clock;
  random: Random;
  log: Logger;
  /** Calls back when the lock Leases change (a slot may have been freed); without it, waiting agents poll every --period. */
  onLockChange?: (cb: () => void) => Disposable;
  /** Who publishes the state (pod name), shown in nodemend.dev/state. */
  agent: string;
}
