// Webview entry point (bundled to dist/webview.js, loaded by the dashboard panel under a CSP
// that allows this one script). Wires <nm-dashboard> to the extension host: validates every
// message from the host, says Ready once it listens, forwards node actions, and keeps the
// view state (filter, selection) in VS Code's webview state so it survives the page being
// discarded while the panel is hidden.

import type { WebviewToHost } from '../protocol/webview.ts';
import { parseHostMessage } from '../protocol/webview.ts';
import { NmDashboard, type ViewState } from './components/dashboard.ts';

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const send = (m: WebviewToHost): void => vscode.postMessage(m);

let app = document.querySelector('nm-dashboard');
if (!(app instanceof NmDashboard)) {
  app = document.body.appendChild(new NmDashboard());
}
const dash = app as NmDashboard;
dash.restore(vscode.getState() as Partial<ViewState> | undefined);
dash.host = {
  command: (action, node) => send({ type: 'command', action, node }),
  saveViewState: (v) => vscode.setState(v),
};

window.addEventListener('message', (e: MessageEvent) => {
  const m = parseHostMessage(e.data);
  if (m.ok) dash.apply(m.value);
  else dash.notify('error', `ignored a malformed update from the extension (${m.error})`);
});
send({ type: 'ready' });
