// The whole test suite, as `./dev test` and CI run it: type check, bundle, then every test file
// (unit, integration against the real control plane, end to end in a real VS Code) in one run of
// node's test runner, whose closing summary CI reads.

import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';

function step(name: string, cmd: string, args: string[]): void {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`test: ${name} failed (exit ${r.status}); nothing else was run`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  console.log(`test: ${name} ok in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

step('type check', 'npx', ['tsc', '-p', 'tsconfig.json']);
step('type check (webview)', 'npx', ['tsc', '-p', 'webview/tsconfig.json']);
step('bundle', 'node', ['scripts/build.ts']);
// The control plane's cold build (first run on a machine) happens here, outside any test timeout.
step('control plane binaries', 'bash', ['scripts/controlplane-build.sh']);
// Likewise code-server and Debian's Chromium for the end-to-end tests (first run ~7 min, cached).
step('code-server and Chromium', 'bash', ['scripts/code-server.sh']);

const only = process.argv.slice(2);
const files = only.length
  ? only
  : [
      ...globSync('{protocol,backend,extension,webview,tools,scripts,bench}/**/*.test.ts'),
      ...globSync('test/{integration,e2e,chaos,property,security}/**/*.test.ts'),
    ].filter((f) => !f.includes('node_modules'));
console.log(`test: ${files.length} test files`);
const r = spawnSync(
  'node',
  ['--test', '--test-concurrency=2', '--test-timeout=600000', '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);
