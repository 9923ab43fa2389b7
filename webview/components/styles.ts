// Shared styles. Colours come only from VS Code's theme variables, so the dashboard follows the
// user's theme (light, dark, high contrast) without a palette of its own. Phase colour is never
// the only signal: every coloured mark has its phase in text next to it or in its label.

import { css } from 'lit';

export const phaseColours = css`
  .ph-rebooting { --ph: var(--vscode-charts-purple); }
  .ph-verifying { --ph: var(--vscode-charts-blue); }
  .ph-draining { --ph: var(--vscode-charts-orange); }
  .ph-failed { --ph: var(--vscode-charts-red); }
  .ph-waiting-lock { --ph: var(--vscode-charts-yellow); }
  .ph-waiting-window { --ph: var(--vscode-terminal-ansiCyan); }
  .ph-blocked { --ph: var(--vscode-terminal-ansiMagenta); }
  .ph-scheduled { --ph: var(--vscode-terminal-ansiBlue); }
  .ph-reboot-required { --ph: var(--vscode-terminal-ansiBrightYellow); }
  .ph-healthy { --ph: var(--vscode-charts-green); }
  .ph-unknown { --ph: var(--vscode-disabledForeground); }
  .dot {
    display: inline-block;
    width: 0.7em;
    height: 0.7em;
    border-radius: 50%;
    background: var(--ph);
    margin-right: 0.35em;
    vertical-align: baseline;
  }
`;

export const base = css`
  :host {
    display: block;
    color: var(--vscode-foreground);
    font-family: var(--vscode-font-family);
    font-size: var(--vscode-font-size);
  }
  h2 {
    font-size: 1.05em;
    font-weight: 600;
    margin: 0 0 0.4em;
    text-transform: uppercase;
    letter-spacing: 0.04em;
    color: var(--vscode-descriptionForeground);
  }
  .muted { color: var(--vscode-descriptionForeground); }
  .warn { color: var(--vscode-editorWarning-foreground); }
  .error { color: var(--vscode-errorForeground); }
  button.link {
    background: none;
    border: none;
    padding: 0;
    color: var(--vscode-textLink-foreground);
    font: inherit;
    cursor: pointer;
    text-align: left;
  }
  button.link:hover { text-decoration: underline; }
  button:focus-visible, [tabindex]:focus-visible {
    outline: 1px solid var(--vscode-focusBorder);
    outline-offset: 1px;
  }
  table { border-collapse: collapse; width: 100%; }
  th {
    text-align: left;
    font-weight: 600;
    color: var(--vscode-descriptionForeground);
    border-bottom: 1px solid var(--vscode-panel-border);
    padding: 2px 8px 2px 0;
  }
  td { padding: 2px 8px 2px 0; vertical-align: top; }
  .mono { font-family: var(--vscode-editor-font-family); }
`;
