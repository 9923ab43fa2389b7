// One zone of the node grid: a heat strip with a cell per node (overview of hundreds at a glance)
// and a table of its nodes. Re-renders only when its group object or its selection changes; the
// dashboard keeps a group's identity while none of its nodes changed, and `guard` skips rows
// whose NodeView object is unchanged, so a delta touching one node redraws one row.

import { html, LitElement, nothing, css, type PropertyValues } from 'lit';
import { guard } from 'lit/directives/guard.js';
import { repeat } from 'lit/directives/repeat.js';
import type { NodeView } from '../../protocol/messages.ts';
import { drainInfo } from '../model/drain.ts';
import { formatUtc } from '../model/format.ts';
import type { ZoneGroup } from '../model/grouping.ts';
import { PHASE_LABEL, phaseOf } from '../model/phase.ts';
import { cssProps } from './css-props.ts';
import { emit } from './events.ts';
import { base, phaseColours } from './styles.ts';

export class NmZone extends LitElement {
  static properties = {
    group: { attribute: false },
    selected: { attribute: false },
    hideHealthy: { attribute: false },
    expanded: { attribute: false },
  };
  declare group: ZoneGroup;
  declare selected: string;
  declare hideHealthy: boolean;
  declare expanded: boolean;

  constructor() {
    super();
    this.selected = '';
    this.hideHealthy = false;
    this.expanded = true;
  }

  static styles = [
    base,
    phaseColours,
    css`
      :host { margin-bottom: 14px; }
      .zhead { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: baseline; margin-bottom: 4px; }
      .toggle { font-weight: 600; font-size: 1.05em; background: none; border: none; color: var(--vscode-foreground); cursor: pointer; padding: 0; }
      .toggle .chev { display: inline-block; width: 1em; }
      .counts span { margin-right: 10px; white-space: nowrap; }
      .heat { display: flex; flex-wrap: wrap; gap: 2px; margin: 2px 0 6px; }
      .cell { width: 10px; height: 10px; background: var(--ph); cursor: pointer; border-radius: 1px; }
      .cell.sel { outline: 2px solid var(--vscode-focusBorder); outline-offset: 1px; }
      .grid { font-size: 0.95em; }
      .row {
        display: grid;
        grid-template-columns: minmax(9em, 1fr) 11.5em minmax(12em, 2fr) minmax(11em, 1.6fr) 9.5em 11em 10em;
        gap: 0 8px;
        align-items: center;
        height: 22px;
        padding: 0 4px;
        border-bottom: 1px solid var(--vscode-widget-border, transparent);
        /* Off-screen rows skip style and layout: most of the cost at 2000 rows. Rows have one
           fixed height (cells never wrap; details are in the title and the node panel), so the
           placeholder size is exact and scrolling never jumps. */
        content-visibility: auto;
        contain-intrinsic-size: auto 23px;
      }
      .row > span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
      .row.head { color: var(--vscode-descriptionForeground); font-weight: 600; content-visibility: visible; }
      .row.sel { background: var(--vscode-list-activeSelectionBackground); color: var(--vscode-list-activeSelectionForeground); }
      .row:not(.head):hover { background: var(--vscode-list-hoverBackground); }
      .track { display: inline-block; width: 3em; height: 6px; margin-right: 6px; background: var(--vscode-input-background); vertical-align: middle; }
      .track .bar { display: block; height: 100%; background: var(--vscode-progressBar-background); }
      .tag { border: 1px solid var(--vscode-contrastBorder, var(--vscode-descriptionForeground)); border-radius: 3px; padding: 0 3px; font-size: 0.85em; }
      .more { padding: 4px; }
    `,
  ];

  protected override shouldUpdate(changed: PropertyValues<this>): boolean {
    return this.group !== undefined && changed.size > 0;
  }

  private onHeatClick(e: Event): void {
    const name = (e.target as HTMLElement).dataset.node;
    if (name) emit(this, 'nm-select', name);
  }

  private toggle(): void {
    this.expanded = !this.expanded;
    this.dispatchEvent(new CustomEvent('nm-zone-toggle', { detail: { zone: this.group.zone, expanded: this.expanded }, bubbles: true, composed: true }));
  }

  override render() {
    const g = this.group;
    const rows = this.hideHealthy ? g.nodes.filter((n) => phaseOf(n) !== 'healthy') : g.nodes;
    const hidden = g.nodes.length - rows.length;
    return html`
      <section class="zone" aria-label=${`Zone ${g.zone}`}>
        <div class="zhead">
          <button class="toggle" aria-expanded=${this.expanded ? 'true' : 'false'} @click=${this.toggle}>
            <span class="chev" aria-hidden="true">${this.expanded ? '▾' : '▸'}</span>${g.zone}
          </button>
          <span class="muted">${g.nodes.length} node${g.nodes.length === 1 ? '' : 's'}</span>
          <span class="counts">
            ${g.counts.map((c) => html`<span class="ph-${c.phase}"><span class="dot" aria-hidden="true"></span>${c.count} ${PHASE_LABEL[c.phase]}</span>`)}
          </span>
        </div>
        <div class="heat" aria-hidden="true" @click=${this.onHeatClick}>
          ${repeat(
            g.nodes,
            (n) => n.name,
            (n) =>
              guard(
                [n, n.name === this.selected],
                () => html`<div class="cell ph-${phaseOf(n)} ${n.name === this.selected ? 'sel' : ''}" data-node=${n.name} title=${`${n.name}: ${PHASE_LABEL[phaseOf(n)]}`}></div>`,
              ),
          )}
        </div>
        ${this.expanded
          ? html`<div role="table" class="grid" aria-label=${`Nodes in zone ${g.zone}`} aria-rowcount=${rows.length + 1}>
              <div role="row" class="row head">
                <span role="columnheader">Node</span><span role="columnheader">Phase</span><span role="columnheader">Why</span>
                <span role="columnheader">Drain</span><span role="columnheader">Lock</span><span role="columnheader">Node status</span>
                <span role="columnheader">Last reboot</span>
              </div>
              ${repeat(
                rows,
                (n) => n.name,
                (n) => guard([n, n.name === this.selected], () => row(n, n.name === this.selected)),
              )}
              ${hidden ? html`<div class="more muted">${hidden} healthy node${hidden === 1 ? '' : 's'} hidden</div>` : nothing}
            </div>`
          : nothing}
      </section>
    `;
  }
}

function row(n: NodeView, selected: boolean) {
  const p = phaseOf(n);
  const d = drainInfo(n);
  const last = n.history[0];
  const why = n.state?.reason ?? (n.state ? '' : 'no agent state');
  const lock = n.state?.lock ? `holds ${n.state.lock}` : n.queuePosition ? `#${n.queuePosition} in queue` : '';
  const status = `${n.ready ? 'Ready' : 'NotReady'}${n.unschedulable ? (n.cordonedByUs ? ', cordoned (us)' : ', cordoned') : ''}`;
  return html`<div role="row" class="row ${selected ? 'sel' : ''}" data-node=${n.name} aria-selected=${selected ? 'true' : 'false'}>
    <span role="cell"><button class="link mono" @click=${(e: Event) => emit(e.target as Element, 'nm-select', n.name)}>${n.name}</button></span>
    <span role="cell" class="ph-${p}"><span class="dot" aria-hidden="true"></span>${PHASE_LABEL[p]}${n.state?.forced ? html` <span class="tag">forced</span>` : nothing}</span>
    <span role="cell" title=${[why, ...n.requestErrors].join('\n')}>${n.requestErrors.length
      ? html`<span class="error">⚠ ${n.requestErrors.length} bad request annotation${n.requestErrors.length > 1 ? 's' : ''}</span> · `
      : nothing}${why}</span>
    <span role="cell" title=${d?.text ?? ''}>${d
      ? html`<span class="track" role="progressbar" aria-label=${`Drain of ${n.name}`} aria-valuemin="0" aria-valuemax="100" aria-valuenow=${Math.round(d.done * 100)}><span class="bar" ${cssProps({ width: `${Math.round(d.done * 100)}%` })}></span></span>${d.text}`
      : nothing}</span>
    <span role="cell">${lock}</span>
    <span role="cell" class=${n.ready ? '' : 'warn'} title=${n.cordonedByUs ? 'cordoned by nodemend, which will uncordon it' : ''}>${status}</span>
    <span role="cell" title=${last ? `${last.outcome}, ended ${formatUtc(last.end)}` : ''}>${last
      ? html`<span class=${last.outcome === 'succeeded' ? '' : 'warn'}>${last.outcome === 'succeeded' ? 'ok' : last.outcome}</span> ${formatUtc(last.end).slice(5, 16)}`
      : html`<span class="muted">never</span>`}</span>
  </div>`;
}

customElements.define('nm-zone', NmZone);
