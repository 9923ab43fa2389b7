// The selected node: everything known about it, what is in its way, its history, and the actions
// a person can take. Actions are requests to the host, which runs the extension's commands (they
// confirm destructive ones and re-check against the cluster).

import { css, html, LitElement, nothing } from 'lit';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { NodeView } from '../../protocol/messages.ts';
import { triggerText } from '../../protocol/trigger.ts';
import { nodeActions } from '../model/actions.ts';
import { drainInfo } from '../model/drain.ts';
import { formatDuration, formatRelative, formatUtc } from '../model/format.ts';
import { PHASE_LABEL, phaseOf } from '../model/phase.ts';
import { emit } from './events.ts';
import { base, phaseColours } from './styles.ts';

export class NmNodeDetail extends LitElement {
  static properties = { node: { attribute: false }, now: { attribute: false } };
  declare node: NodeView | undefined;
  declare now: number;

  constructor() {
    super();
    this.now = Date.now();
  }

  static styles = [
    base,
    phaseColours,
    css`
      aside {
        border: 1px solid var(--vscode-panel-border);
        background: var(--vscode-sideBar-background, transparent);
        padding: 8px 12px;
        margin-bottom: 12px;
      }
      .head { display: flex; align-items: baseline; gap: 12px; flex-wrap: wrap; }
      h3 { margin: 0; font-size: 1.15em; }
      .close { margin-left: auto; }
      dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 8px 0; }
      dt { color: var(--vscode-descriptionForeground); }
      dd { margin: 0; }
      .actions { display: flex; flex-wrap: wrap; gap: 6px; margin: 8px 0; }
    `,
  ];

  private act(action: ReturnType<typeof nodeActions>[number]['action']) {
    return () => {
      if (this.node) emit(this, 'nm-command', { action, node: this.node.name });
    };
  }

  override render() {
    const n = this.node;
    if (!n) return nothing;
    const p = phaseOf(n);
    const st = n.state;
    const d = drainInfo(n);
    const rq = n.requests;
    return html`<aside aria-labelledby="detail-h">
      <div class="head">
        <h3 id="detail-h" class="mono">${n.name}</h3>
        <span class="ph-${p}"><span class="dot" aria-hidden="true"></span>${PHASE_LABEL[p]}</span>
        <span class="muted">${n.zone ?? 'no zone'} · ${n.pool ?? 'no pool'}</span>
        <button class="link close" aria-label="Close node details" @click=${() => emit(this, 'nm-select', '')}>close ✕</button>
      </div>
      <div class="actions" role="group" aria-label=${`Actions for ${n.name}`}>
        ${nodeActions(n).map(
          (a) => html`<vscode-button
            ?secondary=${a.action !== 'scheduleReboot'}
            ?disabled=${!a.enabled}
            title=${a.hint ?? ''}
            aria-label=${a.hint ? `${a.label} (${a.hint})` : a.label}
            data-action=${a.action}
            @click=${a.enabled ? this.act(a.action) : null}
            >${a.label}</vscode-button
          >`,
        )}
      </div>
      <dl>
        <dt>Why</dt><dd>${st ? st.reason : 'no agent state published: the agent may not run on this node'}</dd>
        ${triggerText(st) ? html`<dt>Asked by</dt><dd>${triggerText(st)}</dd>` : nothing}
        ${st ? html`<dt>Since</dt><dd>${formatUtc(st.since)} (${formatRelative(st.since, this.now)})</dd>` : nothing}
        ${st?.nextWindow ? html`<dt>Next window</dt><dd>${formatUtc(st.nextWindow)} (${formatRelative(st.nextWindow, this.now)})</dd>` : nothing}
        <dt>Node</dt><dd>${n.ready ? 'Ready' : 'NotReady'}${n.unschedulable ? (n.cordonedByUs ? ', cordoned by nodemend' : ', cordoned by someone else') : ''}${n.bootId ? html` · boot <span class="mono">${n.bootId.slice(0, 8)}</span>` : nothing}</dd>
        ${n.queuePosition ? html`<dt>Queue</dt><dd>#${n.queuePosition} waiting for a lock slot</dd>` : nothing}
        ${rq.rebootAfter ? html`<dt>Reboot requested</dt><dd>after ${formatUtc(rq.rebootAfter)}</dd>` : nothing}
        ${rq.forceReboot ? html`<dt>Force requested</dt><dd class="warn">${formatUtc(rq.forceReboot)}</dd>` : nothing}
        ${rq.block ? html`<dt>Blocked</dt><dd>${rq.block.reason}${rq.block.until ? ` (until ${formatUtc(rq.block.until)})` : ''}</dd>` : nothing}
        ${n.requestErrors.length ? html`<dt>Request errors</dt><dd class="error">${n.requestErrors.map((e) => html`<div>${e}</div>`)}</dd>` : nothing}
        ${d
          ? html`<dt>Drain</dt><dd>${d.text}
              ${st?.drain?.blocked.length
                ? html`<ul>${st.drain.blocked.map((b) => html`<li><span class="mono">${b.pod}</span>${b.pdb ? ` (PDB ${b.pdb})` : ''}: ${b.reason}</li>`)}</ul>`
                : nothing}</dd>`
          : nothing}
      </dl>
      ${n.history.length
        ? html`<table aria-label=${`Reboot history of ${n.name}`}>
            <thead><tr><th scope="col">Started</th><th scope="col">Outcome</th><th scope="col">Drain</th><th scope="col">Reboot</th><th scope="col">Verify</th><th scope="col">Note</th></tr></thead>
            <tbody>
              ${n.history.map(
                (r) => html`<tr>
                  <td>${formatUtc(r.start)}</td>
                  <td class=${r.outcome === 'succeeded' ? '' : 'warn'}>${r.outcome}${r.forced ? ' (forced)' : ''}</td>
                  <td>${formatDuration(r.drainMs)}</td><td>${formatDuration(r.rebootMs)}</td><td>${formatDuration(r.verifyMs)}</td>
                  <td>${r.reason ?? ''}</td>
                </tr>`,
              )}
            </tbody>
          </table>`
        : html`<p class="muted">No reboots recorded.</p>`}
    </aside>`;
  }
}

customElements.define('nm-node-detail', NmNodeDetail);
