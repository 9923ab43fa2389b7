// One parsed command, carried out against the cluster: reads go through the hub's own pure views
// (backend/hub/model.ts), writes through the extension's patch builders (extension/kube/
// requests.ts), so the plugin shows and writes exactly what the other tiers do. Returns the exit
// code: 0 done, 1 the cluster refused or failed (each refusal said on stderr), 2 a usage error.

import { clusterBlock, lockView, nodeView } from '../backend/hub/model.ts';
import { block, cancelRequest, forceReboot, scheduleReboot, unblock, type Built } from '../extension/kube/requests.ts';
import { formatWhen } from '../extension/commands/time-input.ts';
import type { Command, Global } from './args.ts';
import { completionScript } from './completion.ts';
import { renderHistory, renderLocks, renderStatus, statusRows, type Status } from './format.ts';
import { helpText } from './help.ts';
import { Cluster, loadKubeconfig } from './kube.ts';

// Stamped by scripts/build.ts into the bundle; run from the sources there is no stamp.
declare const __NODEMEND_VERSION__: string | undefined;
declare const __NODEMEND_COMMIT__: string | undefined;
const BUILD = {
  version: typeof __NODEMEND_VERSION__ === 'string' ? __NODEMEND_VERSION__ : 'unknown',
  commit: typeof __NODEMEND_COMMIT__ === 'string' ? __NODEMEND_COMMIT__ : 'unknown',
};

export interface IO {
  out: (s: string) => void;
  err: (s: string) => void;
  now: () => number;
}

export async function run(g: Global, cmd: Command, io: IO): Promise<number> {
  if (cmd.kind === 'help') {
    const h = helpText(cmd.topic);
    if (h.ok) io.out(h.text);
    else io.err(`${h.text}\n`);
    return h.ok ? 0 : 2;
  }
  if (cmd.kind === 'version') {
    io.out(`kubectl-nodemend ${BUILD.version} (${BUILD.commit})\n`);
    return 0;
  }
  if (cmd.kind === 'completion') {
    io.out(completionScript(cmd.shell));
    return 0;
  }
  const loaded = loadKubeconfig(g.kubeconfig, g.context);
  if (!loaded.ok) {
    io.err(`error: ${loaded.error}\n`);
    return 1;
  }
  const c = new Cluster(loaded.kc, loaded.context, g.namespace);
  const now = io.now();
  const fail = (error: string) => (io.err(`error: ${error}\n`), 1);
  const note = (s: string) => io.err(`note: ${s}\n`);

  switch (cmd.kind) {
    case 'status': {
      // Three independent reads: Nodes, and the Leases and the DaemonSet that a viewer may lack.
      const [listed, leases, ds] = await Promise.all([c.nodes(), c.leases(), c.daemonSet()]);
      if (!listed.ok) return fail(listed.error);
      const names = new Set(listed.value.map((i) => i.metadata?.name ?? ''));
      const missing = cmd.nodes.filter((n) => !names.has(n));
      if (missing.length) return fail(`node${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not found; kubectl get nodes lists them.`);
      const views = listed.value.map(nodeView);
      const shown = cmd.nodes.length ? views.filter((v) => cmd.nodes.includes(v.name)) : views;
      // Slots and the queue come from the Leases; without read access (nodemend-viewer grants
      // none) the slot still shows from the agent's state, and the place in the queue does not.
      if (!leases.ok) note(`${leases.error} Queue places are shown as "queue ?".`);
      const locks = leases.ok ? lockView(leases.value, views) : undefined;
      const status: Status = {
        clusterBlock: ds.ok ? clusterBlock(ds.value) : ds.status === 404 ? null : undefined,
        nodes: statusRows(shown, locks),
      };
      if (!ds.ok && ds.status !== 404) note(`${ds.error} A cluster-wide block, if any, is not shown.`);
      if (!ds.ok && ds.status === 404) note(`the agent DaemonSet ${g.namespace}/nodemend-agent is not there: is nodemend installed in namespace "${g.namespace}"? (--namespace picks another)`);
      io.out(renderStatus(status, g.output, g.zone, now));
      return 0;
    }
    case 'history': {
      const r = await c.node(cmd.node);
      if (!r.ok) return fail(r.error);
      io.out(renderHistory(nodeView(r.value), g.output, g.zone, now));
      return 0;
    }
    case 'locks': {
      const leases = await c.leases();
      if (!leases.ok) return fail(leases.error);
      const listed = await c.nodes();
      if (!listed.ok) note(`${listed.error} Slots the agents allow but have not created yet are not shown.`);
      io.out(renderLocks(lockView(leases.value, listed.ok ? listed.value.map(nodeView) : []), g.output, g.zone, now));
      return 0;
    }
    case 'schedule': {
      const when = cmd.at <= now + 5_000 ? 'as soon as the reboot window allows' : `after ${formatWhen(cmd.at, g.zone)}, inside the reboot window`;
      return writeNodes(c, io, cmd.nodes, scheduleReboot(cmd.at), 'schedule a reboot of node', (n) => `node/${n}: reboot scheduled ${when}`);
    }
    case 'force':
      return writeNodes(c, io, cmd.nodes, forceReboot(cmd.at), 'force a reboot of node', (n) => `node/${n}: forced reboot requested (it drains, takes a lock slot and reboots, window and blocks aside)`);
    case 'cancel':
      return writeNodes(c, io, cmd.nodes, cancelRequest(), 'cancel the reboot request of node', (n) => `node/${n}: reboot request cancelled (a reboot already under way finishes)`);
    case 'block': {
      const tail = cmd.until === undefined ? 'until unblocked' : `until ${formatWhen(cmd.until, g.zone)}`;
      return writeNodes(c, io, cmd.nodes, block(cmd.reason, cmd.until), 'block reboots of node', (n) => `node/${n}: reboots blocked ${tail}`);
    }
    case 'unblock':
      return writeNodes(c, io, cmd.nodes, unblock(), 'unblock reboots of node', (n) => `node/${n}: block removed`);
    case 'pause':
    case 'resume': {
      const built = cmd.kind === 'pause' ? block(cmd.reason, cmd.until) : unblock();
      if (!built.ok) return fail(built.error);
      const r = await c.patchCluster(built.patch, cmd.kind === 'pause' ? 'block reboots cluster-wide' : 'remove the cluster-wide block');
      if (!r.ok) return fail(r.error);
      io.out(cmd.kind === 'pause' ? `Reboots paused cluster-wide ${cmd.until === undefined ? 'until resumed' : `until ${formatWhen(cmd.until, g.zone)}`}.\n` : 'Cluster-wide block removed.\n');
      return 0;
    }
  }
}

/** The same patch on each node in turn; every refusal is said, and any refusal makes the exit 1. */
async function writeNodes(c: Cluster, io: IO, nodes: string[], built: Built, what: string, done: (n: string) => string): Promise<number> {
  if (!built.ok) {
    io.err(`error: ${built.error}\n`);
    return 2;
  }
  let code = 0;
  for (const n of nodes) {
    const r = await c.patchNode(n, built.patch, `${what} ${n}`);
    if (r.ok) io.out(`${done(n)}\n`);
    else {
      io.err(`error: ${r.error}\n`);
      code = 1;
    }
  }
  return code;
}
