// The health gate after a reboot (and between nodes): every PodDisruptionBudget in the cluster has
// at least its desired number of healthy pods, and no blocking alert fires. Cannot tell = not
// healthy, with the reason; the runtime decides how long to wait.

import * as k8s from '@kubernetes/client-node';
import type { HealthGate } from '../ports.ts';
import { apiMessage, withTimeout } from '../../shared/kube.ts';
import { pdbInfo, pdbKey } from '../drain/pdb.ts';
import type { AlertsBlocker } from './alerts.ts';

export class ClusterHealthGate implements HealthGate {
  private readonly policy: k8s.PolicyV1Api;
  private readonly alerts: AlertsBlocker | undefined;

  constructor(kc: k8s.KubeConfig, alerts?: AlertsBlocker) {
    this.policy = kc.makeApiClient(k8s.PolicyV1Api);
    this.alerts = alerts;
  }

  async check(): Promise<{ healthy: true } | { healthy: false; reason: string }> {
    let items: k8s.V1PodDisruptionBudget[];
    try {
      items = (await withTimeout(this.policy.listPodDisruptionBudgetForAllNamespaces(), 15_000, 'list PodDisruptionBudgets')).items;
    } catch (e) {
      return { healthy: false, reason: `cannot list PodDisruptionBudgets: ${apiMessage(e)}` };
    }
    const short = items.map(pdbInfo).filter((b) => !b.observed || b.currentHealthy < b.desiredHealthy);
    if (short.length) {
      const names = short.slice(0, 5).map((b) => (b.observed ? `${pdbKey(b)} (${b.currentHealthy}/${b.desiredHealthy} healthy)` : `${pdbKey(b)} (not yet evaluated)`));
      return { healthy: false, reason: `PodDisruptionBudgets below their desired healthy count: ${names.join(', ')}${short.length > 5 ? ', ...' : ''}` };
    }
    if (this.alerts) {
      const a = await this.alerts.check();
      if (a.blocked) return { healthy: false, reason: a.reason };
    }
    return { healthy: true };
  }
}
