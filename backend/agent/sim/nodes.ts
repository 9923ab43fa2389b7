// The simulated machine's effect on its Node object, written through the Kubernetes API the way a
// kubelet would: Ready=False while it reboots, a new bootID when it boots, Ready=True when back.
// The test control plane's KWOK keeps every node Ready unless the node carries SIM_DOWN, so the
// simulator sets that annotation while the machine is "down" (same contract as tools/harness).

import * as k8s from '@kubernetes/client-node';

/** The one definition (tools/harness re-exports it; tools/harness/kwok-stages.yaml matches on it). */
export const SIM_DOWN = 'nodemend.dev/sim-down';

const merge = () => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

export class SimNodes {
  private readonly core: k8s.CoreV1Api;

  constructor(kc: k8s.KubeConfig) {
    this.core = kc.makeApiClient(k8s.CoreV1Api);
  }

  async setReady(name: string, ready: boolean): Promise<void> {
    if (!ready) await this.core.patchNode({ name, body: { metadata: { annotations: { [SIM_DOWN]: 'true' } } } }, merge());
    const now = new Date().toISOString();
    const condition = ready
      ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'simulated kubelet is ready', lastHeartbeatTime: now, lastTransitionTime: now }
      : { type: 'Ready', status: 'False', reason: 'Rebooting', message: 'simulated reboot in progress', lastHeartbeatTime: now, lastTransitionTime: now };
    // Strategic merge: conditions merge by type, so other writers' conditions (node-problem-detector's) stay, as with a real kubelet.
    await this.core.patchNodeStatus({ name, body: { status: { conditions: [condition] } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch));
    if (ready) await this.core.patchNode({ name, body: { metadata: { annotations: { [SIM_DOWN]: null } } } }, merge());
  }

  async setBootId(name: string, bootID: string): Promise<void> {
    await this.core.patchNodeStatus({ name, body: { status: { nodeInfo: { bootID } } } }, merge());
  }

  async bootId(name: string): Promise<string> {
    return (await this.core.readNode({ name })).status?.nodeInfo?.bootID ?? '';
  }
}
