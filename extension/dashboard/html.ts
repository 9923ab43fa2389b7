// The dashboard page and its Content Security Policy. Pure (no vscode import) so the browser test
// loads the very page the panel serves, under the very same policy.
// Policy: nothing by default; scripts only with this load's nonce (so no inline script, no eval,
// nothing injected through a node name or event message can run); styles and fonts only from the
// webview's own resource origin (lit's constructed stylesheets are not <style> elements); no
// network access at all: the page gets its data by postMessage only.

export interface PageInput {
  /** webview.cspSource: the origin VS Code serves localResourceRoots from. */
  cspSource: string;
  /** Fresh per page load, from a CSPRNG. */
  nonce: string;
  /** webview.asWebviewUri(dist/webview.js). */
  scriptUri: string;
  title?: string;
}

const NONCE = /^[A-Za-z0-9+/=_-]{16,128}$/;
/** One CSP source token: 'self', or a scheme/host source such as https://*.vscode-cdn.net.
 *  Desktop VS Code gives a single origin; code-server gives "'self' https://*.vscode-cdn.net". */
const SOURCE = /^('self'|[a-z][a-z0-9+.-]*:(\/\/[A-Za-z0-9*.+-]+(:\d{1,5})?(\/[A-Za-z0-9._~/-]*)?)?)$/;

export function buildCsp(cspSource: string, nonce: string): string {
  if (!NONCE.test(nonce)) throw new Error('dashboard: nonce must be 16-128 base64 characters');
  const sources = cspSource.trim().split(/ +/);
  if (sources.length === 0 || sources.length > 4 || !sources.every((x) => SOURCE.test(x))) {
    throw new Error(`dashboard: unexpected cspSource ${JSON.stringify(cspSource)}`);
  }
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    "connect-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

export function renderPage(p: PageInput): string {
  const csp = buildCsp(p.cspSource, p.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(p.title ?? 'nodemend rollout')}</title>
</head>
<body>
<nm-dashboard></nm-dashboard>
<script type="module" nonce="${esc(p.nonce)}" src="${esc(p.scriptUri)}"></script>
</body>
</html>`;
}
