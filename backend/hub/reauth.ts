// Access is checked again while a stream stays open: a viewer whose RoleBinding is removed, or
// whose token expires, must not keep reading for as long as the socket lives.
//
//  - Token sessions (direct listener): TokenReview + SubjectAccessReview again every `intervalMs`,
//    bypassing the decision cache. Refused (401/403): an `unauthorized` error frame with the
//    reason, then close 1008. The API server unreachable: the session stays (an outage is not a
//    revocation) until its access was last confirmed 3 intervals ago; then it is closed (1013)
//    and its reconnect is checked like any new one (fail closed, bounded).
//  - Trusted sessions (service proxy, port-forward): the hub never knew the person, so it cannot
//    ask. After `maxAgeMs` the session is closed (1001); the client reconnects through the API
//    server, which authenticates and authorises the person again, and resumes without a snapshot.
//  - --auth=none sessions are never closed by this.

import type { AuthDecision } from './auth.ts';
import type { Grant } from './session.ts';

export interface ReauthLimits {
  intervalMs: number;
  maxAgeMs: number;
}

export type ReauthStep = { kind: 'none' } | { kind: 'recheck' } | { kind: 'expire'; reason: string };

/** What is due for a session now. Pure. */
export function due(g: Grant, now: number, l: ReauthLimits): ReauthStep {
  if (g.kind === 'token') return now - g.confirmedAt >= l.intervalMs ? { kind: 'recheck' } : { kind: 'none' };
  if (g.kind === 'trusted' && now - g.openedAt >= l.maxAgeMs) {
    return { kind: 'expire', reason: `session age limit (${Math.round(l.maxAgeMs / 1000)} s): reconnect, access is checked again` };
  }
  return { kind: 'none' };
}

export type Outcome = { kind: 'confirmed' } | { kind: 'revoke'; reason: string } | { kind: 'expire'; reason: string } | { kind: 'keep' };

/** What a re-check's answer means for the session. Pure. */
export function outcome(g: Grant, d: AuthDecision, now: number, l: ReauthLimits): Outcome {
  if (d.ok) return { kind: 'confirmed' };
  if (d.status !== 503) return { kind: 'revoke', reason: d.reason };
  return now - g.confirmedAt >= 3 * l.intervalMs ? { kind: 'expire', reason: 'access could not be re-checked (API server unreachable); reconnect' } : { kind: 'keep' };
}

/** The parts of a session the re-check drives. */
export interface Recheckable {
  readonly grant: Grant;
  revoke(reason: string): void;
  expire(reason: string): void;
}

/**
 * Walks the sessions every tick; checks one at a time (a burst of reviews must not crowd out new
 * connections' reviews), never two walks at once. Returns how many were revoked.
 */
export class Reauth {
  private running = false;
  private readonly limits: ReauthLimits;
  private readonly now: () => number;

  constructor(limits: ReauthLimits, now: () => number = Date.now) {
    this.limits = limits;
    this.now = now;
  }

  /** How often to look: a tenth of the shorter limit, so a session is closed within 1.1 of it. */
  get tickMs(): number {
    return Math.min(30_000, Math.max(100, Math.min(this.limits.intervalMs, this.limits.maxAgeMs) / 10));
  }

  async walk(sessions: Iterable<Recheckable>, onRevoked: (s: Recheckable, reason: string) => void = () => {}): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (const s of [...sessions]) {
        const step = due(s.grant, this.now(), this.limits);
        if (step.kind === 'expire') s.expire(step.reason);
        if (step.kind !== 'recheck' || !s.grant.recheck) continue;
        const d = await s.grant.recheck().catch((e: unknown): AuthDecision => ({ ok: false, status: 503, reason: String(e) }));
        const o = outcome(s.grant, d, this.now(), this.limits);
        if (o.kind === 'confirmed') s.grant.confirmedAt = this.now();
        else if (o.kind === 'revoke') {
          onRevoked(s, o.reason);
          s.revoke(o.reason);
        } else if (o.kind === 'expire') s.expire(o.reason);
      }
    } finally {
      this.running = false;
    }
  }
}
