// The tree's elements as a discriminated union, and a table from kind to behaviour (how the
// element renders, what its children are, who its parent is) instead of switches spread around.
// Element objects for groups and nodes are cached and reused: VS Code identifies the elements
// passed to onDidChangeTreeData by object identity, so a refresh of one node needs the very
// object handed out before.

import type * as vscode from 'vscode';
import { detailItem } from './detail-item.ts';
import { groupItem } from './group-item.ts';
import type { TreeModel } from './model.ts';
import { nodeItem } from './node-item.ts';

export type GroupEl = { kind: 'group'; key: string };
export type NodeEl = { kind: 'node'; name: string };
export type DetailEl = { kind: 'detail'; node: string; key: string };
export type Element = GroupEl | NodeEl | DetailEl;

export class Elements {
  private readonly groups = new Map<string, GroupEl>();
  private readonly nodes = new Map<string, NodeEl>();

  group(key: string): GroupEl {
    let e = this.groups.get(key);
    if (!e) this.groups.set(key, (e = { kind: 'group', key }));
    return e;
  }
  node(name: string): NodeEl {
    let e = this.nodes.get(name);
    if (!e) this.nodes.set(name, (e = { kind: 'node', name }));
    return e;
  }
  /** Drops elements of nodes no longer in the model (a cluster of churning nodes stays bounded). */
  prune(m: TreeModel): void {
    for (const name of this.nodes.keys()) if (!m.nodes.has(name)) this.nodes.delete(name);
  }
}

interface Kind<E extends Element> {
  item(e: E, m: TreeModel): vscode.TreeItem;
  children(e: E, m: TreeModel, els: Elements): Element[];
  parent(e: E, m: TreeModel, els: Elements): Element | undefined;
}

type Table = { [K in Element['kind']]: Kind<Extract<Element, { kind: K }>> };

export const KINDS: Table = {
  group: {
    item: (e, m) => groupItem(m.groups.find((g) => g.key === e.key)),
    children: (e, m, els) => (m.groups.find((g) => g.key === e.key)?.members ?? []).map((n) => els.node(n)),
    parent: () => undefined,
  },
  node: {
    item: (e, m) => nodeItem(e.name, m.nodes.get(e.name)),
    children: (e, m) => (m.nodes.get(e.name)?.details ?? []).map((d) => ({ kind: 'detail', node: e.name, key: d.key })),
    parent: (e, m, els) => {
      const g = m.nodes.get(e.name)?.group;
      return g ? els.group(g) : undefined;
    },
  },
  detail: {
    item: (e, m) => detailItem(e.node, m.nodes.get(e.node)?.details.find((d) => d.key === e.key)),
    children: () => [],
    parent: (e, _m, els) => els.node(e.node),
  },
};

export function kindOf<E extends Element>(e: E): Kind<E> {
  return KINDS[e.kind] as unknown as Kind<E>;
}
