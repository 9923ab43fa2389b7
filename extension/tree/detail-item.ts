// A detail row under a node: one fact (lock, drain progress, a pod a PDB keeps, a past reboot).

import * as vscode from 'vscode';
import { ITEM } from '../commands/ids.ts';
import type { DetailVM } from './present.ts';

export function detailItem(node: string, d: DetailVM | undefined): vscode.TreeItem {
  const item = new vscode.TreeItem(d?.label ?? '(gone)', vscode.TreeItemCollapsibleState.None);
  if (!d) return item;
  item.id = `node:${node}/${d.key}`;
  item.description = d.description;
  item.tooltip = `${d.label}: ${d.description}`;
  item.iconPath = new vscode.ThemeIcon(d.icon, d.color ? new vscode.ThemeColor(d.color) : undefined);
  item.contextValue = ITEM.detail;
  item.accessibilityInformation = { label: `${d.label}, ${d.description}`, role: 'treeitem' };
  return item;
}
