// Builds the extension bundle (and the webview bundle, when its source is there) and packages the
// .vsix with vsce into a temporary file: the e2e tests install exactly what users install.

import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../../../', import.meta.url).pathname;

export async function packageVsix(): Promise<string> {
  await build({
    entryPoints: [join(ROOT, 'extension/extension.ts')],
    outfile: join(ROOT, 'dist/extension.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external: ['vscode'],
    minify: true,
    sourcemap: true,
    logLevel: 'error',
  });
  if (existsSync(join(ROOT, 'webview/main.ts'))) {
    await build({ entryPoints: [join(ROOT, 'webview/main.ts')], outfile: join(ROOT, 'dist/webview.js'), bundle: true, platform: 'browser', format: 'esm', target: 'es2022', minify: true, logLevel: 'error' });
  }
  const out = join(mkdtempSync(join(tmpdir(), 'nodemend-vsix-')), 'nodemend.vsix');
  execFileSync(join(ROOT, 'node_modules/.bin/vsce'), ['package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--no-rewrite-relative-links', '-o', out], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  return out;
}
