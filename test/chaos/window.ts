// The chaos runs' maintenance window as the watcher judges it: open in even UTC minutes of the
// node's own clock. A node whose clock is off opens its window by that clock (as it would in
// production), so the watcher reads the time the node's clock showed, not true time.

/** Open in even minutes of the clock reading t; the watcher sees a phase change up to a few seconds late. */
export const evenMinute = (t: number): boolean => [t, t - 3000].some((x) => Math.floor(x / 60_000) % 2 === 0);

/** A window judged by each node's own clock: `offsetAt(node, t)` is how far that clock was ahead of true time t. */
export function byOwnClock(open: (clockReading: number) => boolean, offsetAt: (node: string, t: number) => number): (node: string, t: number) => boolean {
  return (node, t) => open(t + offsetAt(node, t));
}
