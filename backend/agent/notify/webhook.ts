// Webhook notifications for drain, reboot, back-in-service and failures: a generic JSON body, or
// Slack's incoming-webhook shape ({text}) which Mattermost, Rocket.Chat and Teams' Slack-compatible
// endpoints also accept. A notification never holds up or fails a reboot: errors and timeouts are
// logged and swallowed.

import type { Logger, Notifier, NotifyKind } from '../ports.ts';
import { errMsg } from '../../shared/log.ts';
import { redactUrl, request } from '../http/request.ts';

/** A webhook's answer is a few bytes ("ok", {}); more is read no further. */
export const NOTIFY_ANSWER_MAX_BYTES = 64 * 1024;

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
  /** The URL as logs show it (redactUrl): no credentials, query values or path keys. */
  private readonly shown: string;

  constructor(o: WebhookOptions, log: Logger) {
    let u: URL;
    try {
      u = new URL(o.url);
    } catch {
      throw new Error('notify-url: not a URL; expected e.g. https://hooks.slack.com/services/...');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`notify-url: must be http or https, got ${u.protocol}`);
    this.o = o;
    this.shown = redactUrl(u);
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
      const res = await request({
        url: this.o.url,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        timeoutMs: this.o.timeoutMs ?? 10_000,
        maxBytes: NOTIFY_ANSWER_MAX_BYTES,
      });
      if (res.status >= 300) this.log.warn('notification refused', { kind, url: this.shown, status: res.status });
    } catch (e) {
      // request() names the URL redacted; user:password@ went as a Basic header.
      this.log.warn('notification failed', { kind, url: this.shown, error: errMsg(e) });
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
