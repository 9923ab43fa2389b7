import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay } from './backoff.ts';

const cases: [attempt: number, random: number, want: number][] = [
  [0, 1, 500],
  [0, 0, 250],
  [1, 1, 1000],
  [3, 1, 4000],
  [6, 1, 30_000],
  [100, 1, 30_000],
  [100, 0, 15_000],
];
for (const [attempt, r, want] of cases) test(`backoff attempt ${attempt}, random ${r}`, () => assert.equal(backoffDelay(attempt, () => r), want));
