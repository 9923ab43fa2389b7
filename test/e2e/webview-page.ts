// Test-only static server for the dashboard webview: serves the panel's own page (same HTML, same
// CSP, from extension/dashboard/html.ts) and the webview bundle on 127.0.0.1, plus a probe page
// for the CSP test. Also the VS Code theme variables a real webview host would set.

import { build } from 'esbuild';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCsp, renderPage } from '../../extension/dashboard/html.ts';
import { webviewOptions } from '../../scripts/targets.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

function newestSource(dir: string): number {
  let t = 0;
  for (const e of readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })) {
    if (e.isFile() && e.name.endsWith('.ts')) t = Math.max(t, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return t;
}

/**
 * The bundle the panel ships, dist/webview.js, when it is at least as new as the sources;
 * otherwise the same build (scripts/targets.ts options) into a temporary folder, so running this
 * test alone never exercises a stale bundle.
 */
export async function webviewBundle(): Promise<{ path: string; built: boolean }> {
  const dist = join(ROOT, 'dist/webview.js');
  const fresh = (() => {
    try {
      return statSync(dist).mtimeMs >= Math.max(newestSource('webview'), newestSource('protocol'));
    } catch {
      return false;
    }
  })();
  if (fresh) return { path: dist, built: false };
  const out = join(mkdtempSync(join(tmpdir(), 'nm-webview-')), 'webview.js');
  await build({ ...webviewOptions(), entryPoints: [join(ROOT, 'webview/main.ts')], outfile: out });
  return { path: out, built: true };
}

export const NONCE = 'dGVzdC1ub25jZS0xMjM0NTY3OA';

export async function serve(bundlePath: string): Promise<{ origin: string; server: Server }> {
  const js = readFileSync(bundlePath);
  let origin = '';
  const server = createServer((req, res) => {
    const send = (code: number, type: string, body: string | Buffer) => {
      res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    switch (req.url) {
      case '/':
        return send(200, 'text/html', renderPage({ cspSource: origin, nonce: NONCE, scriptUri: `${origin}/dist/webview.js` }));
      case '/dist/webview.js':
        return send(200, 'text/javascript', js);
      case '/csp-probe':
        return send(200, 'text/html', cspProbePage(buildCsp(origin, NONCE)));
      case '/probe.js':
        return send(
          200,
          'text/javascript',
          `window.externalRan = true;
           try { eval('1'); window.evalRan = true; } catch { window.evalBlocked = true; }
           fetch('/probe.js').then(() => { window.fetchRan = true; }, () => { window.fetchBlocked = true; });`,
        );
      default:
        return send(404, 'text/plain', 'not found');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  origin = `http://127.0.0.1:${addr.port}`;
  return { origin, server };
}

// What an attacker could get into the page if the webview ever rendered untrusted markup: an
// inline script, one with a guessed nonce, an event handler attribute. Plus our own nonce'd
// external script, which must run (so the test can tell "blocked" from "page never loaded").
function cspProbePage(csp: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp.replaceAll("'", '&#39;')}">
</head><body>
<script>window.inlineRan = true;</script>
<script nonce="d3JvbmctZ3Vlc3MtMTIzNDU2">window.wrongNonceRan = true;</script>
<img src="/missing.png" onerror="window.handlerRan = true">
<div id="styled" style="color: rgb(255, 0, 0)">styled</div>
<script nonce="${NONCE}" src="/probe.js"></script>
</body></html>`;
}

/** A dark theme, set the way VS Code sets it: CSS variables on <html> through the CSSOM. */
export const DARK_THEME: Record<string, string> = {
  '--vscode-foreground': '#cccccc',
  '--vscode-editor-background': '#1f1f1f',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-font-family': 'system-ui, "DejaVu Sans", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-editor-font-family': '"DejaVu Sans Mono", monospace',
  '--vscode-charts-red': '#f14c4c',
  '--vscode-charts-blue': '#3794ff',
  '--vscode-charts-yellow': '#cca700',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-green': '#89d185',
  '--vscode-charts-purple': '#b180d7',
  '--vscode-terminal-ansiCyan': '#11a8cd',
  '--vscode-terminal-ansiMagenta': '#bc3fbc',
  '--vscode-terminal-ansiBlue': '#2472c8',
  '--vscode-terminal-ansiBrightYellow': '#f5f543',
  '--vscode-disabledForeground': '#cccccc80',
  '--vscode-textLink-foreground': '#4daafc',
  '--vscode-focusBorder': '#0078d4',
  '--vscode-panel-border': '#2b2b2b',
  '--vscode-widget-border': '#313131',
  '--vscode-list-activeSelectionBackground': '#04395e',
  '--vscode-list-activeSelectionForeground': '#ffffff',
  '--vscode-list-hoverBackground': '#2a2d2e',
  '--vscode-progressBar-background': '#0078d4',
  '--vscode-input-background': '#313131',
  '--vscode-input-foreground': '#cccccc',
  '--vscode-input-border': '#3c3c3c',
  '--vscode-badge-background': '#616161',
  '--vscode-badge-foreground': '#f8f8f8',
  '--vscode-errorForeground': '#f85149',
  '--vscode-editorWarning-foreground': '#cca700',
  '--vscode-testing-iconPassed': '#73c991',
  '--vscode-inputValidation-errorBorder': '#be1100',
  '--vscode-inputValidation-errorBackground': '#5a1d1d',
  '--vscode-inputValidation-warningBorder': '#b89500',
  '--vscode-inputValidation-warningBackground': '#352a05',
  '--vscode-editorWidget-background': '#202020',
  '--vscode-sideBar-background': '#181818',
  '--vscode-button-background': '#0078d4',
  '--vscode-button-foreground': '#ffffff',
  '--vscode-button-secondaryBackground': '#313131',
  '--vscode-button-secondaryForeground': '#cccccc',
  '--vscode-checkbox-background': '#313131',
  '--vscode-checkbox-border': '#3c3c3c',
};
