// The most recent cluster events, newest first. The snapshot keeps a bounded list; we show the
// last SHOWN of it.

import { css, html, LitElement, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { ClusterEvent } from '../../protocol/messages.ts';
import { formatClock } from '../model/format.ts';
import { emit } from './events.ts';
import { base } from './styles.ts';

const SHOWN = 100;

export class NmEventList extends LitElement {
  static properties = { events: { attribute: false } };
  declare events: ClusterEvent[];

  constructor() {
    super();
    this.events = [];
  }

  static styles = [
    base,
    css`
      ol { list-style: none; padding: 0; margin: 0; max-height: 20em; overflow-y: auto; }
      li { padding: 1px 0; display: grid; grid-template-columns: 5.5em 5.5em minmax(8em, max-content) minmax(8em, max-content) 1fr; gap: 8px; }
      .Warning .type { color: var(--vscode-editorWarning-foreground); font-weight: 600; }
      .type { color: var(--vscode-descriptionForeground); }
    `,
  ];

  override render() {
    const shown = this.events.slice(-SHOWN).reverse();
    return html`<section aria-labelledby="ev-h">
      <h2 id="ev-h">Recent events</h2>
      ${shown.length === 0
        ? html`<p class="muted">No events yet.</p>`
        : html`<ol aria-labelledby="ev-h">
            ${repeat(
              shown,
              // Hub events carry a stable id; older hubs do not, then position is the best key.
              (e, i) => e.id ?? `@${shown.length - i}`,
              (e) => html`<li class=${e.type === 'Warning' ? 'Warning' : 'Normal'}>
                <time datetime=${e.time} class="muted">${formatClock(e.time)}</time>
                <span class="type">${e.type}</span>
                <span>${e.node ? html`<button class="link mono" @click=${() => emit(this, 'nm-select', e.node ?? '')}>${e.node}</button>` : nothing}</span>
                <b>${e.reason}</b>
                <span>${e.message}</span>
              </li>`,
            )}
          </ol>`}
    </section>`;
  }
}

customElements.define('nm-event-list', NmEventList);
