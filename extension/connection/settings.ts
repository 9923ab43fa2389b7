// The `nodemend.*` settings, validated where they enter: a bad value gives an error that names the
// setting and the fix, and the extension falls back to the default instead of failing to start.
// Pure: takes a getter, so tests pass plain objects and the extension passes userLevel(config).
//
// Every setting picks the kubeconfig (which may run an exec plugin), the identity, the cluster or
// the server the token goes to, so a repository must not set them: package.json gives each one
// scope "application" (user settings only; VS Code does not apply workspace values), and
// userLevel() reads only the user-level value anyway, whatever the scope says.

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

/** What WorkspaceConfiguration.inspect() returns, the part read here. */
export interface Inspected {
  defaultValue?: unknown;
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/**
 * A getter for readSettings that sees only user-level values (inspect()'s globalValue), never a
 * workspace's or a folder's, whatever the setting's scope.
 */
export function userLevel(inspect: (key: string) => Inspected | undefined): (key: string) => unknown {
  return (key) => {
    const i = inspect(key);
    return i?.globalValue !== undefined ? i.globalValue : i?.defaultValue;
  };
}

/**
 * A hub on this machine: 127.0.0.0/8, ::1 or localhost. Only there may the stream (and the bearer
 * token with it) travel unencrypted. Read from the parsed URL, so spellings the URL parser
 * normalises (127.1, 2130706433) are judged by the address they reach.
 */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h === '[::1]') return true;
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(h);
  return !!m && m[1] === '127';
}

export function parseHubUrl(raw: string): { ok: true; url: string } | { ok: false; error: string } {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return { ok: false, error: `nodemend.hub.url: ${JSON.stringify(raw)} is not a URL; expected e.g. wss://nodemend.example/stream` };
  }
  const scheme = ({ 'ws:': 'ws:', 'wss:': 'wss:', 'http:': 'ws:', 'https:': 'wss:' } as Record<string, string>)[u.protocol];
  if (!scheme) return { ok: false, error: `nodemend.hub.url: scheme ${u.protocol} not supported; use wss:// (or https://)` };
  if (u.username || u.password) return { ok: false, error: 'nodemend.hub.url: remove the user name and password from the URL; the hub authenticates you with your kubeconfig\'s token' };
  if (scheme === 'ws:' && !isLoopbackHost(u.hostname)) {
    return {
      ok: false,
      error: `nodemend.hub.url: ${raw.trim()} is not encrypted, and your token would cross the network in clear text; ws:// and http:// are accepted only for a hub on this machine (127.0.0.0/8, ::1, localhost). Use wss://${u.host}${u.pathname === '/' ? '' : u.pathname} (or https://).`,
    };
  }
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

/**
 * `nodemend.connectAtStartup`: whether the window connects as soon as it starts. Kept apart from
 * Settings: it says when to connect, not where or how, and is read before anything else is.
 * Default false: a window that never shows nodemend never reads the kubeconfig nor runs its exec
 * plugin (the current context is often production).
 */
export function readConnectAtStartup(get: (key: string) => unknown): { on: boolean; error?: string } {
  const v = get('connectAtStartup');
  if (typeof v === 'boolean') return { on: v };
  if (v === undefined || v === null) return { on: false };
  return { on: false, error: 'nodemend.connectAtStartup: expected true or false; using false (connect when the nodemend view opens)' };
}
