// Resolves where the hub stream is for the configured mode, with the credentials each needs:
//   proxy         the API server's service proxy, authenticated like any API call (TLS + token/exec)
//   port-forward  a local tunnel to a hub pod (port-forward.ts), trusted by the hub as loopback
//   url           a URL from settings (the hub's direct listener): only the bearer token is sent,
//                 never the cluster's TLS client certificate or CA, which belong to the API server.

import type * as k8s from '@kubernetes/client-node';
import type WebSocket from 'ws';
import type { Log } from '../log/log.ts';
import type { Target } from './hub-client.ts';
import { openPortForward } from './port-forward.ts';
import { proxyStreamUrl, type Settings } from './settings.ts';

export interface KubeTarget {
  kc: k8s.KubeConfig;
  context: string;
  server: string;
}

export async function resolveTarget(s: Settings, k: KubeTarget, log: Log): Promise<Target> {
  const where = { mode: s.hubMode, context: k.context, namespace: s.namespace };
  if (s.hubMode === 'proxy') {
    const options: WebSocket.ClientOptions = {};
    await k.kc.applyToHTTPSOptions(options);
    return { url: proxyStreamUrl(k.server, s.namespace), options, where };
  }
  if (s.hubMode === 'url' && s.hubUrl) {
    const scratch: WebSocket.ClientOptions = {};
    await k.kc.applyToHTTPSOptions(scratch);
    const auth = (scratch.headers as Record<string, string> | undefined)?.Authorization;
    return { url: s.hubUrl, options: auth ? { headers: { Authorization: auth } } : {}, where };
  }
  const pf = await openPortForward(k.kc, k.context, s.namespace, log);
  return { url: pf.url, options: {}, where, dispose: pf.dispose };
}
