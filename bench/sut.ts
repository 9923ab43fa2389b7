// The "system under test": what the bench needs from nodemend or Kured. Both are driven by the
// same rollout code (bench/rollout.ts), so the figures differ only by the system.

export interface AgentProc {
  node: string;
  pid: number;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  logPath: string;
  /** Which command-line variant this process runs (nodemend footprint experiments). */
  variant?: string;
  /** Port of its metrics server on 127.0.0.1. */
  metricsPort?: number;
}

export interface LockView {
  /** API path to watch for lock changes, e.g. /apis/apps/v1/namespaces/kube-system/daemonsets. */
  path: string;
  query: Record<string, string>;
  /** Names of the nodes holding the lock, read from one watched object. */
  holders(obj: unknown): string[];
}

export interface RolloutSettings {
  concurrency: number;
  /** Poll period in seconds (Kured's --period; nodemend's fallback resync). */
  periodSeconds: number;
}

export interface SystemUnderTest {
  readonly name: 'nodemend' | 'kured';
  /** The user its agents call the API server as (their ServiceAccount): how the audit log counts them. */
  readonly apiUser: string;
  /** Why the system cannot run here, or null when it can. */
  unavailable(): string | null;
  /** One-time cluster setup (RBAC, lock objects, tokens). */
  prepare(): Promise<void>;
  /** Starts the agent for a node. `sentinel` is the file whose existence means "reboot needed";
   *  `rebootMarker` is the file the agent's reboot command must create. */
  start(node: string, opts: { sentinel: string; rebootMarker: string; settings: RolloutSettings }): Promise<AgentProc>;
  /** How long after start (and after `ready`, if given) before the agent is in its steady state. */
  warmupMs(settings: RolloutSettings): number;
  /** Whether a started agent says it is ready (caches synced); the rollout waits for every agent. */
  ready?(p: AgentProc): Promise<boolean>;
  lock: LockView;
  /** Removes lock state between runs so each run starts clean. */
  resetLock(): Promise<void>;
}
