import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCsp, renderPage } from './html.ts';

const nonce = 'abcdefghijklmnopqrstuvwx';

test('the policy allows only nonce scripts, own-origin styles and no network', () => {
  const csp = buildCsp('https://file+.vscode-resource.vscode-cdn.net', nonce);
  const d = Object.fromEntries(csp.split('; ').map((p) => [p.split(' ')[0], p.split(' ').slice(1).join(' ')]));
  assert.equal(d['default-src'], "'none'");
  assert.equal(d['script-src'], `'nonce-${nonce}'`);
  assert.equal(d['style-src'], 'https://file+.vscode-resource.vscode-cdn.net');
  assert.equal(d['connect-src'], "'none'");
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
});

const bad: [string, string, RegExp][] = [
  ['https://x', 'short', /nonce must be/],
  ['https://x', `${nonce}' 'unsafe-inline`, /nonce must be/],
  ["https://x 'unsafe-inline'", nonce, /unexpected cspSource/],
  ['https://x;script-src *', nonce, /unexpected cspSource/],
  ["'self' 'unsafe-eval'", nonce, /unexpected cspSource/],
  ['*', nonce, /unexpected cspSource/],
  ['', nonce, /unexpected cspSource/],
];
// code-server (a real VS Code in the browser) gives two sources; found by the demo, not by a fake.
test("accepts code-server's cspSource: 'self' plus the CDN wildcard host", () => {
  const csp = buildCsp("'self' https://*.vscode-cdn.net", nonce);
  assert.match(csp, /style-src 'self' https:\/\/\*\.vscode-cdn\.net;/);
  assert.match(csp, /script-src 'nonce-/);
});
for (const [src, n, err] of bad) test(`refuses ${JSON.stringify(src)} / ${JSON.stringify(n)}`, () => assert.throws(() => buildCsp(src, n), err));

test('the page loads one module script with the nonce and has no inline script', () => {
  const html = renderPage({ cspSource: 'https://x', nonce, scriptUri: 'https://x/dist/webview.js?a=1&b="2"' });
  const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1);
  assert.equal(scripts[0][2], '', 'no inline script body');
  assert.match(scripts[0][1], new RegExp(`nonce="${nonce}"`));
  assert.match(scripts[0][1], /src="https:\/\/x\/dist\/webview.js\?a=1&amp;b=&quot;2&quot;"/);
  assert.match(html, /<nm-dashboard><\/nm-dashboard>/);
  assert.match(html, /http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;/);
});
