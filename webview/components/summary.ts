// The header: connection, banners that stop a rollout (cluster block, no backend), the numbers
// (nodes, disrupted, pending, forecast, fits window) and a chip per phase that filters the grid.

import { css, html, LitElement, nothing } from 'lit';
import type { ConnectionInfo } from '../../protocol/webview.ts';
import { PHASE_LABEL } from '../model/phase.ts';
import type { Summary } from '../model/summary.ts';
import { emit } from './events.ts';
import { base, phaseColours } from './styles.ts';

export class NmSummary extends LitElement {
  static properties = {
    summary: { attribute: false },
    connection: { attribute: false },
    backendInstalled: { attribute: false },
  };
  declare summary: Summary | undefined;
  declare connection: ConnectionInfo;
  declare backendInstalled: boolean;

  constructor() {
    super();
    this.connection = { state: 'connecting' };
    this.backendInstalled = true;
  }

  static styles = [
    base,
    phaseColours,
    css`
      .top { display: flex; align-items: baseline; gap: 12px; flex-wrap: wrap; }
      h1 { font-size: 1.4em; margin: 0 0 6px; font-weight: 600; }
      .conn-connected { color: var(--vscode-testing-iconPassed); }
      .conn-other { color: var(--vscode-editorWarning-foreground); }
      .banner {
        border-left: 4px solid var(--vscode-inputValidation-errorBorder);
        background: var(--vscode-inputValidation-errorBackground);
        padding: 6px 10px;
        margin: 6px 0;
        font-weight: 600;
      }
      .banner.warn { border-color: var(--vscode-inputValidation-warningBorder); background: var(--vscode-inputValidation-warningBackground); }
      dl { display: flex; flex-wrap: wrap; gap: 6px 28px; margin: 8px 0; }
      dl div { min-width: 6em; }
      dt { color: var(--vscode-descriptionForeground); font-size: 0.9em; }
      dd { margin: 0; font-size: 1.2em; font-weight: 600; }
      .note { font-size: 0.85em; max-width: 28em; }
      .fits-yes { color: var(--vscode-testing-iconPassed); }
      .fits-no { color: var(--vscode-errorForeground); }
      .fits-unknown { color: var(--vscode-descriptionForeground); }
      ul { list-style: none; padding: 0; margin: 4px 0 0; display: flex; flex-wrap: wrap; gap: 6px; }
      .chip {
        background: var(--vscode-badge-background);
        color: var(--vscode-badge-foreground);
        border: 1px solid var(--ph);
        border-radius: 10px;
        padding: 1px 8px;
        font: inherit;
        cursor: pointer;
      }
    `,
  ];

  override render() {
    const s = this.summary;
    const c = this.connection;
    return html`<header>
      <div class="top">
        <h1>Rollout</h1>
        <span role="status" class=${c.state === 'connected' ? 'conn-connected' : 'conn-other'}>
          hub: ${c.state}${c.detail ? ` (${c.detail})` : ''}
        </span>
      </div>
      ${s?.clusterBlock ? html`<div class="banner" role="alert">${s.clusterBlock}</div>` : nothing}
      ${this.backendInstalled
        ? nothing
        : html`<div class="banner warn" role="alert">The nodemend agent is not installed in this cluster: nothing will reboot until it is deployed.</div>`}
      ${s
        ? html`<dl aria-label="Rollout summary">
              <div><dt>Nodes</dt><dd>${s.total}</dd></div>
              <div><dt>Disrupted now</dt><dd>${s.disrupted}</dd></div>
              <div><dt>Not ready</dt><dd class=${s.notReady ? 'warn' : ''}>${s.notReady}</dd></div>
              <div><dt>Pending reboots</dt><dd>${s.forecast.pending}</dd></div>
              ${s.forecast.held ? html`<div><dt>Held</dt><dd class="warn" data-testid="held">${s.forecast.held}</dd></div>` : nothing}
              <div><dt>Forecast</dt><dd data-testid="forecast" title=${s.forecast.basis}>${s.forecast.text}</dd></div>
              <div>
                <dt>Fits window</dt><dd class="fits-${s.forecast.fits}" data-testid="fits">${s.forecast.fits}</dd>
                ${s.forecast.fitNote ? html`<div class="muted note" data-testid="fit-note">${s.forecast.fitNote}</div>` : nothing}
              </div>
              ${s.forecast.perNode ? html`<div><dt>Per node (median)</dt><dd>${s.forecast.perNode}</dd></div>` : nothing}
              ${s.requestErrors ? html`<div><dt>Bad requests</dt><dd class="error">${s.requestErrors}</dd></div>` : nothing}
            </dl>
            <ul aria-label="Nodes per phase (select to filter)">
              ${s.counts.map(
                (p) => html`<li>
                  <button class="chip ph-${p.phase}" aria-label=${`${p.count} ${PHASE_LABEL[p.phase]}: show only these`} @click=${() => emit(this, 'nm-filter', `phase:${p.phase}`)}>
                    <span class="dot" aria-hidden="true"></span>${PHASE_LABEL[p.phase]} <b>${p.count}</b>
                  </button>
                </li>`,
              )}
            </ul>`
        : nothing}
    </header>`;
  }
}

customElements.define('nm-summary', NmSummary);
