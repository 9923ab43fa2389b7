import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration } from './duration.ts';

const ms = (raw: string) => {
  const r = parseDuration(raw);
  return r.ok ? r.ms : r.error;
};

test("Go's units, combined, fractional, and days", () => {
  assert.equal(ms('90s'), 90_000);
  assert.equal(ms('1h30m'), 5_400_000);
  assert.equal(ms('1.5h'), 5_400_000);
  assert.equal(ms('2d'), 172_800_000);
  assert.equal(ms('0'), 0);
  assert.equal(ms('500ms'), 500);
});

test('microseconds in all three spellings Go accepts: us, the micro sign and the Greek mu', () => {
  for (const raw of ['2000us', '2000\u00b5s', '2000\u03bcs']) assert.equal(ms(raw), 2, raw);
});

test('a bad duration says what is expected', () => {
  assert.match(String(ms('5 minutes')), /expected a duration such as 30s/);
  assert.match(String(ms('-5s')), /expected a duration/);
});
