// The one informer of the agent and the hub: client-node's ListWatch (cache, 410 Gone relists)
// with client-go's reflector behaviour around it.
//
// - Restart after errors: client-node's ListWatch stops for good on an error; this restarts it,
//   keeping the last cache meanwhile.
// - Backoff like client-go's reflector: 0.8 s doubling to a 30 s cap, each delay drawn between
//   half and all of its step (jitter, so a fleet that lost the API server together does not come
//   back in step). It is reset only by contact that worked: a list that returned, or a watch the
//   API server accepted (status 200). Not by client-node's CONNECT event, which fires at the start
//   of every attempt, successful or not; resetting there kept the delay at its first step and made
//   every informer of every agent retry every 0.5-1 s through an outage.
// - Watch timing of quietWatch (kube.ts): 30-60 minute watches with bookmarks.
//
// Imports nothing from agent/ or hub/: both build on it.

import * as k8s from '@kubernetes/client-node';
import { quietWatch, withTimeout } from './kube.ts';
import { errMsg, type Logger } from './log.ts';

export interface Watcher<T extends k8s.KubernetesObject> {
  readonly cache: k8s.ObjectCache<T>;
  /** True once the first list arrived. */
  synced(): boolean;
  /** True unless the last attempt failed and no list or watch has worked since. */
  healthy(): boolean;
  /** How many times a list or watch has worked again after failing: the cache may have missed changes meanwhile. */
  recoveries(): number;
  /** Resolves after the first list (or rejects after timeoutMs). */
  waitSynced(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/** client-go's reflector: 800 ms, doubling, at most 30 s. */
export const INFORMER_BACKOFF: Backoff = { initialMs: 800, maxMs: 30_000 };

/** The delay before retry number `failures` (1 = the first retry): half to all of the capped step. */
export function retryDelay(failures: number, b: Backoff = INFORMER_BACKOFF, random: () => number = Math.random): number {
  const step = Math.min(b.maxMs, b.initialMs * 2 ** Math.min(Math.max(failures - 1, 0), 30));
  return Math.round(step / 2 + (random() * step) / 2);
}

export interface InformerOptions<T extends k8s.KubernetesObject> {
  /** For logs. */
  name: string;
  /** The watch path, e.g. /api/v1/nodes. */
  path: string;
  list: () => Promise<k8s.KubernetesListObject<T>>;
  onChange?: (kind: 'add' | 'update' | 'delete', obj: T) => void;
  fieldSelector?: string;
  labelSelector?: string;
  /** Applied to each object a watch delivers before the cache keeps it (the hub slims). */
  transform?: (obj: T) => T;
  /** A callback that throws is logged and skipped: it must never stop the watch. */
  guard?: boolean;
  log: Logger;
  backoff?: Backoff;
  random?: () => number;
}

export function informer<T extends k8s.KubernetesObject>(kc: k8s.KubeConfig, o: InformerOptions<T>): Watcher<T> {
  let synced = false;
  let failing = false;
  let stopped = false;
  let failures = 0;
  let recoveries = 0;
  let timer: NodeJS.Timeout | undefined;
  const waiters: (() => void)[] = [];
  const worked = () => {
    if (failing) recoveries++;
    failures = 0;
    failing = false;
  };
  const listFn = async () => {
    const l = await o.list();
    // The cache applies the list synchronously after this resolves; flag it right after.
    queueMicrotask(() => {
      worked();
      if (!synced) {
        synced = true;
        for (const w of waiters.splice(0)) w();
      }
    });
    return l;
  };
  const lw = new k8s.ListWatch<T>(o.path, acceptedWatch(quietWatch(kc), worked, o.transform), listFn, false, o.labelSelector, o.fieldSelector);
  const call = (kind: 'add' | 'update' | 'delete') => (obj: T) => {
    if (!o.onChange) return;
    try {
      o.onChange(kind, obj);
    } catch (e) {
      if (!o.guard) throw e;
      o.log.error('could not apply a cluster change; skipped', { informer: o.name, object: obj.metadata?.name, error: errMsg(e) });
    }
  };
  lw.on(k8s.ADD, call('add'));
  lw.on(k8s.UPDATE, call('update'));
  lw.on(k8s.DELETE, call('delete'));
  lw.on(k8s.ERROR, (err) => {
    failing = true;
    if (stopped) return;
    failures++;
    const retryMs = retryDelay(failures, o.backoff, o.random);
    o.log.warn('watch failed; retrying', { informer: o.name, error: errMsg(err), retryMs, failures });
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!stopped) lw.start().catch((e) => o.log.warn('watch restart failed', { informer: o.name, error: errMsg(e) }));
    }, retryMs);
    timer.unref();
  });
  lw.start().catch((e) => o.log.warn('watch start failed', { informer: o.name, error: errMsg(e) }));
  return {
    cache: lw,
    synced: () => synced,
    healthy: () => !failing,
    recoveries: () => recoveries,
    waitSynced(timeoutMs) {
      if (synced) return Promise.resolve();
      return withTimeout(new Promise<void>((r) => waiters.push(r)), timeoutMs, `first list of ${o.name}`);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await lw.stop();
    },
  };
}

/**
 * A Watch that reports when the API server accepted it (client-node's watch() resolves either way;
 * a refused one has called `done` with the error by then), and applies `transform` to the objects
 * of the three change phases (an ERROR carries a Status, a BOOKMARK only a resourceVersion).
 */
export function acceptedWatch<T extends k8s.KubernetesObject>(w: k8s.Watch, accepted: () => void, transform?: (obj: T) => T): k8s.Watch {
  const watch = w.watch.bind(w);
  w.watch = async (path, query, callback, done) => {
    let ended = false;
    const cb = transform
      ? (phase: string, obj: unknown, raw: unknown) => callback(phase, phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED' ? transform(obj as T) : obj, raw)
      : callback;
    const r = await watch(path, query, cb, (err) => {
      ended = true;
      done(err);
    });
    if (!ended) accepted();
    return r;
  };
  return w;
}
