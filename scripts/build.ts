// Bundles the three targets with esbuild. Type checking is separate (`npm run typecheck`):
// esbuild strips types and does not check them.
//   extension: CommonJS for VS Code's extension host (Node 22 in VS Code >= 1.105), vscode external
//   webview:   browser ESM loaded by the dashboard panel under a strict CSP
//   backend:   one Node 24 ESM file run by the container image as `agent` or `hub`

import { build, type BuildOptions } from 'esbuild';
import { existsSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const common: BuildOptions = { bundle: true, sourcemap: true, logLevel: 'warning', legalComments: 'linked' };

const targets: (BuildOptions & { entryPoints: string[] })[] = [
  {
    ...common,
    entryPoints: ['extension/extension.ts'],
    outfile: 'dist/extension.cjs',
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external: ['vscode'],
    minify: !watch,
  },
  {
    ...common,
    entryPoints: ['webview/main.ts'],
    outfile: 'dist/webview.js',
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: !watch,
  },
  {
    ...common,
    entryPoints: ['backend/main.ts'],
    outfile: 'dist/backend.mjs',
    platform: 'node',
    format: 'esm',
    target: 'node24',
    // Minified: V8 keeps a module's source text resident, so the 8 MB readable bundle cost each
    // agent ~20 MiB more RSS than the 2.6 MB minified one (measured side by side by the bench:
    // 106 vs 85 MiB idle). Stack traces map back through backend.mjs.map with
    // NODE_OPTIONS=--enable-source-maps (which costs its own memory: docs/benchmarks.md).
    minify: !watch,
    // Some dependencies are CommonJS and call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  },
];

const missing = targets.flatMap((t) => t.entryPoints).filter((e) => !existsSync(e));
if (missing.length) {
  console.error(`build: missing entry point(s): ${missing.join(', ')}`);
  process.exit(1);
}
const t0 = Date.now();
await Promise.all(targets.map((t) => build(t)));
console.log(`build: ${targets.length} bundles in ${Date.now() - t0} ms`);
