// Webhook notifications for drain, reboot, back-in-service and failures: a generic JSON body, or
// Slack's incoming-webhook shape ({text}) which Mattermost, Rocket.Chat and Teams' Slack-compatible
// endpoints also accept. A notification never holds up or fails a reboot: errors and timeouts are
// logged and swallowed.

import type { Logger, Notifier, NotifyKind } from '../ports.ts';
import { errMsg } from '../../shared/log.ts';

export type WebhookFormat = 'json' | 'slack';

export interface WebhookOptions {
  url: string;
  /** auto (default): slack for hooks.slack.com URLs, json otherwise. */
  format?: WebhookFormat | 'auto';
  timeoutMs?: number;
  /** Per-kind message templates; %s is the node name (Kured's --message-template-*). */
  templates?: Partial<Record<NotifyKind, string>>;
  cluster?: string;
}

export class WebhookNotifier implements Notifier {
  private readonly o: WebhookOptions;
  private readonly format: WebhookFormat;
  private readonly log: Logger;
  private readonly host: string;

  constructor(o: WebhookOptions, log: Logger) {
    let u: URL;
    try {
      u = new URL(o.url);
    } catch {
      throw new Error('notify-url: not a URL; expected e.g. https://hooks.slack.com/services/...');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`notify-url: must be http or https, got ${u.protocol}`);
    this.o = o;
    this.host = u.host;
    this.format = o.format === 'json' || o.format === 'slack' ? o.format : u.hostname === 'hooks.slack.com' ? 'slack' : 'json';
    this.log = log;
  }

  async notify(kind: NotifyKind, node: string, message: string): Promise<void> {
    const tpl = this.o.templates?.[kind];
    const text = tpl ? tpl.replaceAll('%s', node) : message;
    const body =
      this.format === 'slack'
        ? { text: this.o.cluster ? `[${this.o.cluster}] ${text}` : text }
        : { kind, node, message: text, time: new Date().toISOString(), ...(this.o.cluster ? { cluster: this.o.cluster } : {}) };
    try {
      const res = await fetch(this.o.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
      });
      // Drain the body so the connection is released.
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) this.log.warn('notification refused', { kind, host: this.host, status: res.status });
    } catch (e) {
      // The URL may carry a secret (Slack keys): log only the host.
      this.log.warn('notification failed', { kind, host: this.host, error: errMsg(e) });
    }
  }
}

/** Fans one notification out to several notifiers (or none). */
export class Notifiers implements Notifier {
  private readonly all: Notifier[];
  constructor(all: Notifier[]) {
    this.all = all;
  }
  async notify(kind: NotifyKind, node: string, message: string): Promise<void> {
    await Promise.all(this.all.map((n) => n.notify(kind, node, message)));
  }
}
