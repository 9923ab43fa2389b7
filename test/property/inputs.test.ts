// Property tests of three more places input enters: the hub's flags and environment
// (backend/hub/config.ts), the agent's maintenance-window flags (--window, --window-cron, days
// and times; backend/agent/schedule/), checked against an independent model of "inside the
// window", and the request patches the extension builds from what a person types
// (extension/kube/requests.ts), which must read back through the agent's own parser.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseConfig } from '../../backend/hub/config.ts';
import { parseCronWindow, parseDays, parseTimeOfDay, parseWindow } from '../../backend/agent/schedule/parse.ts';
import { inWindow, windowState } from '../../backend/agent/schedule/window.ts';
import { block, forceReboot, scheduleReboot } from '../../extension/kube/requests.ts';
import { A, parseRequests } from '../../protocol/annotations.ts';
import { check, nasty } from './support.ts';

const HUB_FLAGS = ['namespace', 'daemonset', 'listen', 'listen-trusted', 'trusted-proxy-cidrs', 'auth', 'kubeconfig', 'heartbeat', 'max-clients', 'log-level'];
const hubValue = fc.oneof(
  nasty.map((s) => s.slice(0, 200)),
  fc.constantFrom('127.0.0.1:0', '0.0.0.0:8080', '[::1]:8081', 'localhost:1', ':80', '1.2.3.4:65536', 'off', 'none', 'tokenreview', '10.0.0.0/8', '10.0.0.0/33,::1/128', '15s', '99ms', '11m', '1000', '0', 'debug', 'nodemend', 'Bad_Name'),
);
const hubArg = fc.oneof(fc.tuple(fc.constantFrom(...HUB_FLAGS), hubValue).map(([f, v]) => `--${f}=${v}`), fc.constantFrom(...HUB_FLAGS).map((f) => `--${f}`), hubValue);

test('hub parseConfig: never throws; a valid config or one error naming the flag, bounded', (t) => {
  const seen = { ok: 0, error: 0 };
  check(t, fc.property(fc.array(hubArg, { maxLength: 6 }), fc.dictionary(fc.constantFrom(...HUB_FLAGS.map((f) => `NODEMEND_HUB_${f.toUpperCase().replace(/-/g, '_')}`)), hubValue, { maxKeys: 3, noNullPrototype: true }), (argv, env) => {
    const r = parseConfig(argv, env);
    seen[r.ok ? 'ok' : 'error']++;
    if (r.ok) {
      assert.ok(r.config.listen.port >= 0 && r.config.listen.port <= 65535);
      assert.ok(r.config.heartbeatMs >= 100 && r.config.heartbeatMs <= 600_000);
      assert.ok(['tokenreview', 'none'].includes(r.config.auth));
    } else {
      assert.match(r.error.split('\n')[0], /--[a-z]|argument/, r.error);
      assert.ok(r.error.split('\n')[0].length < 1200, 'first line bounded');
    }
  }), 3000);
  t.diagnostic(`outcomes: ${JSON.stringify(seen)}`);
  assert.ok(seen.ok > 50 && seen.error > 50, JSON.stringify(seen));
});

test('hub parseConfig: --listen round-trips host and port; a flag beats the environment', (t) => {
  check(t, fc.property(fc.ipV4(), fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 }), (host, port, envPort) => {
    const r = parseConfig([`--listen=${host}:${port}`], { NODEMEND_HUB_LISTEN: `127.0.0.1:${envPort}` });
    assert.ok(r.ok, r.ok ? '' : r.error);
    assert.deepEqual(r.config.listen, { host, port });
    const e = parseConfig([], { NODEMEND_HUB_LISTEN: `127.0.0.1:${envPort}` });
    assert.ok(e.ok && e.config.listen.port === envPort);
  }), 1000);
});

const hhmm = (min: number) => `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
const nearWindow = fc.oneof(
  nasty.map((s) => s.slice(0, 200)),
  fc.tuple(fc.constantFrom('', 'mon-fri ', 'sat,sun ', 'fri-mon ', '0-6 ', 'xyz ', '* '), fc.integer({ min: -5, max: 1500 }), fc.integer({ min: -5, max: 1500 }), fc.constantFrom('', ' UTC', ' Europe/Berlin', ' Mars/Olympus', ' +01:00', ' America/New_York'))
    .map(([d, a, b, z]) => `${d}${hhmm(Math.abs(a))}-${hhmm(Math.abs(b))}${z}`),
);

test('--window, --window-cron, days and times: never throw; errors name the flag; valid windows answer for any time', (t) => {
  const seen = { ok: 0, error: 0 };
  check(t, fc.property(nearWindow, fc.oneof(nasty.map((s) => s.slice(0, 100)), fc.constantFrom('0 2 * * sat for 4h', '*/2 * * * * for 1m UTC', '61 * * * *', '0 2 * * sat for -1h', '* * * * * for 1h Mars/X', '0 0 30 2 *')), fc.integer({ min: 0, max: 4_102_444_800_000 }), (w, cron, now) => {
    const a = parseWindow('--window', w, 'UTC');
    const b = parseCronWindow('--window-cron', cron, 3_600_000, 'UTC');
    for (const r of [a, b]) {
      seen[r.ok ? 'ok' : 'error']++;
      if (!r.ok) {
        assert.match(r.error, /^--window(-cron)?: /, r.error);
        assert.ok(r.error.length < 1200);
      } else {
        const s = windowState([r.value], now);
        assert.equal(typeof inWindow([r.value], now), 'boolean');
        assert.ok(s !== undefined);
      }
    }
    for (const r of [parseDays('--reboot-days', w), parseTimeOfDay('--start-time', w)]) if (!r.ok) assert.match(r.error, /^--(reboot-days|start-time): /);
  }), 2000);
  t.diagnostic(`outcomes: ${JSON.stringify(seen)}`);
  assert.ok(seen.ok > 100 && seen.error > 100, JSON.stringify(seen));
});

test('--window "HH:MM-HH:MM UTC" agrees with a model of minutes since midnight (wrapping past midnight)', (t) => {
  check(t, fc.property(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 0, max: 4_102_444_800_000 }), (a, b, now) => {
    fc.pre(a !== b);
    const r = parseWindow('--window', `${hhmm(a)}-${hhmm(b)} UTC`, 'UTC');
    assert.ok(r.ok, r.ok ? '' : r.error);
    const d = new Date(now);
    const m = d.getUTCHours() * 60 + d.getUTCMinutes();
    // The end minute is inclusive (the window closes at its last second).
    const inside = a < b ? m >= a && m <= b : m >= a || m <= b;
    assert.equal(inWindow([r.value], now), inside, `window ${hhmm(a)}-${hhmm(b)} at ${d.toISOString()}`);
  }), 3000);
});

test('extension requests: what a person types reads back through the agent parser unchanged, or is refused', (t) => {
  const seen = { ok: 0, refused: 0 };
  check(t, fc.property(nasty.map((s) => s.slice(0, 400)), fc.option(fc.integer({ min: 0, max: 4_102_444_800_000 }), { nil: undefined }), fc.integer({ min: 0, max: 4_102_444_800_000 }), (reason, until, at) => {
    const b = block(reason, until);
    seen[b.ok ? 'ok' : 'refused']++;
    if (!b.ok) {
      assert.match(b.error, /nodemend\.dev\/block/, b.error);
    } else {
      const ann = Object.fromEntries(Object.entries(b.patch.metadata.annotations).filter((e): e is [string, string] => e[1] !== null));
      const back = parseRequests(ann);
      assert.ok(back.block, 'a built block always blocks');
      assert.equal(back.block.reason, ann[A.block]);
      if (until !== undefined) assert.equal(back.block.until, Math.floor(until / 1000) * 1000);
    }
    const s = parseRequests(scheduleReboot(at).ok ? (scheduleReboot(at) as { patch: { metadata: { annotations: Record<string, string> } } }).patch.metadata.annotations : {});
    assert.equal(s.rebootAfter, Math.floor(at / 1000) * 1000);
    const f = forceReboot(at);
    assert.ok(f.ok && parseRequests(f.patch.metadata.annotations as Record<string, string>).forceReboot === Math.floor(at / 1000) * 1000);
  }), 2000);
  t.diagnostic(`outcomes: ${JSON.stringify(seen)}`);
  assert.ok(seen.ok > 100 && seen.refused > 100, JSON.stringify(seen));
});
