// <nm-dashboard>: the page. Owns the cluster copy (DashboardState) and the view state (filter,
// selection, collapsed zones), derives the view models, and hands each section only what it
// shows, keeping object identities stable so unchanged sections skip rendering.
// Rendering is coalesced to one per animation frame: a burst of deltas costs one render.

import { css, html, LitElement, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { NodeView } from '../../protocol/messages.ts';
import type { HostToWebview, NodeAction } from '../../protocol/webview.ts';
import { groupByZone, parseQuery, type ZoneGroup } from '../model/grouping.ts';
import { lockRows } from '../model/locks.ts';
import { summarize } from '../model/summary.ts';
import { buildTimeline, type Timeline } from '../model/timeline.ts';
import { DashboardState } from '../state.ts';
import './detail.ts';
import './event-list.ts';
import './locks.ts';
import './summary.ts';
import './timeline.ts';
import './zone.ts';
import { base } from './styles.ts';

/** What survives the page being discarded while hidden (VS Code's webview state). */
export interface ViewState {
  filter: string;
  selected: string;
  hideHealthy: boolean;
  collapsed: string[];
}

export interface DashboardHost {
  command(action: NodeAction, node: string): void;
  saveViewState(v: ViewState): void;
}

/** Relative times ("held for 5m") refresh this often; nothing else depends on the clock. */
const CLOCK_MS = 10_000;

export class NmDashboard extends LitElement {
  static properties = { view: { state: true } };
  declare view: ViewState;

  host?: DashboardHost;
  readonly state = new DashboardState();
  private now = Date.now();
  private clock: ReturnType<typeof setInterval> | undefined;
  private frame = 0;
  private groupsMemo: { nodes: readonly NodeView[]; filter: string; groups: ZoneGroup[] } | undefined;
  private timelineMemo: { nodes: readonly NodeView[]; locks: unknown; now: number; t: Timeline } | undefined;

  constructor() {
    super();
    this.view = { filter: '', selected: '', hideHealthy: false, collapsed: [] };
  }

  static styles = [
    base,
    css`
      :host { padding: 8px 16px 24px; }
      .block { margin: 18px 0; }
      .filters { display: flex; gap: 16px; align-items: center; flex-wrap: wrap; margin-bottom: 10px; }
      vscode-textfield { width: 28em; max-width: 100%; }
      .notices { position: sticky; top: 0; z-index: 2; }
      .notice { display: flex; gap: 8px; padding: 4px 8px; margin-bottom: 4px; background: var(--vscode-editorWidget-background); border-left: 4px solid var(--vscode-focusBorder); }
      .notice.error { border-color: var(--vscode-errorForeground); }
      .empty { padding: 24px 0; }
    `,
  ];

  /** Restores the view state saved before the page was discarded. */
  restore(v: Partial<ViewState> | undefined): void {
    if (!v) return;
    this.view = {
      filter: typeof v.filter === 'string' ? v.filter : '',
      selected: typeof v.selected === 'string' ? v.selected : '',
      hideHealthy: v.hideHealthy === true,
      collapsed: Array.isArray(v.collapsed) ? v.collapsed.filter((z) => typeof z === 'string') : [],
    };
  }

  apply(msg: HostToWebview): void {
    this.state.apply(msg);
    this.schedule();
  }

  notify(level: 'info' | 'error', message: string): void {
    this.state.notify(level, message);
    this.schedule();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.clock = setInterval(() => {
      this.now = Date.now();
      this.schedule();
    }, CLOCK_MS);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.clock);
    cancelAnimationFrame(this.frame);
    this.frame = 0;
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.requestUpdate();
    });
  }

  private setView(patch: Partial<ViewState>): void {
    this.view = { ...this.view, ...patch };
    this.host?.saveViewState(this.view);
  }

  private onSelect = (e: Event): void => this.setView({ selected: (e as CustomEvent<string>).detail });
  private onFilter = (e: Event): void => this.setView({ filter: (e as CustomEvent<string>).detail });
  private onCommand = (e: Event): void => {
    const { action, node } = (e as CustomEvent<{ action: NodeAction; node: string }>).detail;
    this.host?.command(action, node);
  };
  private onZoneToggle = (e: Event): void => {
    const { zone, expanded } = (e as CustomEvent<{ zone: string; expanded: boolean }>).detail;
    const rest = this.view.collapsed.filter((z) => z !== zone);
    this.setView({ collapsed: expanded ? rest : [...rest, zone] });
  };

  // Same nodes and filter: same groups. Otherwise regroup, but hand back the previous group
  // object for every zone whose node list is element-for-element unchanged.
  private groups(nodes: readonly NodeView[], filter: string): ZoneGroup[] {
    const m = this.groupsMemo;
    if (m && m.nodes === nodes && m.filter === filter) return m.groups;
    const prev = new Map(m?.groups.map((g) => [g.zone, g]));
    const groups = groupByZone(nodes, parseQuery(filter)).map((g) => {
      const old = prev.get(g.zone);
      return old && old.nodes.length === g.nodes.length && old.nodes.every((n, i) => n === g.nodes[i]) ? old : g;
    });
    this.groupsMemo = { nodes, filter, groups };
    return groups;
  }

  private timeline(): Timeline {
    const s = this.state.snapshot;
    const m = this.timelineMemo;
    if (!s) return { rows: [], ticks: [] };
    if (m && m.nodes === this.state.nodes && m.locks === s.locks && m.now === this.now) return m.t;
    const t = buildTimeline(s, this.state.byName, this.now);
    this.timelineMemo = { nodes: this.state.nodes, locks: s.locks, now: this.now, t };
    return t;
  }

  override render() {
    const st = this.state;
    const s = st.snapshot;
    const v = this.view;
    const selected = v.selected ? st.byName.get(v.selected) : undefined;
    return html`<div @nm-select=${this.onSelect} @nm-filter=${this.onFilter} @nm-command=${this.onCommand} @nm-zone-toggle=${this.onZoneToggle}>
      <div class="notices" aria-live="polite">
        ${st.notices.map(
          (n) => html`<div class="notice ${n.level}" role=${n.level === 'error' ? 'alert' : 'status'}>
            <span>${n.message}</span>
            <button class="link" aria-label="Dismiss" @click=${() => { st.dismiss(n.id); this.requestUpdate(); }}>✕</button>
          </div>`,
        )}
      </div>
      <nm-summary .summary=${s ? summarize(s, this.now) : undefined} .connection=${st.connection} .backendInstalled=${s?.backendInstalled ?? true}></nm-summary>
      ${s
        ? html`
            <nm-locks class="block" .rows=${lockRows(s, st.byName, this.now)}></nm-locks>
            <section class="block" aria-labelledby="nodes-h">
              <h2 id="nodes-h">Nodes by zone</h2>
              <div class="filters" role="search">
                <vscode-textfield
                  placeholder="Filter: text, or zone:a phase:draining pool:gpu name:web"
                  aria-label="Filter nodes"
                  .value=${v.filter}
                  @input=${(e: Event) => this.setView({ filter: (e.target as HTMLInputElement).value })}
                ></vscode-textfield>
                <vscode-checkbox
                  label="Hide healthy nodes in tables"
                  .checked=${v.hideHealthy}
                  @change=${(e: Event) => this.setView({ hideHealthy: (e.target as HTMLInputElement).checked })}
                ></vscode-checkbox>
              </div>
              ${selected ? html`<nm-node-detail .node=${selected} .now=${this.now}></nm-node-detail>` : nothing}
              ${this.zones()}
            </section>
            <nm-timeline class="block" .timeline=${this.timeline()}></nm-timeline>
            <nm-event-list class="block" .events=${st.events}></nm-event-list>
          `
        : html`<p class="empty muted" role="status">Waiting for the cluster state from the nodemend hub…</p>`}
    </div>`;
  }

  private zones() {
    const v = this.view;
    const groups = this.groups(this.state.nodes, v.filter);
    if (groups.length === 0) return html`<p class="muted" role="status">No node matches “${v.filter}”.</p>`;
    const selZone = v.selected ? this.state.byName.get(v.selected)?.zone || '(no zone)' : '';
    return repeat(
      groups,
      (g) => g.zone,
      (g) => html`<nm-zone
        .group=${g}
        .selected=${g.zone === selZone ? v.selected : ''}
        .hideHealthy=${v.hideHealthy}
        .expanded=${!v.collapsed.includes(g.zone)}
      ></nm-zone>`,
    );
  }
}

customElements.define('nm-dashboard', NmDashboard);
