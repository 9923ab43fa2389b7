// The window promise under clock skew: a reboot is judged by what the node's own clock showed
// when it began. The same reboot is in the window by one clock and outside it by the other.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Invariants } from './invariants.ts';
import { lease, node, policy } from './timeline.ts';
import { byOwnClock, evenMinute } from './window.ts';
import { SimClocks } from '../../backend/agent/sim/clock.ts';

/** Node a reboots under a lock, the reboot beginning at true time `at`; returns the promises broken. */
function reboot(at: number, inWindow: (n: string, t: number) => boolean): number[] {
  const inv = new Invariants(policy({ inWindow }));
  inv.lease(at - 1000, lease('nodemend-lock-0', 'a'));
  inv.lease(at - 1000, lease('nodemend-lock-z-0', 'a'));
  inv.node(at, node({ name: 'a', phase: 'rebooting' }));
  inv.node(at + 500, node({ name: 'a', phase: 'verifying', boot: 'b2' }));
  return inv.violations.map((v) => v.promise);
}

test('a skewed node is judged by its own clock: in its window though true time is not, and the other way round', () => {
  const clocks = new SimClocks();
  clocks.set('a', 60_000, 0); // a's clock runs one minute ahead
  const own = byOwnClock(evenMinute, (n, t) => clocks.offsetAt(n, t));
  const trueTime = (_n: string, t: number) => evenMinute(t);
  const oddTrueMinute = 60_000 * 101 + 30_000; // true minute 101 (closed by true time), a's minute 102
  assert.deepEqual(reboot(oddTrueMinute, own), []);
  assert.deepEqual(reboot(oddTrueMinute, trueTime), [2]);
  const evenTrueMinute = 60_000 * 100 + 30_000; // true minute 100, a's minute 101: outside a's window
  assert.deepEqual(reboot(evenTrueMinute, own), [2]);
  assert.deepEqual(reboot(evenTrueMinute, trueTime), []);
});

test('a step of the clock counts from the moment it happened', () => {
  const clocks = new SimClocks();
  clocks.set('a', 0, 0);
  clocks.set('a', -60_000, 60_000 * 100); // stepped one minute back at true minute 100
  const own = byOwnClock(evenMinute, (n, t) => clocks.offsetAt(n, t));
  assert.equal(own('a', 60_000 * 99 + 30_000), false, 'before the step: true minute 99');
  assert.equal(own('a', 60_000 * 101 + 30_000), true, 'after it: true minute 101 reads as minute 100');
});
