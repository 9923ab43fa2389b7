// A phase group row: "Waiting  5", coloured like its phase, expanded for the groups that move.

import * as vscode from 'vscode';
import { ITEM } from '../commands/ids.ts';
import type { GroupVM } from './model.ts';

export function groupItem(g: GroupVM | undefined): vscode.TreeItem {
  if (!g) return new vscode.TreeItem('(gone)', vscode.TreeItemCollapsibleState.None);
  const item = new vscode.TreeItem(g.label, g.expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `group:${g.key}`;
  item.description = String(g.members.length);
  item.iconPath = new vscode.ThemeIcon(g.icon, new vscode.ThemeColor(g.color));
  item.contextValue = ITEM.group;
  item.accessibilityInformation = { label: `${g.label}, ${g.members.length} node${g.members.length === 1 ? '' : 's'}`, role: 'treeitem' };
  return item;
}
