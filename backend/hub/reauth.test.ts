import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthDecision } from './auth.ts';
import { due, outcome, Reauth, type Recheckable } from './reauth.ts';
import type { Grant } from './session.ts';

const L = { intervalMs: 1000, maxAgeMs: 5000 };
const g = (kind: Grant['kind'], openedAt = 0, confirmedAt = openedAt): Grant => ({ kind, key: 'k', openedAt, confirmedAt });

const dueCases: { name: string; grant: Grant; now: number; want: string }[] = [
  { name: 'token session inside its interval', grant: g('token'), now: 999, want: 'none' },
  { name: 'token session due', grant: g('token'), now: 1000, want: 'recheck' },
  { name: 'token sessions never age out (they are re-checked instead)', grant: g('token', 0, 9000), now: 9500, want: 'none' },
  { name: 'trusted session before its age limit', grant: g('trusted'), now: 4999, want: 'none' },
  { name: 'trusted session at its age limit', grant: g('trusted'), now: 5000, want: 'expire' },
  { name: '--auth=none sessions are left alone', grant: g('open'), now: 1e9, want: 'none' },
];
for (const c of dueCases) test(`due: ${c.name}`, () => assert.equal(due(c.grant, c.now, L).kind, c.want));

const ok: AuthDecision = { ok: true, user: 'a', via: 'token' };
const outcomeCases: { name: string; d: AuthDecision; confirmedAt: number; now: number; want: string }[] = [
  { name: 'still allowed', d: ok, confirmedAt: 0, now: 1000, want: 'confirmed' },
  { name: 'binding removed (403)', d: { ok: false, status: 403, reason: 'x may not list nodes' }, confirmedAt: 0, now: 1000, want: 'revoke' },
  { name: 'token expired or deleted (401)', d: { ok: false, status: 401, reason: 'token not accepted' }, confirmedAt: 0, now: 1000, want: 'revoke' },
  { name: 'API server unreachable, recently confirmed: kept', d: { ok: false, status: 503, reason: 'down' }, confirmedAt: 0, now: 2999, want: 'keep' },
  { name: 'API server unreachable for 3 intervals: closed', d: { ok: false, status: 503, reason: 'down' }, confirmedAt: 0, now: 3000, want: 'expire' },
];
for (const c of outcomeCases) test(`outcome: ${c.name}`, () => assert.equal(outcome(g('token', 0, c.confirmedAt), c.d, c.now, L).kind, c.want));

class Fake implements Recheckable {
  readonly grant: Grant;
  readonly log: string[] = [];
  constructor(grant: Grant, answers: AuthDecision[] = []) {
    this.grant = grant;
    if (grant.kind === 'token') grant.recheck = async () => answers.shift() ?? ok;
  }
  revoke(reason: string): void {
    this.log.push(`revoke ${reason}`);
  }
  expire(reason: string): void {
    this.log.push(`expire ${reason}`);
  }
}

test('Reauth.walk: re-checks due token sessions one by one, confirms, revokes, expires trusted ones', async () => {
  let now = 0;
  const r = new Reauth(L, () => now);
  const kept = new Fake(g('token'));
  const lost = new Fake(g('token'), [{ ok: false, status: 403, reason: 'bob may not list nodes' }]);
  const proxy = new Fake(g('trusted'));
  const revoked: string[] = [];
  now = 1500;
  await r.walk([kept, lost, proxy], (_s, reason) => void revoked.push(reason));
  assert.equal(kept.grant.confirmedAt, 1500);
  assert.deepEqual(kept.log, []);
  assert.deepEqual(lost.log, ['revoke bob may not list nodes']);
  assert.deepEqual(revoked, ['bob may not list nodes']);
  assert.deepEqual(proxy.log, []);
  now = 5000;
  await r.walk([proxy]);
  assert.match(proxy.log[0], /^expire session age limit \(5 s\)/);
});

test('Reauth.walk: never two walks at once; a recheck that throws counts as an outage', async () => {
  let release!: () => void;
  const gate = new Promise<void>((res) => (release = res));
  let calls = 0;
  const s = new Fake(g('token'));
  s.grant.recheck = async () => {
    calls++;
    await gate;
    throw new Error('socket hang up');
  };
  const r = new Reauth(L, () => 1000);
  const first = r.walk([s]);
  await r.walk([s]);
  assert.equal(calls, 1);
  release();
  await first;
  assert.deepEqual(s.log, [], 'an outage one interval after confirmation keeps the session');
  assert.equal(r.tickMs, 100);
});
