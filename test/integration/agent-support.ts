// Shared setup of the agent integration tests: a real control plane, simulated nodes, a fleet of
// real agents on simulated hosts (SimFleet), and the reads the tests make of the outcome (state,
// history, lock holders, Events). One place, so the tests differ only in what they prove.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { startCluster, type TestCluster } from '../../tools/harness/index.ts';
import { SimFleet, type FleetOptions } from '../../backend/agent/sim/fleet.ts';
import { A, parseHistory, parseState } from '../../protocol/annotations.ts';
import { ensureDaemonSet } from './hub-support.ts';

export const LOCK_NS = 'nodemend';

/**
 * One node at a time, fast loops: a 3 s period, no drain precheck (tests put PDB-guarded pods on
 * nodes to hold them in the drain), a 15 s stale-lock grace (the shortest allowed), slow reboots never freed by timeout.
 */
export const ONE_AT_A_TIME: NonNullable<AgentEnvOptions['fleet']> = {
  flags: ['--period=3s', '--concurrency=1', '--drain-precheck=false', '--stale-lock-grace=15s', '--max-reboot-duration=10m'],
  evictionRetryMs: 500,
};

export interface AgentEnvOptions {
  /** Temporary folder name prefix, e.g. 'rec'. */
  name: string;
  nodes: number;
  prefix: string;
  zones?: string[];
  /** Runs after the nodes exist and before the agents start (pods, PDBs, DaemonSet). */
  setup?: (c: TestCluster, nodes: string[]) => Promise<void>;
  /** The fleet's options without kubeconfig and folder; rebootMs defaults to 1000. */
  fleet?: Omit<FleetOptions, 'kubeconfigPath' | 'dir' | 'rebootMs'> & { rebootMs?: number };
  /** Create the agent DaemonSet (it carries the cluster-wide block annotations; runs no pod). */
  daemonSet?: boolean;
  /** Start no fleet (the test starts it). */
  noFleet?: boolean;
}

export class AgentEnv {
  readonly c: TestCluster;
  readonly nodes: string[];
  readonly dir: string;
  fleet!: SimFleet;
  readonly coord: k8s.CoordinationV1Api;

  private constructor(c: TestCluster, nodes: string[], dir: string) {
    this.c = c;
    this.nodes = nodes;
    this.dir = dir;
    this.coord = c.kc.makeApiClient(k8s.CoordinationV1Api);
  }

  static async start(o: AgentEnvOptions): Promise<AgentEnv> {
    const dir = mkdtempSync(join(tmpdir(), `nodemend-${o.name}-`));
    const c = await startCluster();
    const env = new AgentEnv(c, [], dir);
    try {
      env.nodes.push(...(await c.addNodes(o.nodes, { prefix: o.prefix, ...(o.zones ? { zones: o.zones } : {}) })));
      if (o.daemonSet) {
        await c.ensureNamespace(LOCK_NS);
        await ensureDaemonSet(c.apps, LOCK_NS, 'nodemend-agent');
      }
      await o.setup?.(c, env.nodes);
      if (!o.noFleet) env.fleet = await env.startFleet('', o.fleet);
      return env;
    } catch (e) {
      // A half-started environment would keep the test process alive (control plane children).
      await env.stop().catch(() => {});
      throw e;
    }
  }

  /** A fleet on this cluster with other options (its own sentinel folder `label`). */
  startFleet(label: string, o: AgentEnvOptions['fleet'] = {}): Promise<SimFleet> {
    return SimFleet.start(this.nodes, { kubeconfigPath: this.c.kubeconfigPath, dir: join(this.dir, label), rebootMs: 1000, ...o });
  }

  async stop(): Promise<void> {
    await this.fleet?.stop();
    await this.c.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  read = (n: string): Promise<k8s.V1Node> => this.c.core.readNode({ name: n });
  state = async (n: string) => parseState((await this.read(n)).metadata?.annotations?.[A.state]);
  history = async (n: string) => parseHistory((await this.read(n)).metadata?.annotations?.[A.history]);
  annotate = (n: string, a: Record<string, string | null>) => this.c.core.patchNode({ name: n, body: { metadata: { annotations: a } } }, mergePatch());

  /** The nodes holding a lock slot (one entry per held slot Lease). */
  async holders(): Promise<string[]> {
    return (await this.slots()).filter((l) => l.spec?.holderIdentity).map((l) => l.spec!.holderIdentity!);
  }

  async slots(): Promise<k8s.V1Lease[]> {
    const l = await this.coord.listNamespacedLease({ namespace: LOCK_NS });
    return l.items.filter((x) => x.metadata!.name!.startsWith('nodemend-lock-'));
  }

  /** The Node's Events as "type reason: message" lines. */
  async eventText(n: string): Promise<string> {
    const l = await this.c.core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${n},involvedObject.kind=Node` });
    return l.items.map((e) => `${e.type} ${e.reason}: ${e.message}`).join('\n');
  }

  deletePdb(name: string, namespace = 'default'): Promise<unknown> {
    return this.c.kc.makeApiClient(k8s.PolicyV1Api).deleteNamespacedPodDisruptionBudget({ name, namespace });
  }

}

/** A pod owned by a ReplicaSet on `node` (label app=name), kept there by PDB `pdb` allowing no disruption. */
export async function guardedPod(c: TestCluster, node: string, name: string, pdb = `pdb-${name}`): Promise<void> {
  await c.addPod({ namespace: 'default', name, node, owner: 'ReplicaSet' });
  await c.addPdb({ namespace: 'default', name: pdb, selector: { app: name }, minAvailable: 1 });
}

export const mergePatch = () => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
export const isoNow = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString().replace(/\.\d+Z$/, 'Z');
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
