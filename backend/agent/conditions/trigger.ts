// The NodePort with the reboot's trigger added to every published state: what asks for the
// reboot (sentinel, command, node condition, a person's request) is known to the host wrapper
// (host.ts), which saw the answer the decision was made on, so the state is completed here on
// its way out rather than carried through the decision core.

import type { AgentNodeState, RebootRecord } from '../../../protocol/model.ts';
import type { Disposable, NodeFacts, NodePort } from '../ports.ts';
import type { ConditionHost } from './host.ts';

export class TriggerNode implements NodePort {
  private readonly n: NodePort;
  private readonly host: ConditionHost;
  private readonly now: () => number;

  constructor(n: NodePort, host: ConditionHost, now: () => number) {
    this.n = n;
    this.host = host;
    this.now = now;
  }

  publishState(state: AgentNodeState): Promise<void> {
    const { trigger: _t, ...rest } = state;
    const trigger = state.rebootRequired ? this.host.trigger(this.n.facts()?.annotations ?? {}, this.now()) : undefined;
    return this.n.publishState(trigger ? { ...rest, trigger } : rest);
  }

  facts(): NodeFacts | undefined {
    return this.n.facts();
  }
  onChange(cb: () => void): Disposable {
    return this.n.onChange(cb);
  }
  clusterAnnotations(): Record<string, string> {
    return this.n.clusterAnnotations();
  }
  cordon(): Promise<boolean> {
    return this.n.cordon();
  }
  uncordon(): Promise<boolean> {
    return this.n.uncordon();
  }
  appendHistory(rec: RebootRecord): Promise<void> {
    return this.n.appendHistory(rec);
  }
  clearRequests(keys: string[]): Promise<void> {
    return this.n.clearRequests(keys);
  }
  setLabels(labels: Record<string, string | null>): Promise<void> {
    return this.n.setLabels(labels);
  }
  setPreferNoScheduleTaint(key: string, present: boolean): Promise<void> {
    return this.n.setPreferNoScheduleTaint(key, present);
  }
  event(type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    return this.n.event(type, reason, message);
  }
}
