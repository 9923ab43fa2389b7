import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFromLog, summarizeLab, type LabRun } from './lab.ts';

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

test('runFromLog: the lines the lab test prints, and nothing else', () => {
  const log = [
    'test: 112 test files (1 on the real-node lab, run after the others)',
    'lab up: {"artifacts":0.2,"nodesReady":132.8}',
    '  ✔ the shipped manifests run the image built here as a pod on every real kubelet (434ms)',
    'lab-3 (command): {"sentinelToLock":25.5,"lockToCordon":21}',
    'lab-2 (signal): {"sentinelToLock":21.9}',
    'handoffs (ms): [812,1093]',
    'lab-x (command): not json',
  ].join('\n');
  const run = runFromLog(log, 'now');
  assert.deepEqual(run.lab, { artifacts: 0.2, nodesReady: 132.8 });
  assert.deepEqual(run.reboots.map((r) => `${r.node} ${r.method} ${r.spans.sentinelToLock}`), ['lab-3 command 25.5', 'lab-2 signal 21.9']);
  assert.deepEqual(run.handoffsMs, [812, 1093]);
});
