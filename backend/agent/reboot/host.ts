// The real node's Host port: a sentinel (file or command) plus a reboot method.

import type { Disposable, Host, SentinelResult } from '../ports.ts';
import type { SentinelSource } from '../sentinel/file.ts';
import type { Rebooter } from './reboot.ts';

export class NodeHost implements Host {
  private readonly sentinel: SentinelSource;
  private readonly rebooter: Rebooter;

  constructor(sentinel: SentinelSource, rebooter: Rebooter) {
    this.sentinel = sentinel;
    this.rebooter = rebooter;
  }

  checkSentinel(): Promise<SentinelResult> {
    return this.sentinel.check();
  }

  watchSentinel(onChange: () => void): Disposable {
    return this.sentinel.watch(onChange);
  }

  reboot(): Promise<void> {
    return this.rebooter.reboot();
  }
}
