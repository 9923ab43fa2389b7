// The `nodemend.*` settings, validated where they enter: a bad value gives an error that names the
// setting and the fix, and the extension falls back to the default instead of failing to start.
// Pure: takes a getter, so tests pass plain objects and the extension passes the workspace config.

export type HubMode = 'proxy' | 'port-forward' | 'url';
export const HUB_MODES: readonly HubMode[] = ['proxy', 'port-forward', 'url'];

export interface Settings {
  namespace: string;
  hubMode: HubMode;
  /** ws:// or wss:// URL of the hub's /stream, when hubMode is "url". */
  hubUrl?: string;
  kubeconfig?: string;
  context?: string;
  readOnly: boolean;
}

/** The hub Service the backend installs (deploy/), reached through the API server's service proxy. */
export const HUB_SERVICE = { name: 'nodemend-hub', port: 'http', path: '/stream' } as const;
export const AGENT_DAEMONSET = 'nodemend-agent';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function parseHubUrl(raw: string): { ok: true; url: string } | { ok: false; error: string } {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return { ok: false, error: `nodemend.hub.url: ${JSON.stringify(raw)} is not a URL; expected e.g. ws://127.0.0.1:8080/stream` };
  }
  const scheme = ({ 'ws:': 'ws:', 'wss:': 'wss:', 'http:': 'ws:', 'https:': 'wss:' } as Record<string, string>)[u.protocol];
  if (!scheme) return { ok: false, error: `nodemend.hub.url: scheme ${u.protocol} not supported; use ws://, wss://, http:// or https://` };
  u.protocol = scheme;
  if (u.pathname === '/' || u.pathname === '') u.pathname = HUB_SERVICE.path;
  return { ok: true, url: u.toString() };
}

/** The stream through the API server's service proxy: /api/v1/namespaces/<ns>/services/http:<svc>:<port>/proxy/stream. */
export function proxyStreamUrl(server: string, namespace: string): string {
  const u = new URL(server);
  u.protocol = u.protocol === 'http:' ? 'ws:' : 'wss:';
  const base = u.pathname.replace(/\/+$/, '');
  u.pathname = `${base}/api/v1/namespaces/${encodeURIComponent(namespace)}/services/http:${HUB_SERVICE.name}:${HUB_SERVICE.port}/proxy${HUB_SERVICE.path}`;
  return u.toString();
}

export function readSettings(get: (key: string) => unknown): { settings: Settings; errors: string[] } {
  const errors: string[] = [];
  const str = (key: string): string | undefined => {
    const v = get(key);
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') {
      errors.push(`nodemend.${key}: expected a string; using the default`);
      return undefined;
    }
    return v.trim() || undefined;
  };
  const s: Settings = { namespace: 'nodemend', hubMode: 'proxy', readOnly: false };
  const ns = str('namespace');
  if (ns !== undefined) {
    if (DNS_LABEL.test(ns)) s.namespace = ns;
    else errors.push(`nodemend.namespace: ${JSON.stringify(ns)} is not a namespace name (lower-case letters, digits and -); using "nodemend"`);
  }
  const mode = str('hub.mode');
  if (mode !== undefined) {
    if ((HUB_MODES as readonly string[]).includes(mode)) s.hubMode = mode as HubMode;
    else errors.push(`nodemend.hub.mode: expected one of ${HUB_MODES.join(', ')}, got ${JSON.stringify(mode)}; using "proxy"`);
  }
  const url = str('hub.url');
  if (url !== undefined) {
    const p = parseHubUrl(url);
    if (p.ok) s.hubUrl = p.url;
    else errors.push(p.error);
  }
  if (s.hubMode === 'url' && !s.hubUrl) {
    errors.push('nodemend.hub.mode is "url" but nodemend.hub.url is not set to a valid URL; using "proxy"');
    s.hubMode = 'proxy';
  }
  const kubeconfig = str('kubeconfig');
  if (kubeconfig !== undefined) s.kubeconfig = kubeconfig;
  const context = str('context');
  if (context !== undefined) s.context = context;
  const ro = get('readOnly');
  if (typeof ro === 'boolean') s.readOnly = ro;
  else if (ro !== undefined && ro !== null) errors.push('nodemend.readOnly: expected true or false; using false');
  return { settings: s, errors };
}
