// Reconnect delays: exponential from 500 ms to 30 s with jitter, so a hub restart does not get
// every VS Code window back in the same second. Pure; randomness injected.

export const BACKOFF_MIN_MS = 500;
export const BACKOFF_MAX_MS = 30_000;

export function backoffDelay(attempt: number, random: () => number): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(attempt, 16));
  return Math.round(base * (0.5 + random() / 2));
}
