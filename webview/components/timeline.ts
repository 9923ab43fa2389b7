// Recent reboots as bars on one time axis, split into drain / reboot / verify. Bar geometry is set
// through the CSSOM (cssProps), which the page's CSP allows; a style attribute would be refused.

import { css, html, LitElement, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { formatDuration } from '../model/format.ts';
import type { Timeline } from '../model/timeline.ts';
import { cssProps } from './css-props.ts';
import { emit } from './events.ts';
import { base } from './styles.ts';

const pct = (f: number): string => `${(Math.min(1, Math.max(0, f)) * 100).toFixed(3)}%`;

export class NmTimeline extends LitElement {
  static properties = { timeline: { attribute: false } };
  declare timeline: Timeline | undefined;

  static styles = [
    base,
    css`
      .legend { display: flex; gap: 14px; margin-bottom: 6px; flex-wrap: wrap; }
      .sw { display: inline-block; width: 1.4em; height: 0.7em; margin-right: 4px; }
      .seg-drain { background: var(--vscode-charts-orange); }
      .seg-reboot { background: var(--vscode-charts-purple); }
      .seg-verify { background: var(--vscode-charts-blue); }
      .seg-other { background: var(--vscode-disabledForeground); opacity: 0.5; }
      .axis, .tl-row { display: grid; grid-template-columns: 11em 1fr 7em; gap: 8px; align-items: center; }
      .ticks { position: relative; height: 1.3em; border-bottom: 1px solid var(--vscode-panel-border); }
      .tick { position: absolute; transform: translateX(-50%); font-size: 0.85em; color: var(--vscode-descriptionForeground); white-space: nowrap; }
      .tick.first { transform: none; }
      .tick.last { transform: translateX(-100%); }
      ol { list-style: none; padding: 0; margin: 2px 0 0; max-height: 24em; overflow-y: auto; }
      .tl-row { padding: 1px 0; }
      .track { position: relative; height: 10px; }
      .bar { position: absolute; top: 0; height: 100%; display: flex; min-width: 2px; }
      .bar > span { height: 100%; }
      .tl-row.in-progress .bar { outline: 1px dashed var(--vscode-focusBorder); }
      .failed, .cancelled { color: var(--vscode-errorForeground); }
    `,
  ];

  override render() {
    const t = this.timeline;
    if (!t) return nothing;
    return html`<section aria-labelledby="tl-h">
      <h2 id="tl-h">Recent reboots</h2>
      ${t.rows.length === 0
        ? html`<p class="muted">No reboots recorded yet.</p>`
        : html`
            <div class="legend" aria-hidden="true">
              <span><span class="sw seg-drain"></span>drain</span><span><span class="sw seg-reboot"></span>reboot</span>
              <span><span class="sw seg-verify"></span>verify</span><span><span class="sw seg-other"></span>other</span>
              ${t.medians ? html`<span class="muted">median drain ${t.medians.drain} · reboot ${t.medians.reboot} · verify ${t.medians.verify}</span>` : nothing}
            </div>
            <div class="axis" aria-hidden="true">
              <span></span>
              <div class="ticks">
                ${t.ticks.map((k, i) => html`<span class="tick ${i === 0 ? 'first' : i === t.ticks.length - 1 ? 'last' : ''}" ${cssProps({ left: pct(k.at) })}>${k.label}</span>`)}
              </div>
              <span class="muted">UTC</span>
            </div>
            <ol aria-label="Recent reboots, newest first">
              ${repeat(
                t.rows,
                (r) => r.key,
                (r) => html`<li class="tl-row ${r.outcome}" aria-label=${r.label}>
                  <button class="link mono" @click=${() => emit(this, 'nm-select', r.node)}>${r.node}</button>
                  <div class="track" aria-hidden="true">
                    <div class="bar" ${cssProps({ left: pct(r.left), width: pct(r.width) })}>
                      ${r.segments.map((g) => html`<span class="seg-${g.kind}" ${cssProps({ width: pct(g.share) })} title=${`${g.kind} ${formatDuration(g.ms)}`}></span>`)}
                    </div>
                  </div>
                  <span class=${r.outcome}>${r.outcome}${r.forced ? ' (forced)' : ''}</span>
                </li>`,
              )}
            </ol>
          `}
    </section>`;
  }
}

customElements.define('nm-timeline', NmTimeline);
