// An independent observer for tests and the demo: it watches Node objects (not the agents, not
// the Leases) and records how many nodes were disrupted at once, overall and per zone. A node
// counts as disrupted while nodemend has it cordoned or while it is NotReady: exactly what the
// concurrency limits promise to bound.

import * as k8s from '@kubernetes/client-node';
import { A } from '../../../protocol/annotations.ts';

export interface DisruptionSample {
  at: number;
  disrupted: string[];
}

export class DisruptionWatcher {
  private readonly informer: k8s.Informer<k8s.V1Node> & k8s.ObjectCache<k8s.V1Node>;
  private readonly zoneLabel: string;
  readonly samples: DisruptionSample[] = [];
  maxTotal = 0;
  readonly maxPerZone = new Map<string, number>();
  /** Every node seen disrupted at least once. */
  readonly everDisrupted = new Set<string>();
  private last = '';
  private stopped = false;

  constructor(kc: k8s.KubeConfig, zoneLabel = 'topology.kubernetes.io/zone') {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    this.zoneLabel = zoneLabel;
    this.informer = k8s.makeInformer(kc, '/api/v1/nodes', () => core.listNode());
    const on = () => this.sample();
    this.informer.on('add', on);
    this.informer.on('update', on);
    this.informer.on('delete', on);
    // Restart after a watch error (an API server restart in a fault test), never after stop().
    this.informer.on('error', () => {
      if (!this.stopped) setTimeout(() => void (this.stopped ? undefined : this.informer.start().catch(() => {})), 1000).unref();
    });
  }

  static disrupted(n: k8s.V1Node): boolean {
    const ready = n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    const ours = n.metadata?.annotations?.[A.cordonedBy] !== undefined && !!n.spec?.unschedulable;
    return ours || !ready;
  }

  async start(): Promise<void> {
    await this.informer.start();
    this.sample();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.informer.stop();
  }

  private sample(): void {
    const nodes = this.informer.list();
    const disrupted = nodes.filter((n) => DisruptionWatcher.disrupted(n));
    const names = disrupted.map((n) => n.metadata!.name!).sort();
    const key = names.join(',');
    if (key === this.last) return;
    this.last = key;
    this.samples.push({ at: Date.now(), disrupted: names });
    for (const n of names) this.everDisrupted.add(n);
    this.maxTotal = Math.max(this.maxTotal, names.length);
    const perZone = new Map<string, number>();
    for (const n of disrupted) {
      const z = n.metadata?.labels?.[this.zoneLabel] ?? '';
      perZone.set(z, (perZone.get(z) ?? 0) + 1);
    }
    for (const [z, k] of perZone) this.maxPerZone.set(z, Math.max(this.maxPerZone.get(z) ?? 0, k));
  }
}
