// The esbuild options of the three bundles, shared by scripts/build.ts and the bench (which builds
// the agent from the last commit with exactly the options the image's bundle is built with).
//   extension: CommonJS for VS Code's extension host (Node 22 in VS Code >= 1.105), vscode external
//   webview:   browser ESM loaded by the dashboard panel under a strict CSP
//   backend:   one Node 24 ESM file run by the container image as `agent` or `hub`

import type { BuildOptions } from 'esbuild';

const common: BuildOptions = { bundle: true, sourcemap: true, logLevel: 'warning', legalComments: 'linked' };

/** The backend bundle's options (entry point and output file are the caller's). */
export function backendOptions(watch = false): BuildOptions {
  return {
    ...common,
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
  };
}

/** The webview bundle's options (entry point and output file are the caller's). */
export function webviewOptions(watch = false): BuildOptions {
  return { ...common, platform: 'browser', format: 'esm', target: 'es2022', minify: !watch };
}

export function targets(watch = false): (BuildOptions & { entryPoints: string[] })[] {
  return [
    { ...common, entryPoints: ['extension/extension.ts'], outfile: 'dist/extension.cjs', platform: 'node', format: 'cjs', target: 'node22', external: ['vscode'], minify: !watch },
    { ...webviewOptions(watch), entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js' },
    { ...backendOptions(watch), entryPoints: ['backend/main.ts'], outfile: 'dist/backend.mjs' },
  ];
}
