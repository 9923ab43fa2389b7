// A node row: name, state in the description, a phase icon (spinning while rebooting), a Markdown
// tooltip and a contextValue listing the actions that apply (menus key on it).

import * as vscode from 'vscode';
import { ITEM } from '../commands/ids.ts';
import type { NodeVM } from './model.ts';

export function nodeItem(name: string, vm: NodeVM | undefined): vscode.TreeItem {
  const item = new vscode.TreeItem(name, vm ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  item.id = `node:${name}`;
  if (!vm) {
    item.contextValue = ITEM.node;
    return item;
  }
  item.description = vm.description;
  item.iconPath = new vscode.ThemeIcon(vm.icon, new vscode.ThemeColor(vm.color));
  const tip = new vscode.MarkdownString(vm.tooltip, true);
  tip.isTrusted = false;
  item.tooltip = tip;
  item.contextValue = vm.contextValue;
  item.accessibilityInformation = { label: vm.a11y, role: 'treeitem' };
  return item;
}
