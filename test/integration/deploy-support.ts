// Shared by the deploy-*.test.ts files: what each overlay must set, and small lookups.

import * as k8s from '@kubernetes/client-node';
import type { Manifest } from '../../extension/kube/manifests.ts';

export interface OverlayWant {
  hostPID: boolean;
  privileged: boolean;
  root: boolean;
  /** Added capabilities, with everything else dropped; undefined = not checked (privileged). */
  caps?: string[];
  /** Settings the agent's ConfigMap must carry. */
  env: Record<string, string>;
}

const COMMAND = { hostPID: true, privileged: true, root: true };

export const CONFIG_FOR: Record<string, OverlayWant> = {
  default: { ...COMMAND, env: { NODEMEND_REBOOT_METHOD: 'command', NODEMEND_CONCURRENCY: '1', NODEMEND_LOCK_NAMESPACE: 'nodemend' } },
  'signal-reboot': { hostPID: true, privileged: false, root: true, caps: ['KILL'], env: { NODEMEND_REBOOT_METHOD: 'signal', NODEMEND_REBOOT_SIGNAL: '39' } },
  'dry-run': { hostPID: false, privileged: false, root: false, caps: [], env: { NODEMEND_DRY_RUN: 'true' } },
  'prometheus-blocker': { ...COMMAND, env: { NODEMEND_PROMETHEUS_URL: 'http://prometheus-operated.monitoring.svc:9090', NODEMEND_ALERT_FIRING_ONLY: 'true' } },
  'node-problem-detector': { ...COMMAND, env: { NODEMEND_REBOOT_ON_CONDITION: 'KernelDeadlock=True:for 5m;ReadonlyFilesystem=True:for 5m;FrequentContainerdRestart=True:for 15m;FrequentKubeletRestart=True:for 15m' } },
  'per-zone-concurrency': {
    ...COMMAND,
    env: { NODEMEND_CONCURRENCY: '3', NODEMEND_CONCURRENCY_SCOPE: 'topology.kubernetes.io/zone', NODEMEND_CONCURRENCY_PER_SCOPE: '1' },
  },
};

export function byKind(objs: Manifest[], kind: string, name: string): Manifest {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind}/${name} in the render`);
  return o;
}

export function container(w: Manifest): k8s.V1Container {
  return (w.spec as k8s.V1DaemonSetSpec).template.spec!.containers[0];
}

