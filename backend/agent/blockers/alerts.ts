// The Prometheus alerts blocker (Kured's --prometheus-url), asked the way Kured asks: an instant
// query of the ALERTS metric, GET <url>/api/v1/query?query=ALERTS. Every Prometheus-compatible
// backend serves the query API (Thanos Querier, VictoriaMetrics vmselect, Mimir, Cortex), while
// several lack /api/v1/alerts; asking that one blocked every reboot forever on them. GET rather
// than Kured's POST-with-GET-fallback: every backend accepts it and a read-only proxy does too.
//
// Kured's rules (pkg/blockers/prometheus.go): a sample counts when it has an alertname label and
// a value other than 0; --alert-filter-regexp drops the names it matches (with match-only it
// keeps only those); --alert-firing-only keeps alertstate="firing". Anything that prevents a
// clear answer (network error, timeout, HTTP error, Prometheus' own error, a result that is not
// an instant vector, an answer over ALERTS_ANSWER_MAX_BYTES, a redirect) blocks, with a reason
// naming the URL asked (redacted).

import type { Blocker } from '../ports.ts';
import { errMsg } from '../../shared/log.ts';
import { redactUrl, request } from '../http/request.ts';

export interface AlertsOptions {
  url: string;
  /** Alert names matching this are ignored (or, with matchOnly, the only ones that count). */
  filter?: RegExp;
  matchOnly?: boolean;
  firingOnly?: boolean;
  timeoutMs?: number;
  /** Bytes of the answer read at most (default ALERTS_ANSWER_MAX_BYTES). */
  maxBytes?: number;
}

/**
 * ALERTS of a large cluster is a few hundred KiB; past this the answer is not read (and the
 * reboot blocks): the agent's memory limit is 192Mi and the parsed JSON takes several times it.
 */
export const ALERTS_ANSWER_MAX_BYTES = 8 * 1024 * 1024;

/** One sample of the instant vector ALERTS: its labels and [time, "value"]. */
export interface AlertSample {
  metric?: Record<string, string>;
  value?: [number, string];
}

export const ALERTS_QUERY = 'ALERTS';

export type AlertsCheck = { ok: true; names: string[] } | { ok: false; error: string };

export class AlertsBlocker implements Blocker {
  readonly name = 'prometheus-alerts';
  private readonly o: AlertsOptions;
  private readonly endpoint: string;
  /** The endpoint as shown in reasons: redacted (redactUrl), never the credentials. */
  readonly where: string;

  constructor(o: AlertsOptions) {
    let u: URL;
    try {
      u = new URL(o.url);
    } catch {
      throw new Error(`prometheus-url: not a URL; expected e.g. http://prometheus.monitoring:9090`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`prometheus-url: must be http or https, got ${u.protocol}`);
    this.o = o;
    u.search = '';
    u.hash = '';
    // user:password@ (as Kured accepts it) stays in the endpoint: request() sends it as a Basic header.
    const base = `${u.toString().replace(/\/+$/, '')}/api/v1/query`;
    this.where = redactUrl(base, true);
    this.endpoint = `${base}?query=${encodeURIComponent(ALERTS_QUERY)}`;
  }

  /** Names of the alerts that block now, sorted and unique; or why they could not be read. */
  async active(): Promise<AlertsCheck> {
    const fail = (why: string): AlertsCheck => ({ ok: false, error: `cannot query Prometheus alerts (${ALERTS_QUERY} at ${this.where}): ${why}` });
    let res: { status: number; text: string };
    let body: unknown;
    try {
      res = await request({ url: this.endpoint, headers: { accept: 'application/json' }, timeoutMs: this.o.timeoutMs ?? 10_000, maxBytes: this.o.maxBytes ?? ALERTS_ANSWER_MAX_BYTES, showPath: true });
      try {
        body = JSON.parse(res.text);
      } catch {
        body = undefined;
      }
    } catch (e) {
      // request()'s message starts with the method and the redacted URL; the reason says the URL already.
      return fail(errMsg(e).replace(/^GET \S+: /, ''));
    }
    const b = body as { status?: unknown; error?: unknown; data?: { resultType?: unknown; result?: unknown } } | null | undefined;
    // Prometheus' own error text (bad_data, timeout, ...) says more than the status code.
    const promError = typeof b?.error === 'string' ? `: ${b.error.slice(0, 200)}` : '';
    if (res.status < 200 || res.status >= 300) return fail(`HTTP ${res.status}${promError}`);
    if (!b || typeof b !== 'object') return fail('the answer is not JSON');
    if (b.status !== 'success') return fail(`status ${JSON.stringify(b.status ?? null)?.slice(0, 40)}${promError}`);
    if (b.data?.resultType !== 'vector' || !Array.isArray(b.data.result)) {
      return fail(`expected an instant vector (data.resultType "vector"), got ${JSON.stringify(b.data?.resultType ?? null)?.slice(0, 40)}`);
    }
    return { ok: true, names: blockingAlerts(b.data.result as AlertSample[], this.o) };
  }

  async check(): Promise<{ blocked: false } | { blocked: true; reason: string }> {
    const r = await this.active();
    if (!r.ok) return { blocked: true, reason: `${r.error} (blocking until it answers)` };
    if (r.names.length === 0) return { blocked: false };
    return { blocked: true, reason: `active alerts: ${r.names.join(', ')}` };
  }
}

/** Pure: the alert names that block, from the ALERTS samples, after Kured's filter, match-only and firing-only rules. */
export function blockingAlerts(samples: readonly AlertSample[], o: Pick<AlertsOptions, 'filter' | 'matchOnly' | 'firingOnly'>): string[] {
  const names = new Set<string>();
  for (const s of samples) {
    const name = s?.metric?.alertname;
    // Kured: a sample without an alertname, or with the value 0, is no alert. A value that is not
    // a number counts (fail closed), as Kured fails the whole query on it.
    if (typeof name !== 'string') continue;
    if (isZero(s.value)) continue;
    if (o.firingOnly && s.metric?.alertstate !== 'firing') continue;
    if (o.filter) {
      const m = o.filter.test(name);
      if (o.matchOnly ? !m : m) continue;
    }
    names.add(name);
  }
  return [...names].sort();
}

function isZero(v: unknown): boolean {
  const x = Array.isArray(v) ? v[1] : undefined;
  return typeof x === 'string' && x.trim() !== '' && Number(x) === 0;
}
