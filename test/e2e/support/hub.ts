// The real hub for end-to-end tests, embedded in the test process (backend/hub/main.ts's runHub)
// on a free 127.0.0.1 port with token authentication (TokenReview + SubjectAccessReview), the
// way VS Code reaches it in `url` mode.

import { runHub, type HubHandle } from '../../../backend/hub/main.ts';

export async function startHub(kubeconfigPath: string, namespace: string): Promise<HubHandle> {
  return runHub(
    [`--kubeconfig=${kubeconfigPath}`, '--listen=127.0.0.1:0', '--listen-trusted=off', `--namespace=${namespace}`, '--heartbeat=2s', '--log-level=error'],
    {},
    { embedded: true },
  );
}
