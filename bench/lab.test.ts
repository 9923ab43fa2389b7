import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeLab, type LabRun } from './lab.ts';

const reboot = (node: string, s: Record<string, number | undefined>) => ({ node, method: 'command', spans: s });

test('summarizeLab: medians per span, overhead as the median of per-reboot sums, handoffs in seconds', () => {
  const run: LabRun = {
    at: '2026-12-06T00:00:00Z',
    reboots: [
      reboot('a', { sentinelToLock: 1, lockToCordon: 1, readyToUncordon: 2, uncordonToRelease: 1, drain: 30, rebootToReady: 60 }),
      reboot('b', { sentinelToLock: 2, lockToCordon: 1, readyToUncordon: 4, uncordonToRelease: 1, drain: 10, rebootToReady: 80 }),
      reboot('c', { sentinelToLock: 3, lockToCordon: 2, readyToUncordon: 6, uncordonToRelease: 2, drain: 20, rebootToReady: 70 }),
    ],
    handoffsMs: [400, 1200],
  };
  const s = summarizeLab(run);
  assert.equal(s.reboots, 3);
  assert.equal(s.median.drain, 20);
  assert.equal(s.median.rebootToReady, 70);
  assert.equal(s.overheadMedian, 6); // sums 4, 6, 10 (sentinelToLock is not in it)
  assert.equal(s.detection, 1);
  assert.equal(s.handoffMedian, 0.8);
});

test('summarizeLab: a reboot with a missed mark is left out of the overhead, not counted as zero', () => {
  const s = summarizeLab({ at: '', reboots: [reboot('a', { lockToCordon: 1, readyToUncordon: undefined, uncordonToRelease: 1 })], handoffsMs: [] });
  assert.equal(s.overheadMedian, undefined);
  assert.equal(s.handoffMedian, undefined);
  assert.equal(s.detection, undefined);
  assert.equal(s.median.readyToUncordon, undefined);
});
