// The Prometheus alerts blocker (Kured's --prometheus-url): GET <url>/api/v1/alerts, drop the
// alerts the filter says to ignore (or keep only those it matches, with match-only), optionally
// ignore pending ones, and block while any is left. Anything that prevents a clear answer (network
// error, timeout, HTTP error, a body that is not the alerts API) blocks, with the reason.

import type { Blocker } from '../ports.ts';
import { errMsg } from '../../shared/log.ts';

export interface AlertsOptions {
  url: string;
  /** Alert names matching this are ignored (or, with matchOnly, the only ones that count). */
  filter?: RegExp;
  matchOnly?: boolean;
  firingOnly?: boolean;
  timeoutMs?: number;
}

interface Alert {
  labels?: Record<string, string>;
  state?: string;
}

export type AlertsCheck = { ok: true; names: string[] } | { ok: false; error: string };

export class AlertsBlocker implements Blocker {
  readonly name = 'prometheus-alerts';
  private readonly o: AlertsOptions;
  private readonly endpoint: string;
  /** Basic auth from user:password in the URL (as Kured accepts it), sent as a header: fetch refuses credentials in a URL, and its error quoted them. */
  private readonly auth: string | undefined;

  constructor(o: AlertsOptions) {
    let u: URL;
    try {
      u = new URL(o.url);
    } catch {
      throw new Error(`prometheus-url: not a URL: ${JSON.stringify(o.url)}; expected e.g. http://prometheus.monitoring:9090`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`prometheus-url: must be http or https, got ${u.protocol}`);
    this.o = o;
    this.auth = u.username || u.password ? `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}` : undefined;
    u.username = '';
    u.password = '';
    this.endpoint = `${u.toString().replace(/\/+$/, '')}/api/v1/alerts`;
  }

  /** Names of the alerts that block now, sorted and unique; or why they could not be read. */
  async active(): Promise<AlertsCheck> {
    let body: unknown;
    try {
      const res = await fetch(this.endpoint, { signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000), headers: { accept: 'application/json', ...(this.auth ? { authorization: this.auth } : {}) } });
      if (!res.ok) return { ok: false, error: `Prometheus answered HTTP ${res.status}` };
      body = await res.json();
    } catch (e) {
      return { ok: false, error: `cannot query Prometheus alerts: ${errMsg(e)}` };
    }
    const alerts = (body as { status?: string; data?: { alerts?: unknown } })?.data?.alerts;
    if ((body as { status?: string })?.status !== 'success' || !Array.isArray(alerts)) {
      return { ok: false, error: 'Prometheus answer is not an alerts list (status success, data.alerts)' };
    }
    return { ok: true, names: blockingAlerts(alerts as Alert[], this.o) };
  }

  async check(): Promise<{ blocked: false } | { blocked: true; reason: string }> {
    const r = await this.active();
    if (!r.ok) return { blocked: true, reason: `${r.error} (blocking until it answers)` };
    if (r.names.length === 0) return { blocked: false };
    return { blocked: true, reason: `active alerts: ${r.names.join(', ')}` };
  }
}

/** Pure: the alert names that block, after Kured's filter, match-only and firing-only rules. */
export function blockingAlerts(alerts: Alert[], o: Pick<AlertsOptions, 'filter' | 'matchOnly' | 'firingOnly'>): string[] {
  const names = new Set<string>();
  for (const a of alerts) {
    const name = a?.labels?.alertname ?? '(unnamed)';
    if (o.firingOnly && a?.state !== 'firing') continue;
    if (o.filter) {
      const m = o.filter.test(name);
      if (o.matchOnly ? !m : m) continue;
    }
    names.add(name);
  }
  return [...names].sort();
}
