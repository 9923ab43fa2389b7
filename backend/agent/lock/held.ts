// The lock this node holds, once it holds it: stage updates, renewal while the process lives, and
// release. Every write is a read-modify-write that refuses to touch a Lease another node holds
// now; finding one taken over is "lock lost": the slot is dropped from the held lock, listeners
// are told (the runtime cancels the reboot), and update() throws LockLostError.

import type * as k8s from '@kubernetes/client-node';
import { LockLostError, type Disposable, type HeldLock, type LockLost, type Logger } from '../ports.ts';
import { code, microTime } from '../../shared/kube.ts';
import { errMsg } from '../../shared/log.ts';
import { LEASE_ANNOTATIONS as K } from '../../../protocol/leases.ts';
import { metaAnnotations } from './meta.ts';

export const RETRIES = 6;

/** A Lease API call with a timeout and error accounting (shared with the acquiring side). */
export type Call = <T>(op: string, p: Promise<T>) => Promise<T>;

export interface HeldOptions {
  node: string;
  namespace: string;
  /** 0 = renew only on update(). */
  renewIntervalMs: number;
  now: () => number;
}

export class HeldLeases {
  private readonly coord: k8s.CoordinationV1Api;
  private readonly o: HeldOptions;
  private readonly call: Call;
  private readonly log: Logger;
  private readonly listeners = new Set<(l: LockLost) => void>();
  private timer: NodeJS.Timeout | undefined;
  current: HeldLock | undefined;
  /** The Leases as this process last wrote them (the API server's answer), by name. */
  private readonly written = new Map<string, k8s.V1Lease>();
  /** Set once the held lock was read or taken: `current` is then what this process holds. */
  known = false;

  constructor(coord: k8s.CoordinationV1Api, o: HeldOptions, call: Call, log: Logger) {
    this.coord = coord;
    this.o = o;
    this.call = call;
    this.log = log;
  }

  /** Records a Lease this process has just written (also by the acquiring side), for the next rewrite. */
  remember(l: k8s.V1Lease): void {
    const name = l.metadata?.name;
    if (name && l.spec?.holderIdentity === this.o.node) this.written.set(name, l);
  }

  onLost(cb: (l: LockLost) => void): Disposable {
    this.listeners.add(cb);
    return { dispose: () => this.listeners.delete(cb) };
  }

  /** Remembers the held lock and keeps its Leases renewed while this process lives. */
  keep(lock: HeldLock | undefined): HeldLock | undefined {
    this.current = lock;
    this.known = true;
    const every = this.o.renewIntervalMs;
    if (!lock || lock.leases.length === 0 || every <= 0) {
      this.stop();
    } else if (!this.timer) {
      this.timer = setInterval(() => void this.renew(), every);
      this.timer.unref();
    }
    return lock;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async update(lock: HeldLock): Promise<void> {
    for (const name of lock.leases) {
      await this.rewrite(name, 'update', (l) => {
        l.metadata!.annotations = { ...l.metadata!.annotations, ...metaAnnotations(lock) };
        l.spec!.renewTime = microTime(this.o.now());
        return l;
      });
    }
    this.keep(lock);
  }

  async release(lock: HeldLock): Promise<void> {
    this.keep(undefined);
    for (const name of lock.leases) {
      await this.rewrite(name, 'release', (l) => {
        const ann = { ...l.metadata!.annotations };
        for (const k of Object.values(K)) if (k !== K.scope) delete ann[k];
        l.metadata!.annotations = ann;
        l.spec = { leaseDurationSeconds: l.spec?.leaseDurationSeconds, leaseTransitions: l.spec?.leaseTransitions };
        return l;
      }).catch((e) => {
        if (code(e) !== 404) throw e;
      });
    }
    this.log.info('lock released', { leases: lock.leases });
  }

  /**
   * Renews slots taken during an acquisition still in progress (not yet a held lock). A slot found
   * taken over is returned, not reported to the listeners: the caller gives the rest back.
   */
  async refresh(names: readonly string[]): Promise<LockLost | undefined> {
    for (const name of names) {
      try {
        await this.rewrite(name, 'renew', (l) => {
          l.spec!.renewTime = microTime(this.o.now());
          return l;
        });
      } catch (e) {
        if (e instanceof LockLostError) return e.lost;
        throw e;
      }
    }
    return undefined;
  }

  private async renew(): Promise<void> {
    const lock = this.current;
    if (!lock) return;
    for (const name of lock.leases) {
      try {
        await this.rewrite(name, 'renew', (l) => {
          l.spec!.renewTime = microTime(this.o.now());
          return l;
        });
      } catch (e) {
        // Lost: already handled in rewrite(). Anything else (API down): the next renewal retries.
        if (!(e instanceof LockLostError)) this.log.error('could not renew the lock', { lease: name, error: errMsg(e) });
      }
    }
  }

  /**
   * Read-modify-write of one held Lease (compare-and-swap on its resourceVersion). The first try
   * starts from what this process last wrote to it, when it wrote it: the write succeeds only if
   * nobody wrote since, i.e. it is still ours, and saves a GET per stage change and renewal.
   * Anything else (a 409, nothing written yet) reads afresh, and only a fresh read may say "lost".
   */
  private async rewrite(name: string, op: string, change: (l: k8s.V1Lease) => k8s.V1Lease): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const mine = attempt === 0 ? this.written.get(name) : undefined;
      this.written.delete(name);
      const l = mine ? structuredClone(mine) : await this.call(op, this.coord.readNamespacedLease({ name, namespace: this.o.namespace }));
      const holder = l.spec?.holderIdentity ?? '';
      if (holder !== this.o.node) {
        // Releasing a slot someone else holds now would free their slot: never.
        if (op === 'release') return;
        throw this.lost({ lease: name, holder, at: this.o.now() });
      }
      l.metadata!.annotations ??= {};
      l.spec ??= {};
      try {
        const w = await this.call(op, this.coord.replaceNamespacedLease({ name, namespace: this.o.namespace, body: change(l) }));
        if (op !== 'release') this.remember(w);
        return;
      } catch (e) {
        if (code(e) !== 409 || attempt >= RETRIES) throw e;
      }
    }
  }

  /** Drops the slot from the held lock (it is not ours to renew or release) and tells the listeners. */
  private lost(l: LockLost): LockLostError {
    const cur = this.current;
    if (cur?.leases.includes(l.lease)) {
      this.log.error('lock lost: a held Lease was taken over', { lease: l.lease, holder: l.holder });
      const rest = cur.leases.filter((n) => n !== l.lease);
      this.keep(rest.length ? { ...cur, leases: rest } : undefined);
      for (const cb of this.listeners) cb(l);
    }
    return new LockLostError(l);
  }
}
