// Who may read the stream. Fail closed: any error in deciding is a refusal.
//
// The hub has two front doors (see README.md in this folder for the full reasoning):
//  1. The direct listener. The client presents a bearer token (Authorization header, or the
//     Kubernetes WebSocket convention: subprotocol base64url.bearer.authorization.k8s.io.<token>).
//     The hub asks the API server who that is (TokenReview) and whether that identity may list
//     nodes (SubjectAccessReview). Both must say yes. No token: 401. Not allowed: 403.
//  2. The trusted listener, for the API server's service proxy and kubectl port-forward. The API
//     server has already authenticated the user and RBAC has authorised `get services/proxy` (or
//     `create pods/portforward`) before it forwards anything, but it strips the user's credentials
//     and sends no client certificate, so the hub cannot re-check the user. It trusts the
//     connection's source address instead: loopback (port-forward enters the pod's own network
//     namespace), the API server's own addresses (the EndpointSlice the API server itself writes
//     for default/kubernetes, see apiServerAddressesOf), and operator-given CIDRs (for konnectivity
//     or other egress proxies). Anything else: 403.
// On both, an upgrade that carries an Origin header comes from a web page, never from the
// extension (its Node WebSocket sends none): refused with 403, so a browser tab cannot read the
// stream through a port-forward on the viewer's machine.

import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { BEARER_SUBPROTOCOL_PREFIX } from '../../protocol/messages.ts';

export type AuthDecision =
  | { ok: true; user: string; via: 'token' | 'trusted-source' | 'auth-disabled'; /** Whom the per-user cap counts. */ key?: string }
  | { ok: false; status: 401 | 403 | 503; reason: string };

export interface Identity {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** The two API calls auth needs; the Kubernetes adapter is in reviews.ts. */
export interface ReviewPort {
  tokenReview(token: string): Promise<{ authenticated: true; user: Identity } | { authenticated: false; error: string }>;
  canListNodes(user: Identity): Promise<{ allowed: boolean; reason: string }>;
}

/** The bearer token of an upgrade request, or undefined. Never logged. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const h = headers.authorization;
  if (typeof h === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    if (m) return m[1];
  }
  for (const p of subprotocols(headers)) {
    if (p.startsWith(BEARER_SUBPROTOCOL_PREFIX)) {
      const t = Buffer.from(p.slice(BEARER_SUBPROTOCOL_PREFIX.length), 'base64url').toString('utf8');
      if (t) return t;
    }
  }
  return undefined;
}

export function subprotocols(headers: IncomingHttpHeaders): string[] {
  const raw = headers['sec-websocket-protocol'];
  return typeof raw === 'string' ? raw.split(',').map((s) => s.trim()).filter(Boolean) : [];
}

interface Cached {
  at: number;
  decision: AuthDecision;
}

/** TokenReview + SubjectAccessReview with a short, bounded cache keyed by the token's hash. */
export class TokenAuth {
  private readonly cache = new Map<string, Cached>();
  private readonly port: ReviewPort;
  private readonly now: () => number;
  /** Allowed decisions live this long; refusals shorter, so a fixed RBAC binding takes effect soon. */
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private pending = 0;
  private readonly maxPending: number;

  constructor(port: ReviewPort, now: () => number = Date.now, ttlMs = 30_000, maxEntries = 1024, maxPending = 32) {
    this.maxPending = maxPending;
    this.port = port;
    this.now = now;
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
  }

  /** `fresh`: ask the API server even if a cached decision exists (the periodic re-check of an
   *  open session, which must see a revoked binding within its interval, not the cache's). */
  async check(token: string | undefined, opts: { fresh?: boolean } = {}): Promise<AuthDecision> {
    if (!token) return { ok: false, status: 401, reason: 'no bearer token: send Authorization: Bearer <token>' };
    const key = createHash('sha256').update(token).digest('hex');
    const hit = this.cache.get(key);
    const ttl = hit?.decision.ok ? this.ttlMs : this.ttlMs / 6;
    if (hit && !opts.fresh && this.now() - hit.at < ttl) return hit.decision;
    // Bounded: a flood of made-up tokens must not turn into a flood of reviews on the API server.
    if (this.pending >= this.maxPending) return { ok: false, status: 503, reason: 'too many connections being authenticated; retry shortly' };
    this.pending++;
    const decision = await this.decide(token).finally(() => this.pending--);
    // 503 means "could not ask": never cached, the next attempt asks again.
    if (decision.ok || decision.status !== 503) {
      this.cache.delete(key);
      this.cache.set(key, { at: this.now(), decision });
      if (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
    }
    return decision;
  }

  private async decide(token: string): Promise<AuthDecision> {
    try {
      const tr = await this.port.tokenReview(token);
      if (!tr.authenticated) return { ok: false, status: 401, reason: `token not accepted by the API server${tr.error ? `: ${tr.error}` : ''}` };
      const sar = await this.port.canListNodes(tr.user);
      if (!sar.allowed) {
        return { ok: false, status: 403, reason: `${tr.user.username} may not list nodes${sar.reason ? ` (${sar.reason})` : ''}; grant it get/list/watch on nodes` };
      }
      return { ok: true, user: tr.user.username, via: 'token', key: `user ${tr.user.username}` };
    } catch (e) {
      return { ok: false, status: 503, reason: `could not check the token with the API server: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
}

const LOOPBACK = ['127.0.0.1', '::1'];

/** Source addresses trusted on the trusted listener. */
export class TrustedSources {
  private fixed = new BlockList();
  private api = new Set<string>();

  constructor(cidrs: string[]) {
    for (const a of LOOPBACK) this.fixed.addAddress(a, isIP(a) === 6 ? 'ipv6' : 'ipv4');
    for (const c of cidrs) {
      const [ip, bits] = c.split('/');
      const fam = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
      this.fixed.addSubnet(ip, bits === undefined ? (fam === 'ipv6' ? 128 : 32) : Number(bits), fam);
    }
  }

  /** The API server's addresses (endpoints of the default/kubernetes Service). */
  setApiServers(addrs: string[]): void {
    this.api = new Set(addrs.map(normalize));
  }

  trusts(remote: string | undefined): boolean {
    if (!remote) return false;
    const a = normalize(remote);
    const fam = isIP(a);
    if (fam === 0) return false;
    return this.api.has(a) || this.fixed.check(a, fam === 6 ? 'ipv6' : 'ipv4');
  }
}

/**
 * Whom the per-user cap counts on the trusted listener, where the person is unknown. Through the
 * service proxy, the API server appends the address it received the request from to
 * X-Forwarded-For (apimachinery's upgrade-aware proxy): its last entry, the only one the client
 * cannot forge, groups the connections of one client machine (or of one NAT or load balancer in
 * front of the API server). Port-forward and other sources: the source address itself, so every
 * port-forward (loopback) shares one group.
 */
export function trustedClientKey(remote: string, forwardedFor: string | string[] | undefined, loopback: boolean): string {
  if (loopback) return 'port-forward';
  const raw = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
  const last = raw?.split(',').map((s) => s.trim()).filter(Boolean).pop();
  return last ? `client ${normalize(last)}` : `source ${normalize(remote)}`;
}

export function isLoopback(remote: string | undefined): boolean {
  return remote !== undefined && LOOPBACK.includes(normalize(remote));
}

/** What a web page's WebSocket carries and the extension's never does; undefined when absent. */
export function browserOrigin(headers: IncomingHttpHeaders): string | undefined {
  const o = headers.origin ?? headers['sec-websocket-origin'];
  return typeof o === 'string' && o !== '' ? o : undefined;
}

/** The parts of an EndpointSlice that say whose addresses it lists. */
export interface SliceLike {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  addressType?: string;
  endpoints?: { addresses?: string[] }[];
}

/**
 * The API server's own addresses, from the EndpointSlices of default/kubernetes, keeping only the
 * slices the API server's endpoint reconciler writes (k8s.io/kubernetes
 * pkg/controlplane/reconcilers/endpointsadapter.go): the one named "kubernetes" (its primary IP
 * family) and, on dual-stack control planes, "kubernetes-v4" or "kubernetes-v6" for the other
 * family. Whoever may create EndpointSlices in "default" can label one for that Service; a slice
 * of another name is never trusted. Changing these ones takes update rights on the API server's
 * own slice, which the API server resets to its real addresses when it next reconciles.
 */
export function apiServerAddressesOf(slices: readonly SliceLike[]): string[] {
  const ours = slices.filter((s) => s.metadata?.namespace === 'default' && s.metadata?.labels?.['kubernetes.io/service-name'] === 'kubernetes');
  const primary = ours.find((s) => s.metadata?.name === 'kubernetes');
  if (!primary) return [];
  const other = primary.addressType === 'IPv4' ? 'IPv6' : 'IPv4';
  const secondary = ours.find((s) => s.metadata?.name === `kubernetes-${other === 'IPv4' ? 'v4' : 'v6'}` && s.addressType === other);
  return [primary, ...(secondary ? [secondary] : [])].flatMap((s) => (s.endpoints ?? []).flatMap((e) => e.addresses ?? []));
}

/**
 * Why a TokenReview asked for `wanted` audiences did not vouch for one of them, or undefined.
 * The API server returns the audiences the token is valid for among those asked; an empty answer
 * means it is not a token for this hub (authentication.k8s.io/v1 TokenReviewStatus.audiences).
 */
export function audienceError(wanted: readonly string[], got: readonly string[] | undefined): string | undefined {
  if (wanted.length === 0) return undefined;
  if (got?.some((a) => wanted.includes(a))) return undefined;
  return `the token is not issued for this hub's audience (${wanted.join(', ')}); get one with kubectl create token <serviceaccount> --audience=${wanted[0]}`;
}

/** IPv4-mapped IPv6 (::ffff:10.0.0.1), as dual-stack sockets report IPv4 peers, to plain IPv4. */
export function normalize(addr: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  return m ? m[1] : addr.toLowerCase();
}
