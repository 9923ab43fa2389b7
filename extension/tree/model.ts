// From a cluster snapshot to what the tree shows: groups with counts, and for each node its row
// (description, icon, tooltip, menu actions, detail rows) plus a signature used to refresh only the
// rows that changed. Pure. Rows are cached per NodeView object: applyDelta replaces a node's object
// when it changes and keeps the others, so an update to 1 of 2000 nodes presents 1 node.

import type { ClusterSnapshot, NodeView } from '../../protocol/messages.ts';
import { nodeActions, nodeContextValue, type Permissions } from '../commands/applicability.ts';
import { matches, type Filter } from './filter.ts';
import { GROUPS, PHASE_ICON, groupOf } from './groups.ts';
import { holdsOf } from './holds.ts';
import { description, details, tooltip, type DetailVM, type TimeFormat } from './present.ts';

export interface NodeVM {
  name: string;
  group: string;
  description: string;
  icon: string;
  color: string;
  tooltip: string;
  contextValue: string;
  details: DetailVM[];
  /** Screen-reader label, also what end-to-end tests find rows by. */
  a11y: string;
  /** Everything above in one string: equal signatures render identically. */
  sig: string;
  /** Counts towards the activity-bar badge. */
  needsReboot: boolean;
}

export interface GroupVM {
  key: string;
  label: string;
  icon: string;
  color: string;
  expanded: boolean;
  /** Node names, in display order. */
  members: string[];
}

export interface TreeModel {
  groups: GroupVM[];
  nodes: Map<string, NodeVM>;
  /** Nodes that need a reboot (whole cluster, not only the filtered ones). */
  badge: number;
  total: number;
  shown: number;
}

const PIPELINE = new Set(['scheduled', 'waiting-lock', 'waiting-window', 'draining', 'rebooting', 'verifying', 'failed', 'reboot-required']);
export function needsReboot(n: NodeView): boolean {
  const st = n.state;
  return st !== undefined && (st.rebootRequired || PIPELINE.has(st.phase));
}

export function presentNode(n: NodeView, perms: Permissions, readOnly: boolean, fmt: TimeFormat): NodeVM {
  const phase = n.state?.phase ?? 'unknown';
  // A blocked node shows what holds it (a shield for a budget, a bell for alerts...), so a glance
  // at the Blocked group tells a person's block from a workload's.
  const hold = phase === 'blocked' ? holdsOf(n)[0] : undefined;
  const p = hold ?? PHASE_ICON[phase];
  const vm = {
    name: n.name,
    group: groupOf(phase).key,
    description: description(n, fmt),
    icon: p.icon,
    color: p.color,
    tooltip: tooltip(n, fmt),
    contextValue: nodeContextValue(nodeActions(n, perms, readOnly)),
    details: details(n, fmt),
    a11y: '',
    sig: '',
    needsReboot: needsReboot(n),
  };
  vm.a11y = `${n.name}, ${vm.description}`;
  vm.sig = JSON.stringify([vm.group, vm.description, vm.icon, vm.tooltip, vm.contextValue, vm.details]);
  return vm;
}

const collator = new Intl.Collator('en', { numeric: true });

/** Builds tree models, reusing rows of unchanged NodeView objects while the inputs stay the same. */
export class TreeModelBuilder {
  private cache = new WeakMap<NodeView, NodeVM>();
  private key = '';

  private readonly fmt: TimeFormat;
  constructor(fmt: TimeFormat) {
    this.fmt = fmt;
  }

  build(s: ClusterSnapshot | undefined, perms: Permissions, readOnly: boolean, filter: Filter | undefined): TreeModel {
    const key = JSON.stringify([perms, readOnly]);
    if (key !== this.key) {
      this.cache = new WeakMap();
      this.key = key;
    }
    const nodes = new Map<string, NodeVM>();
    const byGroup = new Map<string, NodeView[]>();
    let badge = 0;
    for (const n of s?.nodes ?? []) {
      let vm = this.cache.get(n);
      if (!vm) {
        vm = presentNode(n, perms, readOnly, this.fmt);
        this.cache.set(n, vm);
      }
      if (vm.needsReboot) badge++;
      if (!matches(filter, n)) continue;
      nodes.set(n.name, vm);
      const list = byGroup.get(vm.group);
      if (list) list.push(n);
      else byGroup.set(vm.group, [n]);
    }
    const groups: GroupVM[] = [];
    for (const g of GROUPS) {
      const list = byGroup.get(g.key);
      if (!list) continue;
      // Waiting nodes in queue order (who goes next is the question); the rest by name.
      list.sort((a, b) => (a.queuePosition ?? Infinity) - (b.queuePosition ?? Infinity) || collator.compare(a.name, b.name));
      groups.push({ key: g.key, label: g.label, icon: g.icon, color: g.color, expanded: g.expanded, members: list.map((n) => n.name) });
    }
    return { groups, nodes, badge, total: s?.nodes.length ?? 0, shown: nodes.size };
  }
}
