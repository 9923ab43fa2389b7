// Sends notifications to a NotifyTarget the way shoutrrr (Kured's notifier) does: the same
// requests and bodies for Slack, Teams Workflows and generic webhooks, e-mail through nodemailer.
// As with the webhook, a notification never holds up or fails a reboot: errors and timeouts are
// logged (URLs redacted: they and the tokens carry secrets) and swallowed.

import { hostname } from 'node:os';
import nodemailer from 'nodemailer';
import type { Logger, Notifier, NotifyKind } from '../ports.ts';
import { errMsg } from '../../shared/log.ts';
import { NOTIFY_ANSWER_MAX_BYTES, WebhookNotifier } from './webhook.ts';
import { request } from '../http/request.ts';
import { targetHost, type GenericTarget, type NotifyTarget, type SlackTarget, type SmtpTarget, type TeamsTarget } from './shoutrrr.ts';

export interface SendOptions {
  /** Per-kind message templates; %s is the node name (Kured's --message-template-*). */
  templates?: Partial<Record<NotifyKind, string>>;
  timeoutMs?: number;
  /** Tests point Slack at a local server: webhook base (…/services/) and bot API URL. */
  slackWebhookBase?: string;
  slackApiUrl?: string;
}

export function createNotifier(target: NotifyTarget, log: Logger, o: SendOptions = {}): Notifier {
  if (target.kind === 'webhook') return new WebhookNotifier({ url: target.url, format: target.format, templates: o.templates, timeoutMs: o.timeoutMs }, log);
  return new ShoutrrrNotifier(target, log, o);
}

class ShoutrrrNotifier implements Notifier {
  private readonly t: Exclude<NotifyTarget, { kind: 'webhook' }>;
  private readonly log: Logger;
  private readonly o: SendOptions;

  constructor(t: Exclude<NotifyTarget, { kind: 'webhook' }>, log: Logger, o: SendOptions) {
    this.t = t;
    this.log = log;
    this.o = o;
  }

  async notify(kind: NotifyKind, node: string, message: string): Promise<void> {
    const tpl = this.o.templates?.[kind];
    const text = tpl ? tpl.replaceAll('%s', node) : message;
    try {
      const t = this.t;
      if (t.kind === 'slack') await this.slack(t, text);
      else if (t.kind === 'teams') await this.teams(t, text);
      else if (t.kind === 'generic') await this.generic(t, text);
      else await sendMail(t, text, this.o.timeoutMs ?? 10_000);
    } catch (e) {
      this.log.warn('notification failed', { kind, service: this.t.kind, host: targetHost(this.t), error: errMsg(e) });
    }
  }

  private async post(url: string, body: string, headers: Record<string, string>, method = 'POST'): Promise<{ status: number; text: string }> {
    // No redirects, a capped answer, user:password@ as a Basic header, errors naming the URL redacted.
    return request({ url, method, headers, body, timeoutMs: this.o.timeoutMs ?? 10_000, maxBytes: NOTIFY_ANSWER_MAX_BYTES });
  }

  private async slack(t: SlackTarget, text: string): Promise<void> {
    // shoutrrr's payload: the title as text, one attachment per line (at most 100).
    const lines = text.split('\n');
    const attachments = lines.slice(0, 100).map((line) => ({ text: line, ...(t.color ? { color: t.color } : {}) }));
    if (lines.length > 100) attachments[99].text += '\n' + lines.slice(100).join('\n');
    if (attachments.at(-1)?.text === '') attachments.pop();
    const payload: Record<string, unknown> = { text: t.title ?? '', attachments };
    if (t.botName) payload.username = t.botName;
    if (t.threadTs) payload.thread_ts = t.threadTs;
    if (t.icon) payload[/https?:\/\//.test(t.icon) ? 'icon_url' : 'icon_emoji'] = t.icon;
    if (t.token.type === 'hook') {
      const r = await this.post((this.o.slackWebhookBase ?? 'https://hooks.slack.com/services/') + t.token.path, JSON.stringify(payload), { 'content-type': 'application/json' });
      // Slack answers "ok"; an empty 200 counts too.
      if (!(r.text === 'ok' || (r.text === '' && r.status === 200))) throw new Error(`webhook answered ${r.status}: ${r.text.slice(0, 200)}`);
      return;
    }
    payload.channel = t.channel;
    const r = await this.post(this.o.slackApiUrl ?? 'https://slack.com/api/chat.postMessage', JSON.stringify(payload), {
      'content-type': 'application/json',
      authorization: `Bearer ${t.token.bearer}`,
    });
    const body = JSON.parse(r.text || '{}') as { ok?: boolean; error?: string };
    if (!body.ok) throw new Error(`Slack API: ${body.error ?? `status ${r.status}`}`);
  }

  private async teams(t: TeamsTarget, text: string): Promise<void> {
    // An Adaptive Card: an optional bold title, then one wrapped TextBlock per non-blank line.
    const body: Record<string, unknown>[] = [];
    if (t.title) body.push({ type: 'TextBlock', text: t.title, weight: 'Bolder', size: 'Medium', color: teamsColor(t.color) });
    for (const line of text.split('\n')) if (line.trim()) body.push({ type: 'TextBlock', text: line, wrap: true });
    const payload = {
      type: 'message',
      attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.2', body } }],
    };
    const r = await this.post(t.url, JSON.stringify(payload), { 'content-type': 'application/json' });
    if (r.status !== 200 && r.status !== 202) throw new Error(`Teams workflow answered ${r.status}`);
  }

  private async generic(t: GenericTarget, text: string): Promise<void> {
    const body = t.template === 'raw' ? text : JSON.stringify({ ...t.extra, [t.messageKey]: text });
    const r = await this.post(t.url, body, { 'content-type': t.contentType, accept: t.contentType, ...t.headers }, t.method);
    if (r.status >= 300) throw new Error(`server answered ${r.status}`);
  }
}

function teamsColor(c: string | undefined): string {
  switch ((c ?? '').toLowerCase()) {
    case 'red': case 'attention': case 'danger': return 'attention';
    case 'orange': case 'yellow': case 'warning': case 'warn': return 'warning';
    case 'green': case 'good': case 'success': return 'good';
    case 'blue': case 'accent': return 'accent';
    case 'dark': return 'dark';
    case 'light': return 'light';
    default: return 'default';
  }
}

/** One mail per recipient, as shoutrrr sends them (nobody sees the other recipients). */
async function sendMail(t: SmtpTarget, text: string, timeoutMs: number): Promise<void> {
  const auth =
    t.auth === 'none'
      ? undefined
      : t.auth === 'oauth2'
        ? { type: 'OAuth2' as const, user: t.username, accessToken: t.password }
        : { user: t.username, pass: t.password, ...(t.auth === 'crammd5' ? { method: 'CRAM-MD5' } : { method: 'PLAIN' }) };
  const implicit = t.encryption === 'implicittls' || (t.encryption === 'auto' && t.port === 465);
  const transport = nodemailer.createTransport({
    host: t.host,
    port: t.port,
    secure: implicit,
    // STARTTLS when the server offers it (shoutrrr warns and goes on in clear when it does not).
    ignoreTLS: implicit || !t.startTls,
    name: t.clientHost === 'auto' ? hostname() : t.clientHost,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    ...(auth ? { auth } : {}),
  });
  try {
    for (const to of t.to) {
      await transport.sendMail({
        from: { name: t.fromName, address: t.from },
        to,
        subject: t.subject,
        text,
        ...(t.html ? { html: text } : {}),
      });
    }
  } finally {
    transport.close();
  }
}
