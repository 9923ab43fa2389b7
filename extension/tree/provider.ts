// The TreeDataProvider. Store changes are debounced (100 ms, at most 300 ms behind a steady stream)
// and turned into the narrowest refresh the diff allows, so a 2000-node cluster under a rolling
// reboot repaints a handful of rows, not the tree.

import { DateTime } from 'luxon';
import * as vscode from 'vscode';
import type { ClusterStore } from '../state/store.ts';
import { diffTree, isEmpty } from './diff.ts';
import type { Filter } from './filter.ts';
import { Elements, kindOf, type Element } from './kinds.ts';
import { TreeModelBuilder, type TreeModel } from './model.ts';

const DEBOUNCE_MS = 100;
const MAX_DELAY_MS = 300;

export function localTime(iso: string): string {
  const d = DateTime.fromISO(iso);
  return d.isValid ? d.toLocal().toFormat('d LLL HH:mm') : iso;
}

export class NodeTreeProvider implements vscode.TreeDataProvider<Element>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Element | Element[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly modelChanged = new vscode.EventEmitter<TreeModel>();
  /** Fired after each applied update (badge, message). */
  readonly onDidUpdate = this.modelChanged.event;
  private readonly builder = new TreeModelBuilder(localTime);
  private readonly els = new Elements();
  private model: TreeModel;
  private filter: Filter | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private firstPending = 0;
  private readonly store: ClusterStore;
  private readonly sub: vscode.Disposable;
  /** Time the last update took (build + diff), for the bench and the log. */
  lastUpdateMs = 0;

  constructor(store: ClusterStore) {
    this.store = store;
    this.model = this.build();
    this.sub = store.onDidChange(() => this.schedule());
  }

  current(): TreeModel {
    return this.model;
  }

  filterText(): string | undefined {
    return this.filter?.text;
  }

  setFilter(f: Filter | undefined): void {
    this.filter = f;
    this.update(true);
  }

  private build(): TreeModel {
    // Not installed: no rows, so the welcome view with Deploy Backend shows.
    const s = this.store.connection().state === 'no-backend' ? undefined : this.store.snapshot();
    return this.builder.build(s, this.store.permissions(), this.store.settings().readOnly, this.filter);
  }

  private schedule(): void {
    const now = Date.now();
    if (!this.timer) this.firstPending = now;
    else clearTimeout(this.timer);
    const wait = Math.min(DEBOUNCE_MS, Math.max(0, this.firstPending + MAX_DELAY_MS - now));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.update(false);
    }, wait);
  }

  /** Rebuilds the model and fires the narrowest refresh; `all` refreshes the root (filter change). */
  update(all: boolean): void {
    const t0 = performance.now();
    const prev = this.model;
    this.model = this.build();
    const ch = diffTree(all ? undefined : prev, this.model);
    this.els.prune(this.model);
    this.lastUpdateMs = performance.now() - t0;
    if (ch.root) this.changed.fire(undefined);
    else if (!isEmpty(ch)) this.changed.fire([...ch.groups.map((g) => this.els.group(g)), ...ch.nodes.map((n) => this.els.node(n))]);
    this.modelChanged.fire(this.model);
  }

  getTreeItem(e: Element): vscode.TreeItem {
    return kindOf(e).item(e, this.model);
  }

  getChildren(e?: Element): Element[] {
    if (!e) return this.model.groups.map((g) => this.els.group(g.key));
    return kindOf(e).children(e, this.model, this.els);
  }

  getParent(e: Element): Element | undefined {
    return kindOf(e).parent(e, this.model, this.els);
  }

  /** The element of a node, for reveal(). */
  nodeElement(name: string): Element | undefined {
    return this.model.nodes.has(name) ? this.els.node(name) : undefined;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.sub.dispose();
    this.changed.dispose();
    this.modelChanged.dispose();
  }
}
