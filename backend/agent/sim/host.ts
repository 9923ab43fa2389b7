// A simulated machine's Host port: the sentinel is a file of its own (a temp folder per node, so
// many agents share one process), watched like the real one; reboot() hands over to the fleet,
// which takes the machine down and brings it back with a fresh agent.

import type { Disposable, Host, SentinelResult } from '../ports.ts';
import { FileSentinel } from '../sentinel/file.ts';

export class SimHost implements Host {
  readonly sentinelPath: string;
  private readonly sentinel: FileSentinel;
  private readonly onReboot: () => void;

  constructor(sentinelPath: string, recheckMs: number, onReboot: () => void) {
    this.sentinelPath = sentinelPath;
    this.sentinel = new FileSentinel({ path: sentinelPath, recheckMs });
    this.onReboot = onReboot;
  }

  checkSentinel(): Promise<SentinelResult> {
    return this.sentinel.check();
  }

  watchSentinel(onChange: () => void): Disposable {
    return this.sentinel.watch(onChange);
  }

  /** Returns at once, like a real reboot command; the machine goes down moments later. */
  async reboot(): Promise<void> {
    setImmediate(this.onReboot);
  }
}
