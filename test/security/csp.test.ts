// The dashboard webview's Content Security Policy, for every input the page builder can get.
// extension/dashboard/html.test.ts checks the policy for fixed inputs, and test/e2e/webview.test.ts
// proves in a real Chromium that an inline script, a foreign nonce, a handler attribute, eval and
// fetch are refused under it. This file adds the "for every input" part: whatever cspSource,
// nonce, title and script URI reach renderPage (hostile ones included), the page is either refused
// or carries a policy with default-src 'none', scripts by this nonce only (no unsafe-inline, no
// unsafe-eval, no host or scheme source), no network, and exactly one script element: ours.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { renderPage } from '../../extension/dashboard/html.ts';
import { check, nasty } from '../property/support.ts';

const base64 = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-'), minLength: 16, maxLength: 40 });
const injection = fc.constantFrom("'unsafe-inline'", "'unsafe-eval'", '*', 'data:', 'https:', "; script-src *", "'strict-dynamic'", '"><script>alert(1)</script>', "' 'unsafe-inline", 'http://evil.example');
const cspSource = fc.oneof(
  fc.constantFrom('https://file+.vscode-resource.vscode-cdn.net', "'self' https://*.vscode-cdn.net", 'vscode-webview://abc123'),
  fc.tuple(fc.constantFrom('https://x', "'self'"), injection).map(([a, b]) => `${a} ${b}`),
  injection,
  nasty.map((s) => s.slice(0, 200)),
);
const nonce = fc.oneof({ arbitrary: base64, weight: 4 }, fc.tuple(base64, injection).map(([a, b]) => a + b), nasty.map((s) => s.slice(0, 200)));
const text = fc.oneof(fc.string(), injection, fc.constantFrom('</title><script>alert(1)</script>', '"><img src=x onerror=alert(1)>', '<script nonce="x">'));

const seen = { refused: 0, built: 0 };
test('renderPage: any input is refused or gives a page where only our nonce-bearing script can run', (t) => {
  check(t, fc.property(cspSource, nonce, text, text, (src, n, title, scriptUri) => {
    let html: string;
    try {
      html = renderPage({ cspSource: src, nonce: n, title, scriptUri });
    } catch (e) {
      seen.refused++;
      assert.match((e as Error).message, /^dashboard: /);
      return;
    }
    seen.built++;
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
    assert.ok(meta, 'the policy is in the page');
    const csp = meta[1].replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    const d = new Map(csp.split('; ').map((p) => [p.split(' ')[0], p.split(' ').slice(1)]));
    assert.deepEqual(d.get('default-src'), ["'none'"]);
    assert.deepEqual(d.get('script-src'), [`'nonce-${n}'`], 'scripts by nonce only');
    assert.deepEqual(d.get('connect-src'), ["'none'"]);
    assert.equal(csp.split('; ').filter((p) => p.startsWith('script-src')).length, 1, 'no second script-src');
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|strict-dynamic/);
    // The policy comes before anything that could load or run; exactly one script, empty, ours.
    assert.ok(html.indexOf('Content-Security-Policy') < html.indexOf('<script'), 'policy first');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    assert.equal(scripts.length, 1, 'one script element');
    assert.equal(scripts[0][2], '', 'no inline script body');
    assert.equal((html.match(/<script\b/gi) ?? []).length, 1, 'no other script tag, even unclosed');
    for (const tag of html.match(/<[a-z][^>]*>/gi) ?? []) assert.doesNotMatch(tag.replace(/"[^"]*"/g, '""'), /\son[a-z]+=/i, `no handler attribute in ${tag}`);
  }), 3000);
  t.diagnostic(`outcomes: ${JSON.stringify(seen)}`);
  assert.ok(seen.refused > 100 && seen.built > 100, JSON.stringify(seen));
});
