// Kubernetes adapters of the hub: informers (list + watch + cache, 410 Gone relists) for Nodes,
// the lock Leases and the agent DaemonSet in the agent namespace, and the agent's Events about
// Nodes (protocol/events.ts); the TokenReview/SubjectAccessReview port; the API server's own
// addresses.
// The hub only reads (and creates reviews, which change nothing).

import * as k8s from '@kubernetes/client-node';
import { apiServerAddressesOf, audienceError, type Identity, type ReviewPort } from './auth.ts';
import { AGENT_EVENT_COMPONENT, NODE_EVENTS_NAMESPACE } from '../../protocol/events.ts';
import type { JsonLogger } from '../shared/log.ts';
import { acceptedWatch, informer, type Watcher } from '../shared/informer.ts';
import { slimDaemonSet, slimEvent, slimLease, slimNode, type Slim } from './slim.ts';

export interface Sink<T> {
  upsert(obj: T): void;
  remove(obj: T): void;
}

export interface Watched {
  /** True once every informer finished its first list. */
  synced(): boolean;
  /** True while no informer is in an error backoff. */
  healthy(): boolean;
  stop(): Promise<void>;
}


export interface InformerSinks {
  nodes: Sink<k8s.V1Node>;
  leases: Sink<k8s.V1Lease>;
  daemonset: Sink<k8s.V1DaemonSet>;
  events: Sink<k8s.CoreV1Event>;
}

/** Objects per list request. A list of thousands of kubelet-sized Nodes in one response was the
 *  hub's peak memory (the whole JSON, parsed, then deserialized again by the client); in pages
 *  of 500 (client-go's reflector default), each page is slimmed before the next is fetched. */
export const LIST_PAGE_SIZE = 500;

type Page<T extends k8s.KubernetesObject> = (o: { limit: number; _continue?: string }) => Promise<k8s.KubernetesListObject<T>>;

/** Every page of a list, slimmed as it arrives, as one list. The pages of one list are one
 *  consistent snapshot (the API server's continue token), whose resourceVersion the first page
 *  carries; the watch starts from it. An expired token (410) fails the list, which is retried. */
export async function pagedList<T extends k8s.KubernetesObject>(page: Page<T>, slim: Slim<T>, limit = LIST_PAGE_SIZE): Promise<k8s.KubernetesListObject<T>> {
  const first = await page({ limit });
  const items = first.items.map(slim);
  first.items = []; // the first page's whole objects are not kept alive while the rest come
  for (let cont = first.metadata?._continue; cont; ) {
    const next = await page({ limit, _continue: cont });
    for (const o of next.items) items.push(slim(o));
    cont = next.metadata?._continue;
  }
  return { ...first, metadata: { ...first.metadata, _continue: undefined }, items };
}

export function startInformers(kc: k8s.KubeConfig, namespace: string, dsName: string, sinks: InformerSinks, log: JsonLogger, opts: { pageSize?: number } = {}): Watched {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const coord = kc.makeApiClient(k8s.CoordinationV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const all: Pick<Watcher<k8s.KubernetesObject>, 'synced' | 'healthy' | 'stop'>[] = [];

  function add<T extends k8s.KubernetesObject>(name: string, path: string, list: Page<T>, slim: Slim<T>, sink: Sink<T>, fieldSelector?: string): void {
    // The shared informer: client-go's backoff and the agent's watch timing (30-60 min watches,
    // bookmarks). Objects are slimmed before the cache keeps them, and one the model cannot
    // digest is logged and skipped: it must never stop the watch or the hub.
    const w = informer<T>(kc, {
      name,
      path,
      list: () => pagedList(list, slim, opts.pageSize),
      onChange: (kind, o) => (kind === 'delete' ? sink.remove(o) : sink.upsert(o)),
      fieldSelector,
      transform: slim,
      guard: true,
      log,
    });
    all.push(w);
  }

  add('nodes', '/api/v1/nodes', (p) => core.listNode(p), slimNode, sinks.nodes);
  add('leases', `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`, (p) => coord.listNamespacedLease({ namespace, ...p }), slimLease, sinks.leases);
  add(
    'daemonset',
    `/apis/apps/v1/namespaces/${namespace}/daemonsets`,
    (p) => apps.listNamespacedDaemonSet({ namespace, fieldSelector: `metadata.name=${dsName}`, ...p }),
    slimDaemonSet,
    sinks.daemonset,
    `metadata.name=${dsName}`,
  );
  // Only the agent's Events, in the one namespace it writes them to: selected by the API server,
  // so nothing else is listed, cached or shown ("source" is source.component).
  const evNs = NODE_EVENTS_NAMESPACE;
  const evSel = `involvedObject.kind=Node,source=${AGENT_EVENT_COMPONENT}`;
  add('events', `/api/v1/namespaces/${evNs}/events`, (p) => core.listNamespacedEvent({ namespace: evNs, fieldSelector: evSel, ...p }), slimEvent, sinks.events, evSel);

  return {
    synced: () => all.every((w) => w.synced()),
    healthy: () => all.every((w) => w.healthy()),
    async stop() {
      await Promise.all(all.map((w) => w.stop()));
    },
  };
}

/** A Watch whose objects are cut down (slim.ts) before the informer caches them. Only objects
 *  of the three change phases: an ERROR carries a Status, a BOOKMARK only a resourceVersion. */
export function slimmingWatch<T extends k8s.KubernetesObject>(w: k8s.Watch, slim: Slim<T>): k8s.Watch {
  return acceptedWatch(w, () => undefined, slim);
}

/** `audiences`: the hub's own token audiences (--token-audiences); empty = the API server's. */
export function reviewPort(kc: k8s.KubeConfig, audiences: readonly string[] = []): ReviewPort {
  const authn = kc.makeApiClient(k8s.AuthenticationV1Api);
  const authz = kc.makeApiClient(k8s.AuthorizationV1Api);
  return {
    async tokenReview(token) {
      const spec: k8s.V1TokenReviewSpec = { token };
      if (audiences.length) spec.audiences = [...audiences];
      const r = await authn.createTokenReview({ body: { spec } });
      const u = r.status?.user;
      if (!r.status?.authenticated || !u?.username) {
        const why = r.status?.error ?? '';
        // With an audience, the usual cause is a token made for the API server: say how to get one.
        return { authenticated: false, error: audiences.length ? [why, audienceError(audiences, [])].filter(Boolean).join('; ') : why };
      }
      const wrong = audienceError(audiences, r.status.audiences);
      if (wrong) return { authenticated: false, error: wrong };
      const user: Identity = { username: u.username };
      if (u.uid) user.uid = u.uid;
      if (u.groups) user.groups = u.groups;
      if (u.extra) user.extra = u.extra;
      return { authenticated: true, user };
    },
    async canListNodes(user) {
      const r = await authz.createSubjectAccessReview({
        body: {
          spec: {
            user: user.username,
            uid: user.uid,
            groups: user.groups,
            extra: user.extra,
            resourceAttributes: { verb: 'list', group: '', resource: 'nodes' },
          },
        },
      });
      return { allowed: !!r.status?.allowed && !r.status?.denied, reason: r.status?.reason ?? '' };
    },
  };
}

/** Addresses of the API server: the EndpointSlices it writes itself for default/kubernetes. */
export async function apiServerAddresses(kc: k8s.KubeConfig): Promise<string[]> {
  const disc = kc.makeApiClient(k8s.DiscoveryV1Api);
  const l = await disc.listNamespacedEndpointSlice({ namespace: 'default', labelSelector: 'kubernetes.io/service-name=kubernetes' });
  return apiServerAddressesOf(l.items);
}
