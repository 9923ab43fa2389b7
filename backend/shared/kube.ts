// Small Kubernetes helpers both the agent and the hub need: HTTP status and message of client
// errors, patch content types, time fields that arrive as Date (typed reads) or string (watch
// events, MicroTime), and the watch timing of informers (informer.ts).

import * as k8s from '@kubernetes/client-node';
import { errMsg } from './log.ts';

/** HTTP status of a client-node error (ApiException), or undefined (network error, timeout...). */
export function code(e: unknown): number | undefined {
  if (typeof e !== 'object' || e === null || !('code' in e)) return undefined;
  const c = Number((e as { code: unknown }).code);
  return Number.isInteger(c) && c >= 100 && c < 600 ? c : undefined;
}

/** The API server's own message of an error (the Status body), else the error's message. */
export function apiMessage(e: unknown): string {
  if (typeof e === 'object' && e !== null && 'body' in e) {
    let b: unknown = (e as { body: unknown }).body;
    if (typeof b === 'string') {
      const raw: string = b;
      try {
        b = JSON.parse(raw);
      } catch {
        return raw.slice(0, 300) || errMsg(e).split('\n')[0];
      }
    }
    if (typeof b === 'object' && b !== null && typeof (b as { message?: unknown }).message === 'string') {
      return (b as { message: string }).message;
    }
  }
  return errMsg(e).split('\n')[0];
}

export const mergePatch = () => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
export const jsonPatch = () => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch);

/**
 * A MicroTime the API server accepts: client-node sends a plain Date with millisecond precision,
 * which a MicroTime field (Lease renewTime/acquireTime) rejects; V1MicroTime prints six digits.
 */
export function microTime(ms: number): k8s.V1MicroTime {
  return new k8s.V1MicroTime(ms);
}

/** Epoch ms of a time field, whatever form it arrived in; undefined when absent or unreadable. */
export function timeMs(t: unknown): number | undefined {
  if (t instanceof Date) return Number.isNaN(t.getTime()) ? undefined : t.getTime();
  if (typeof t === 'string' && t !== '') {
    const v = Date.parse(t);
    return Number.isNaN(v) ? undefined : v;
  }
  return undefined;
}

export function isNodeReady(n: k8s.V1Node | undefined): boolean {
  return !!n?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** When the node's Ready condition last changed (to its current value), if known. */
export function readyTransition(n: k8s.V1Node | undefined): number | undefined {
  return timeMs(n?.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime);
}

/** Rejects after ms: API calls must not hang the agent while the API server is away. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`${what}: no answer from the API server within ${ms} ms`)), ms);
    // A deadline alone must not keep the process alive (a stop during start-up left the informers'
    // 30 s sync deadline holding the exit).
    t.unref();
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(t);
  }
}

/**
 * Watch timing. client-node's default is a 30 s inactivity timeout, so on a quiet cluster every
 * watch was torn down and reopened twice a minute: ~360 API requests per agent per hour at idle
 * (measured by the bench). Instead the API server is asked to end each watch after 30 to 60
 * minutes: the API server's own default for a watch that names no timeout (--min-request-timeout,
 * 1800 s, times 1 + rand), jittered so a fleet of agents does not reconnect in step; the informer
 * resumes from its resourceVersion, no relist. client-go's reflector asks for 5 to 10 minutes,
 * which with the agent's three watches was 22 requests per agent per hour at idle (measured over
 * 25 minutes); a DaemonSet on hundreds of nodes is where that adds up, and 30 to 60 minutes makes
 * it about 4. What the short timeout bought, noticing a dead connection, comes from bookmarks
 * here: the API server's watch cache sends an idle watch one a minute (measured against the test
 * control plane: 60.9 s apart), so a watch silent through three of them is a dead connection (a
 * NAT or load balancer dropped it without a reset) and is reopened after 180 s. An API server
 * that shuts down (a rolling upgrade) closes its watches, and they reopen on another replica.
 * Meanwhile a live watch delivers every change at once, and lock writes are compare-and-swap
 * whatever the cache says. Without bookmarks (an API server that sends none) a quiet watch is
 * reopened every 3 minutes: more requests, nothing missed.
 */
export const WATCH_SERVER_TIMEOUT_S: readonly [number, number] = [1800, 3600];
export const WATCH_IDLE_TIMEOUT_MS = 180_000;

/** A client-node Watch with the timing above. */
export function quietWatch(kc: k8s.KubeConfig, random: () => number = Math.random): k8s.Watch {
  const w = new k8s.Watch(kc);
  // A runtime field that client-node declares private: kube.test.ts checks that it exists, so an
  // upgrade that renames it fails a test instead of silently bringing back the 30 s churn.
  (w as unknown as { requestTimeoutMs: number }).requestTimeoutMs = WATCH_IDLE_TIMEOUT_MS;
  const watch = w.watch.bind(w);
  const [lo, hi] = WATCH_SERVER_TIMEOUT_S;
  w.watch = (path, query, callback, done) =>
    watch(path, { ...query, allowWatchBookmarks: true, timeoutSeconds: lo + Math.floor(random() * (hi - lo)) }, callback, done);
  return w;
}
