// What to refresh after a model update, as narrowly as VS Code allows: the root when the set of
// groups changes, a group when its members or count change (VS Code then re-reads its children),
// and otherwise only the node rows whose rendering changed. Pure.

import type { TreeModel } from './model.ts';

export interface TreeChange {
  root: boolean;
  groups: string[];
  nodes: string[];
}

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

export function diffTree(prev: TreeModel | undefined, next: TreeModel): TreeChange {
  if (!prev) return { root: true, groups: [], nodes: [] };
  const root = !sameList(
    prev.groups.map((g) => g.key),
    next.groups.map((g) => g.key),
  );
  if (root) return { root, groups: [], nodes: [] };
  const groups: string[] = [];
  const refreshed = new Set<string>();
  for (const [i, g] of next.groups.entries()) {
    if (!sameList(prev.groups[i].members, g.members)) {
      groups.push(g.key);
      refreshed.add(g.key);
    }
  }
  const nodes: string[] = [];
  for (const [name, vm] of next.nodes) {
    if (refreshed.has(vm.group)) continue;
    const old = prev.nodes.get(name);
    if (old !== vm && old?.sig !== vm.sig) nodes.push(name);
  }
  return { root, groups, nodes };
}

export function isEmpty(c: TreeChange): boolean {
  return !c.root && c.groups.length === 0 && c.nodes.length === 0;
}
