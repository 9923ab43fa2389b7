// Hub flags, validated once at start: the rest of the hub only sees a valid Config.
// Precedence: flag, then environment variable NODEMEND_HUB_<FLAG_IN_CAPS>, then default.

import { BlockList, isIP } from 'node:net';

export interface Listen {
  host: string;
  port: number;
}

export interface HubConfig {
  namespace: string;
  daemonset: string;
  /** Direct listener: bearer token checked with TokenReview + SubjectAccessReview. */
  listen: Listen;
  /** PEM files for TLS on the direct listener (both or neither); re-read when they change. */
  tls?: { certFile: string; keyFile: string };
  /** Trusted listener for the API server's service proxy and port-forward; undefined = off. */
  listenTrusted?: Listen;
  /** Extra source ranges trusted on the trusted listener (e.g. a konnectivity agent). */
  trustedCidrs: string[];
  auth: 'tokenreview' | 'none';
  /** TokenReview spec.audiences: tokens must be made for one of these; empty = the API server's. */
  tokenAudiences: string[];
  kubeconfig?: string;
  heartbeatMs: number;
  maxClients: number;
  /** Open streams per user (token door) or per client address (trusted door). */
  maxClientsPerUser: number;
  /** Bytes waiting in all clients' send buffers together before the slowest is cut off. */
  maxBuffered: number;
  /** Token sessions: TokenReview + SubjectAccessReview again this often. */
  reauthMs: number;
  /** Sessions of the trusted door (which the hub cannot re-check) are closed after this long. */
  maxSessionAgeMs: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export type ConfigResult = { ok: true; config: HubConfig } | { ok: false; error: string };

const FLAGS = [
  'namespace', 'daemonset', 'listen', 'listen-trusted', 'trusted-proxy-cidrs', 'auth', 'token-audiences', 'tls-cert-file', 'tls-key-file', 'kubeconfig', 'heartbeat',
  'max-clients', 'max-clients-per-user', 'max-buffered', 'reauth-interval', 'max-session-age', 'log-level',
] as const;
type Flag = (typeof FLAGS)[number];

export const USAGE = `usage: nodemend hub [flags]
  --namespace=nodemend            namespace of the agent (lock Leases, DaemonSet)
  --daemonset=nodemend-agent      name of the agent DaemonSet (cluster-wide block)
  --listen=0.0.0.0:8080           direct listener; clients present a bearer token
  --tls-cert-file=, --tls-key-file=
                                  PEM certificate (chain) and key: the direct listener speaks TLS
                                  (wss://); re-read when the files change (cert-manager rotation)
  --listen-trusted=0.0.0.0:8081   listener for the API server service proxy and port-forward; "off" disables
  --trusted-proxy-cidrs=          extra trusted sources for --listen-trusted, comma separated CIDRs
  --auth=tokenreview              tokenreview | none (none: anyone who reaches --listen reads everything)
  --token-audiences=              comma separated; tokens on --listen must be made for one of them
                                  (kubectl create token --audience=...); empty: the API server's own
  --kubeconfig=PATH               default: in-cluster service account
  --heartbeat=15s                 heartbeat interval (ms, s or m)
  --max-clients=1000              connections beyond this are refused with 503
  --max-clients-per-user=32       streams per user (per client address through the service proxy,
                                  all port-forwards together); beyond it: 429
  --max-buffered=192Mi            unsent bytes of all clients together; above it the slowest is cut off
  --reauth-interval=5m            token sessions are checked again (TokenReview + SubjectAccessReview)
                                  this often and closed when access is gone
  --max-session-age=1h            service proxy and port-forward sessions are closed after this long,
                                  so the API server checks the person again when they reconnect
  --log-level=info                debug | info | warn | error`;

export function parseListen(flag: string, v: string): Listen | string {
  const m = /^(.*):(\d{1,5})$/.exec(v.trim());
  const host = m?.[1].replace(/^\[(.*)\]$/, '$1') ?? '';
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535 || (host !== 'localhost' && isIP(host) === 0)) {
    return `--${flag}: expected HOST:PORT with an IP address, e.g. 127.0.0.1:8080 (port 0 = any free port), got ${JSON.stringify(v)}`;
  }
  return { host, port };
}

export function parseDuration(flag: string, v: string): number | string {
  const m = /^(\d+)(ms|s|m)?$/.exec(v.trim());
  if (!m) return `--${flag}: expected a duration such as 500ms, 15s or 1m, got ${JSON.stringify(v)}`;
  const n = Number(m[1]) * (m[2] === 'm' ? 60_000 : m[2] === 's' ? 1000 : 1);
  if (n < 100 || n > 600_000) return `--${flag}: must be between 100ms and 10m`;
  return n;
}

/** A byte size: 512Ki, 192Mi, 1Gi or plain bytes. */
export function parseBytes(flag: string, v: string, min: number, max: number): number | string {
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(v.trim());
  if (!m) return `--${flag}: expected a size such as 512Ki, 192Mi or 1Gi, got ${JSON.stringify(v)}`;
  const n = Number(m[1]) * (m[2] === 'Gi' ? 1 << 30 : m[2] === 'Mi' ? 1 << 20 : m[2] === 'Ki' ? 1 << 10 : 1);
  if (n < min || n > max) return `--${flag}: must be between ${min / 2 ** 20}Mi and ${max / 2 ** 30}Gi`;
  return n;
}

/** A duration of seconds, minutes or hours, within [min, max] ms. */
export function parseLongDuration(flag: string, v: string, min: number, max: number): number | string {
  const m = /^(\d+)(s|m|h)$/.exec(v.trim());
  if (!m) return `--${flag}: expected a duration such as 30s, 5m or 1h, got ${JSON.stringify(v)}`;
  const n = Number(m[1]) * (m[2] === 'h' ? 3_600_000 : m[2] === 'm' ? 60_000 : 1000);
  if (n < min || n > max) return `--${flag}: must be between ${min / 1000}s and ${max / 3_600_000}h`;
  return n;
}

export function parseCidrs(flag: string, v: string): string[] | string {
  const out = v.split(',').map((s) => s.trim()).filter(Boolean);
  const probe = new BlockList();
  for (const c of out) {
    const [ip, bits] = c.split('/');
    const fam = isIP(ip);
    const max = fam === 6 ? 128 : 32;
    const b = bits === undefined ? max : Number(bits);
    if (fam === 0 || !Number.isInteger(b) || b < 0 || b > max) return `--${flag}: ${JSON.stringify(c)} is not a CIDR such as 10.0.0.0/8`;
    probe.addSubnet(ip, b, fam === 6 ? 'ipv6' : 'ipv4');
  }
  return out;
}

export function parseConfig(argv: string[], env: Record<string, string | undefined> = {}): ConfigResult {
  const given = new Map<Flag, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) return { ok: false, error: `unexpected argument ${JSON.stringify(a)}; flags look like --name=value\n${USAGE}` };
    const name = m[1] as Flag;
    if (!FLAGS.includes(name)) return { ok: false, error: `unknown flag --${m[1]}\n${USAGE}` };
    let value = m[2];
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) return { ok: false, error: `--${name}: missing value` };
      i++;
    }
    given.set(name, value);
  }
  const get = (f: Flag, def: string): string => given.get(f) ?? env[`NODEMEND_HUB_${f.toUpperCase().replace(/-/g, '_')}`] ?? def;

  const listen = parseListen('listen', get('listen', '0.0.0.0:8080'));
  if (typeof listen === 'string') return { ok: false, error: listen };
  const lt = get('listen-trusted', '0.0.0.0:8081');
  const listenTrusted = lt === 'off' ? undefined : parseListen('listen-trusted', lt);
  if (typeof listenTrusted === 'string') return { ok: false, error: listenTrusted };
  const cidrs = parseCidrs('trusted-proxy-cidrs', get('trusted-proxy-cidrs', ''));
  if (typeof cidrs === 'string') return { ok: false, error: cidrs };
  const auth = get('auth', 'tokenreview');
  if (auth !== 'tokenreview' && auth !== 'none') return { ok: false, error: `--auth: expected tokenreview or none, got ${JSON.stringify(auth)}` };
  const heartbeatMs = parseDuration('heartbeat', get('heartbeat', '15s'));
  if (typeof heartbeatMs === 'string') return { ok: false, error: heartbeatMs };
  const maxClients = Number(get('max-clients', '1000'));
  if (!Number.isInteger(maxClients) || maxClients < 1 || maxClients > 100_000) return { ok: false, error: '--max-clients: expected an integer from 1 to 100000' };
  const perUser = Number(get('max-clients-per-user', '32'));
  if (!Number.isInteger(perUser) || perUser < 1 || perUser > 100_000) return { ok: false, error: '--max-clients-per-user: expected an integer from 1 to 100000' };
  const maxBuffered = parseBytes('max-buffered', get('max-buffered', '192Mi'), 16 << 20, 16 * (1 << 30));
  if (typeof maxBuffered === 'string') return { ok: false, error: maxBuffered };
  const reauthMs = parseLongDuration('reauth-interval', get('reauth-interval', '5m'), 1000, 3_600_000);
  if (typeof reauthMs === 'string') return { ok: false, error: reauthMs };
  const maxSessionAgeMs = parseLongDuration('max-session-age', get('max-session-age', '1h'), 1000, 24 * 3_600_000);
  if (typeof maxSessionAgeMs === 'string') return { ok: false, error: maxSessionAgeMs };
  const tokenAudiences = get('token-audiences', '').split(',').map((a) => a.trim()).filter(Boolean);
  const badAud = tokenAudiences.find((a) => /\s/.test(a) || a.length > 253);
  if (badAud !== undefined) return { ok: false, error: `--token-audiences: ${JSON.stringify(badAud)} is not an audience (no spaces, at most 253 characters), e.g. nodemend-hub` };
  if (tokenAudiences.length && auth === 'none') return { ok: false, error: '--token-audiences: has no effect with --auth=none; drop one of the two' };
  const certFile = get('tls-cert-file', '');
  const keyFile = get('tls-key-file', '');
  if ((certFile === '') !== (keyFile === '')) return { ok: false, error: `--tls-cert-file and --tls-key-file: give both (TLS on --listen) or neither; got only ${certFile ? '--tls-cert-file' : '--tls-key-file'}` };
  const logLevel = get('log-level', 'info');
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) return { ok: false, error: '--log-level: expected debug, info, warn or error' };
  const dns = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
  const namespace = get('namespace', 'nodemend');
  if (!dns.test(namespace)) return { ok: false, error: `--namespace: ${JSON.stringify(namespace)} is not a valid namespace name` };
  const daemonset = get('daemonset', 'nodemend-agent');
  if (!dns.test(daemonset)) return { ok: false, error: `--daemonset: ${JSON.stringify(daemonset)} is not a valid DaemonSet name` };
  const config: HubConfig = {
    namespace,
    daemonset,
    listen,
    trustedCidrs: cidrs,
    auth,
    tokenAudiences,
    heartbeatMs,
    maxClients,
    maxClientsPerUser: perUser,
    maxBuffered,
    reauthMs,
    maxSessionAgeMs,
    logLevel: logLevel as HubConfig['logLevel'],
  };
  if (listenTrusted) config.listenTrusted = listenTrusted;
  if (certFile) config.tls = { certFile, keyFile };
  const kc = given.get('kubeconfig') ?? env.NODEMEND_HUB_KUBECONFIG;
  if (kc) config.kubeconfig = kc;
  return { ok: true, config };
}
