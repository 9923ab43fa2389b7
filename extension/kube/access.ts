// Asks the API server what the user may do (SelfSubjectAccessReview), so the extension offers only
// the actions that will succeed. A courtesy, not a gate: RBAC on the real request decides.
// If the review itself fails (old server, network), we offer the actions and let the write's 403
// explain: hiding every action because a check could not run would leave the user with no way
// forward and no reason why.

import * as k8s from '@kubernetes/client-node';
import type { Permissions } from '../commands/applicability.ts';
import type { Log } from '../log/log.ts';
import { AGENT_DAEMONSET } from '../connection/settings.ts';

async function can(api: k8s.AuthorizationV1Api, attrs: k8s.V1ResourceAttributes, log: Log): Promise<boolean> {
  try {
    const r = await api.createSelfSubjectAccessReview({ body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: attrs } } });
    return r.status?.allowed === true;
  } catch (e) {
    log.warn(`access review for ${attrs.verb} ${attrs.resource} failed, offering the action anyway: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    return true;
  }
}

export async function checkPermissions(kc: k8s.KubeConfig, namespace: string, log: Log): Promise<Permissions> {
  const api = kc.makeApiClient(k8s.AuthorizationV1Api);
  const [patchNodes, patchClusterBlock] = await Promise.all([
    can(api, { verb: 'patch', resource: 'nodes' }, log),
    can(api, { verb: 'patch', group: 'apps', resource: 'daemonsets', namespace, name: AGENT_DAEMONSET }, log),
  ]);
  return { patchNodes, patchClusterBlock };
}
