// Port-forward mode: a listener on 127.0.0.1 (random port) whose every connection is tunnelled to
// a ready hub pod through the API server (pods/portforward), like `kubectl port-forward`. For
// clusters whose API server cannot proxy to Services (some managed control planes).

import * as k8s from '@kubernetes/client-node';
import { createServer, type AddressInfo, type Server } from 'node:net';
import type { Log } from '../log/log.ts';
import { describeKubeError } from '../kube/errors.ts';
import { TargetError } from './hub-client.ts';
import { HUB_SERVICE } from './settings.ts';

/** The container port a Service port leads to on one pod (targetPort may be a number or a name). */
export function containerPort(svc: k8s.V1Service, pod: k8s.V1Pod, portName: string): number | undefined {
  const sp = svc.spec?.ports?.find((p) => p.name === portName) ?? svc.spec?.ports?.[0];
  if (!sp) return undefined;
  const tp = sp.targetPort ?? sp.port;
  if (typeof tp === 'number') return tp;
  if (/^\d+$/.test(String(tp))) return Number(tp);
  for (const c of pod.spec?.containers ?? []) {
    const p = c.ports?.find((x) => x.name === tp);
    if (p) return p.containerPort;
  }
  return undefined;
}

function ready(p: k8s.V1Pod): boolean {
  return p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp && !!p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
}

export async function openPortForward(kc: k8s.KubeConfig, context: string, namespace: string, log: Log): Promise<{ url: string; dispose(): void }> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  let svc: k8s.V1Service;
  try {
    svc = await core.readNamespacedService({ name: HUB_SERVICE.name, namespace });
  } catch (e) {
    if ((e as { code?: number }).code === 404) {
      throw new TargetError({ state: 'no-backend', detail: `nodemend is not installed in context "${context}" (no Service ${HUB_SERVICE.name} in namespace "${namespace}").`, transient: false });
    }
    throw new TargetError({ state: 'error', detail: describeKubeError(e, { what: 'find the hub Service', verb: 'get', resource: 'services', namespace, name: HUB_SERVICE.name, context }), transient: true });
  }
  const selector = Object.entries(svc.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  let pods: k8s.V1Pod[] = [];
  try {
    if (selector) pods = (await core.listNamespacedPod({ namespace, labelSelector: selector })).items;
  } catch (e) {
    throw new TargetError({ state: 'error', detail: describeKubeError(e, { what: 'find a hub pod', verb: 'list', resource: 'pods', namespace, context }), transient: true });
  }
  const pod = pods.find(ready);
  if (!pod?.metadata?.name) throw new TargetError({ state: 'connecting', detail: `The hub is not ready yet (no ready pod behind Service ${HUB_SERVICE.name}); retrying.`, transient: true });
  const port = containerPort(svc, pod, HUB_SERVICE.port);
  if (!port) throw new TargetError({ state: 'error', detail: `Service ${HUB_SERVICE.name} has no port "${HUB_SERVICE.port}" that leads to a container port of pod ${pod.metadata.name}.`, transient: false });

  const podName = pod.metadata.name;
  const pf = new k8s.PortForward(kc, true);
  const server: Server = createServer((socket) => {
    pf.portForward(namespace, podName, [port], socket, null, socket).catch((e: unknown) => {
      log.warn(`port-forward to ${namespace}/${podName}:${port} failed: ${e instanceof Error ? e.message : String(e)}`);
      socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const local = (server.address() as AddressInfo).port;
  log.info(`port-forward 127.0.0.1:${local} -> ${namespace}/${podName}:${port}`);
  return { url: `ws://127.0.0.1:${local}${HUB_SERVICE.path}`, dispose: () => server.close() };
}
