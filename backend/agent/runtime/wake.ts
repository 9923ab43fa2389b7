// A wake-up signal for the runtime loop: event sources (node informer, sentinel watch, Lease
// changes, timers) kick it; the loop sleeps on the injected Clock until kicked, until a deadline,
// or until shutdown. A kick that arrives while the loop is busy is kept, so none is lost.

import type { Clock } from '../ports.ts';

export class Wake {
  private pending = false;
  private current: AbortController | undefined;
  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  kick(): void {
    this.pending = true;
    this.current?.abort();
  }

  /** Sleeps up to ms (or until `until`), returning early on a kick or abort. Returns true if kicked. */
  async sleep(ms: number, signal: AbortSignal): Promise<boolean> {
    if (this.pending || signal.aborted) return this.take();
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    this.current = ac;
    try {
      await this.clock.sleep(Math.max(0, ms), ac.signal);
    } finally {
      this.current = undefined;
      signal.removeEventListener('abort', onAbort);
    }
    return this.take();
  }

  private take(): boolean {
    const was = this.pending;
    this.pending = false;
    return was;
  }
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted || ms <= 0) return resolve();
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};
