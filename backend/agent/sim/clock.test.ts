import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimClocks } from './clock.ts';

test('a machine clock is true time plus its offset, follows a step, and remembers what it showed when', async () => {
  const c = new SimClocks();
  const t0 = Date.now();
  c.set('a', -600_000, t0 - 10_000);
  const clock = c.clock('a');
  assert.ok(Math.abs(clock.now() - (Date.now() - 600_000)) < 50);
  c.set('a', 420_000, t0);
  assert.ok(Math.abs(clock.now() - (Date.now() + 420_000)) < 50, 'the running clock follows the step');
  assert.equal(c.offsetAt('a', t0 - 5000), -600_000, 'before the step');
  assert.equal(c.offsetAt('a', t0 + 1), 420_000);
  assert.equal(c.offsetAt('b', t0), 0, 'a machine never skewed shows true time');
  assert.deepEqual(c.offsets(), { a: 420_000 });
  // Sleeps are true durations, whatever the clock shows.
  const s = Date.now();
  await clock.sleep(30);
  assert.ok(Date.now() - s >= 25 && Date.now() - s < 1000);
  assert.throws(() => c.set('a', Number.NaN), /clock offset of a/);
});
