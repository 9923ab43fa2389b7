// Property tests of the agent's flag and environment parsing (backend/agent/config/): any argv
// and environment gives either a valid config or errors that each name the flag to fix; the
// process never throws on a user's mistake.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseConfig } from '../../backend/agent/config/config.ts';
import { FLAGS, envName } from '../../backend/agent/config/flags.ts';
import { formatDuration, parseDuration } from '../../backend/agent/config/duration.ts';
import { check, nasty } from './support.ts';

const flagName = fc.constantFrom(...FLAGS.map((f) => f.name));
const value = fc.oneof(
  nasty.map((s) => s.slice(0, 300)),
  fc.constantFrom('0', '1', '-1', '1000', '1001', '30s', '1h30m', '10ms', '5m', 'true', 'false', 'mon-fri 22:00-06:00 Europe/Berlin', '0 2 * * sat for 4h', 'Mars/Olympus', 'http://p:9090', 'ftp://x', '(', 'app=x', 'a=b,c=d', 'topology.kubernetes.io/zone', 'signal', 'command', '25:00', 'sun,mon'),
  fc.integer().map(String),
);
const arg = fc.oneof(
  fc.tuple(flagName, value).map(([f, v]) => `--${f}=${v}`),
  flagName.map((f) => `--${f}`),
  value,
  fc.string().map((s) => `--${s}`),
);
const env = fc.dictionary(
  fc.oneof(flagName.map((f) => envName('NODEMEND', f)), flagName.map((f) => envName('KURED', f)), fc.constantFrom('NODE_ID', 'HOME', 'PATH')),
  value,
  { maxKeys: 6, noNullPrototype: true },
);

test('parseConfig: never throws; every error names a flag', (t) => {
  check(t, fc.property(fc.array(arg, { maxLength: 12 }), env, (argv, e) => {
    const r = parseConfig(argv, e);
    if (r.ok) {
      assert.ok(r.config.nodeId.length > 0);
      assert.ok(r.config.concurrency >= 1 && r.config.concurrency <= 1000);
      assert.ok(r.config.windows.length >= 1, 'a valid config always has a window');
    } else {
      assert.ok(r.errors.length > 0);
      for (const err of r.errors) {
        assert.match(err, /--[a-z]|NODEMEND_|KURED_|argument/, `error without a flag name: ${err}`);
        assert.ok(err.length < 1000, `error text not bounded: ${err.length}`);
      }
    }
  }), 3000);
});

// nodemend's rule for NODEMEND_ (a flag beats it) and Kured's for KURED_ (a set variable beats
// the flag, as Kured 1.23's LoadFromEnv does); the two variables disagreeing is an error.
test('parseConfig: --concurrency round-trips; a flag beats NODEMEND_, KURED_ beats the flag, NODEMEND_ and KURED_ must agree', (t) => {
  check(t, fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1000 }), fc.boolean(), (a, b, k, useFlag) => {
    const argv = useFlag ? [`--concurrency=${a}`] : [];
    const nm = parseConfig(argv, { NODEMEND_CONCURRENCY: String(b), NODE_ID: 'node-1' });
    assert.ok(nm.ok, JSON.stringify(nm));
    assert.equal(nm.config.concurrency, useFlag ? a : b);
    const ku = parseConfig(argv, { KURED_CONCURRENCY: String(k), NODE_ID: 'node-1' });
    assert.ok(ku.ok && ku.config.concurrency === k, JSON.stringify(ku));
    const both = parseConfig(argv, { NODEMEND_CONCURRENCY: String(b), KURED_CONCURRENCY: String(k), NODE_ID: 'node-1' });
    if (b === k) assert.ok(both.ok && both.config.concurrency === k, JSON.stringify(both));
    else assert.ok(!both.ok && both.errors.some((e) => e.includes('KURED_CONCURRENCY') && e.includes('NODEMEND_CONCURRENCY')), JSON.stringify(both));
  }), 500);
});

test('parseConfig: out-of-range numbers are refused with the flag named', (t) => {
  check(t, fc.property(fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 1001 }), fc.double().map(String)), (n) => {
    const r = parseConfig([`--node-id=n`, `--concurrency=${n}`], {});
    if (Number.isInteger(Number(n)) && Number(n) >= 1 && Number(n) <= 1000 && /^-?\d+$/.test(String(n))) return;
    assert.ok(!r.ok);
    assert.ok(r.errors.some((e) => e.startsWith('--concurrency: ')), r.errors.join('\n'));
  }), 1000);
});

test('parseDuration: never throws; formatDuration output parses back to the same whole seconds', (t) => {
  check(t, fc.property(nasty, (s) => {
    const d = parseDuration(s);
    if (d.ok) assert.ok(Number.isFinite(d.ms) && d.ms >= 0);
    else assert.match(d.error, /duration/);
  }), 2000);
  check(t, fc.property(fc.integer({ min: 1, max: 10 ** 9 }), (sec) => {
    const d = parseDuration(formatDuration(sec * 1000));
    assert.deepEqual(d, { ok: true, ms: sec * 1000 });
  }), 1000);
});
