// Lock slots and the waiting queue. The queue can be long in a big rollout; the first QUEUE_SHOWN
// are listed in order and the rest counted (the grid filter `phase:waiting-lock` lists them all).

import { css, html, LitElement, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { SlotRow, WaitingRow } from '../model/locks.ts';
import { emit } from './events.ts';
import { base } from './styles.ts';

const QUEUE_SHOWN = 100;

export class NmLocks extends LitElement {
  static properties = { rows: { attribute: false } };
  declare rows: { slots: SlotRow[]; waiting: WaitingRow[]; free: number; scopes: string } | undefined;

  static styles = [
    base,
    css`
      :host { display: grid; grid-template-columns: repeat(auto-fit, minmax(22em, 1fr)); gap: 12px 24px; }
      ol { margin: 0; padding-left: 2.2em; max-height: 16em; overflow-y: auto; }
      li { margin: 1px 0; }
      .free { color: var(--vscode-descriptionForeground); font-style: italic; }
      /* A node name is one word to a reader: never broken at its hyphens or dots. A long one
         scrolls its section sideways instead of squeezing the grid. */
      .holder button { white-space: nowrap; }
      section { min-width: 0; overflow-x: auto; }
    `,
  ];

  private pick(node: string) {
    return () => emit(this, 'nm-select', node);
  }

  override render() {
    const r = this.rows;
    if (!r) return nothing;
    // In use per scope ("cluster 2/2 · zone a 0/1 · b 1/1"): a holder takes a cluster and a zone slot at once.
    return html`
      <section aria-labelledby="slots-h">
        <h2 id="slots-h">Lock slots${r.scopes ? ` · ${r.scopes}` : ''}</h2>
        ${r.slots.length === 0
          ? html`<p class="muted">No lock slots reported.</p>`
          : html`<table aria-labelledby="slots-h">
              <thead><tr><th scope="col">Slot</th><th scope="col">Scope</th><th scope="col">Holder</th><th scope="col">Held for</th><th scope="col">Stage</th><th scope="col">Lease expires</th></tr></thead>
              <tbody>
                ${r.slots.map(
                  (s) => html`<tr>
                    <td class="mono">${s.name}</td>
                    <td>${s.scope}</td>
                    <td class="holder">${s.holder
                      ? html`<button class="link mono" @click=${this.pick(s.holder)}>${s.holder}</button>${s.unknownHolder ? html` <span class="warn">(node not found: stale lock?)</span>` : nothing}`
                      : html`<span class="free">free</span>`}</td>
                    <td title=${s.since ?? ''}>${s.heldFor ?? ''}</td>
                    <td>${s.stage ?? ''}${s.drain ? html`<div class="muted">${s.drain}</div>` : nothing}</td>
                    <td class=${s.expired ? 'warn' : ''}>${s.expires ?? ''}${s.expired ? ' (not renewed: holder may be gone)' : ''}</td>
                  </tr>`,
                )}
              </tbody>
            </table>`}
      </section>
      <section aria-labelledby="queue-h">
        <h2 id="queue-h">Waiting queue · ${r.waiting.length}</h2>
        ${r.waiting.length === 0
          ? html`<p class="muted">Nobody is waiting for a slot.</p>`
          : html`<ol aria-labelledby="queue-h">
              ${repeat(
                r.waiting.slice(0, QUEUE_SHOWN),
                (w) => w.node,
                (w) => html`<li>
                  <button class="link mono" @click=${this.pick(w.node)}>${w.node}</button>
                  <span class="muted">— ${w.reason}${w.waitedFor ? ` (for ${w.waitedFor})` : ''}</span>
                </li>`,
              )}
            </ol>
            ${r.waiting.length > QUEUE_SHOWN ? html`<p class="muted">and ${r.waiting.length - QUEUE_SHOWN} more</p>` : nothing}`}
      </section>
    `;
  }
}

customElements.define('nm-locks', NmLocks);
