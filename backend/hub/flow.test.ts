import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Flow, toShed } from './flow.ts';

const L = { highWater: 1000, lowWater: 100, maxBehindMs: 5000 };

type Step = { offer: [buffered: number, bytes: number, now: number]; want: boolean } | { tick: [buffered: number, now: number]; want: string } | { snapshot: number };

const cases: { name: string; steps: Step[] }[] = [
  { name: 'sends while under the high water mark', steps: [{ offer: [0, 500, 0], want: true }, { offer: [500, 500, 1], want: true }, { tick: [1000, 2], want: 'none' }] },
  { name: 'drops once over, and keeps dropping while behind', steps: [{ offer: [900, 200, 0], want: false }, { offer: [0, 10, 1], want: false }] },
  { name: 'resyncs when drained below the low water mark', steps: [{ offer: [900, 200, 0], want: false }, { tick: [500, 10], want: 'none' }, { tick: [100, 20], want: 'resync' }, { offer: [0, 10, 21], want: true }] },
  { name: 'disconnects after maxBehindMs without draining', steps: [{ offer: [900, 200, 0], want: false }, { tick: [900, 5000], want: 'none' }, { tick: [900, 5001], want: 'disconnect' }] },
  { name: 'a large snapshot in the buffer does not trip the limit', steps: [{ snapshot: 5000 }, { offer: [5000, 500, 0], want: true }, { offer: [6100, 500, 1], want: false }] },
  { name: 'a frame larger than the whole budget is dropped, not queued', steps: [{ offer: [0, 2000, 0], want: false }] },
];

for (const c of cases) {
  test(`flow: ${c.name}`, () => {
    const f = new Flow(L);
    for (const s of c.steps) {
      if ('offer' in s) assert.equal(f.offer(...s.offer), s.want, JSON.stringify(s));
      else if ('tick' in s) assert.equal(f.tick(...s.tick), s.want, JSON.stringify(s));
      else f.sentSnapshot(s.snapshot);
    }
  });
}

test('flow: counts dropped deltas', () => {
  const f = new Flow(L);
  f.offer(2000, 1, 0);
  f.offer(2000, 1, 1);
  assert.equal(f.dropped, 2);
  assert.equal(f.behind, true);
});

const shedCases: { name: string; buffered: number[]; budget: number; want: number[] }[] = [
  { name: 'under the budget: nobody', buffered: [10, 20, 30], budget: 60, want: [] },
  { name: 'over: the furthest behind first, only as many as needed', buffered: [10, 50, 30, 40], budget: 60, want: [50, 40] },
  { name: 'clients with nothing waiting are never cut', buffered: [0, 0, 100], budget: 10, want: [100] },
];
for (const c of shedCases) {
  test(`toShed: ${c.name}`, () => assert.deepEqual(toShed(c.buffered.map((buffered) => ({ buffered })), c.budget).map((x) => x.buffered), c.want));
}
