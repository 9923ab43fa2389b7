// Kubernetes Events on the agent's Node (core/v1, in the "default" namespace as the kubelet does,
// so `kubectl describe node` and the hub show them). A repeat of the same type, reason and message
// within the dedupe window bumps the existing Event's count instead of creating another, the way
// client-go's recorder aggregates: a node blocked for a day yields one Event, not thousands.
// An Event with a key (the outcome of a reboot attempt) has a name derived from the key instead:
// the API server refuses a second one with that name, so a step repeated by a restarted process
// records nothing twice. Events are best effort: a failure is logged and never stops the agent.

import * as k8s from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import type { Logger } from '../ports.ts';
import { apiMessage, code, mergePatch } from '../../shared/kube.ts';
import { AGENT_EVENT_COMPONENT, NODE_EVENTS_NAMESPACE } from '../../../protocol/events.ts';

export interface EventOptions {
  node: string;
  component?: string;
  /** Same event within this window updates the count (default 10 min). */
  dedupeWindowMs?: number;
  namespace?: string;
  now?: () => number;
  onApiError?: (op: string) => void;
}

const MAX_MESSAGE = 1024;

interface Sent {
  name: string;
  count: number;
  first: number;
  last: number;
}

export class EventRecorder {
  private readonly core: k8s.CoreV1Api;
  private readonly opts: Required<Omit<EventOptions, 'onApiError'>> & Pick<EventOptions, 'onApiError'>;
  private readonly log: Logger;
  private readonly sent = new Map<string, Sent>();
  private seq = 0;

  constructor(kc: k8s.KubeConfig, opts: EventOptions, log: Logger) {
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.opts = {
      ...opts,
      component: opts.component ?? AGENT_EVENT_COMPONENT,
      dedupeWindowMs: opts.dedupeWindowMs ?? 10 * 60_000,
      namespace: opts.namespace ?? NODE_EVENTS_NAMESPACE,
      now: opts.now ?? Date.now,
    };
    this.log = log;
  }

  async record(type: 'Normal' | 'Warning', reason: string, message: string, uid?: string, once?: string): Promise<void> {
    const msg = message.length > MAX_MESSAGE ? message.slice(0, MAX_MESSAGE - 3) + '...' : message;
    const key = `${type}\u0000${reason}\u0000${msg}`;
    const now = this.opts.now();
    const prev = this.sent.get(key);
    try {
      if (once !== undefined) {
        const name = `${this.opts.node}.${createHash('sha256').update(once).digest('hex').slice(0, 20)}`;
        await this.core.createNamespacedEvent({ namespace: this.opts.namespace, body: this.body(name, type, reason, msg, now, uid) }).catch((e: unknown) => {
          // Already there: recorded before (by this process or the one before a restart).
          if (code(e) !== 409) throw e;
        });
        return;
      }
      if (prev && now - prev.last < this.opts.dedupeWindowMs) {
        prev.count++;
        prev.last = now;
        try {
          await this.core.patchNamespacedEvent(
            { name: prev.name, namespace: this.opts.namespace, body: { count: prev.count, lastTimestamp: new Date(now) } },
            mergePatch(),
          );
          return;
        } catch (e) {
          // The Event expired (the API server keeps them one hour) or was deleted: make a new one.
          if (code(e) !== 404) throw e;
        }
      }
      const name = `${this.opts.node}.${now.toString(16)}${(this.seq++ % 4096).toString(16).padStart(3, '0')}`;
      await this.core.createNamespacedEvent({ namespace: this.opts.namespace, body: this.body(name, type, reason, msg, now, uid) });
      this.sent.set(key, { name, count: 1, first: now, last: now });
      this.prune(now);
    } catch (e) {
      this.opts.onApiError?.('event');
      this.log.warn('could not record event', { reason, error: apiMessage(e) });
    }
  }

  private body(name: string, type: string, reason: string, message: string, now: number, uid: string | undefined): k8s.CoreV1Event {
    return {
      metadata: { name, namespace: this.opts.namespace },
      involvedObject: { kind: 'Node', apiVersion: 'v1', name: this.opts.node, uid },
      type,
      reason,
      message,
      count: 1,
      firstTimestamp: new Date(now),
      lastTimestamp: new Date(now),
      source: { component: this.opts.component, host: this.opts.node },
      reportingComponent: this.opts.component,
      reportingInstance: this.opts.node,
    };
  }

  private prune(now: number): void {
    for (const [k, s] of this.sent) if (now - s.last >= this.opts.dedupeWindowMs) this.sent.delete(k);
  }
}
