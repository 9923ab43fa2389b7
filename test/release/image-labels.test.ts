// The image as the release workflow builds it: the Dockerfile's VERSION, COMMIT and CREATED build
// arguments become its OCI labels and the bundle's stamp (what --version says inside), and a
// VERSION that is not package.json's stops the build, naming the argument. Built with podman on
// scripts/image.sh's stand-in bases (the cached project build leaves the npm ci layer warm).

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { packageVersion, root } from '../../scripts/release-version.ts';

const image = join(root, 'scripts/image.sh');
const podman = (args: string[]) => spawnSync('bash', [image, 'podman', ...args], { cwd: root, encoding: 'utf8', timeout: 900_000, maxBuffer: 64 << 20 });
const version = packageVersion();
const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const CREATED = '2026-12-06T12:00:00Z';
const REF = 'localhost/nodemend-labels-test:latest';
let standin: string;

function build(extra: string[], tag = REF) {
  const nodeVersion = /^version=(\S+)$/m.exec(spawnSync('cat', [join(root, 'scripts/node.sh')], { encoding: 'utf8' }).stdout)![1];
  return podman(['build', '--pull=never', '--network=host', '--layers', '-f', 'Dockerfile', '-t', tag,
    '--build-arg', `NODE_VERSION=${nodeVersion}`, '--build-arg', `BUILD_IMAGE=${standin}`, '--build-arg', `BASE_IMAGE=${standin}`, ...extra, '.']);
}

before(() => {
  // The project image first: it brings podman, its configuration and the stand-in base.
  const r = spawnSync('bash', [image], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 1_800_000 });
  assert.equal(r.status, 0);
  standin = podman(['images', '--format', '{{.Repository}}:{{.Tag}}', 'localhost/nodemend-standin/node']).stdout.trim().split('\n')[0];
  assert.match(standin, /^localhost\/nodemend-standin\/node:/);
}, { timeout: 1_800_000 });

test('VERSION, COMMIT and CREATED become the OCI labels and the stamp --version prints', { timeout: 900_000 }, () => {
  const b = build(['--build-arg', `VERSION=${version}`, '--build-arg', `COMMIT=${COMMIT}`, '--build-arg', `CREATED=${CREATED}`]);
  assert.equal(b.status, 0, b.stderr.slice(-4000));
  try {
    const labels = JSON.parse(podman(['image', 'inspect', '--format', '{{json .Labels}}', REF]).stdout) as Record<string, string>;
    assert.equal(labels['org.opencontainers.image.version'], version);
    assert.equal(labels['org.opencontainers.image.revision'], COMMIT);
    assert.equal(labels['org.opencontainers.image.created'], CREATED);
    assert.equal(labels['org.opencontainers.image.licenses'], 'Apache-2.0');
    assert.equal(labels['org.opencontainers.image.source'], 'https://github.com/nodemend/nodemend');
    const v = podman(['run', '--rm', '--network=none', REF, '--version']);
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, new RegExp(`^nodemend ${version.replace(/\./g, '\\.')} \\(commit ${COMMIT}, node v`));
    // The licences ship beside the bundle.
    const ls = podman(['run', '--rm', '--network=none', '--entrypoint', 'ls', REF, '/app']);
    assert.deepEqual(ls.stdout.trim().split('\n').sort(), ['LICENSE', 'THIRD_PARTY_NOTICES', 'backend.mjs', 'backend.mjs.LEGAL.txt', 'backend.mjs.map']);
  } finally {
    podman(['rmi', '-i', REF]);
  }
});

test('a VERSION that is not package.json\'s stops the build and says so', { timeout: 900_000 }, () => {
  const b = build(['--build-arg', 'VERSION=9.9.9'], 'localhost/nodemend-labels-test:wrong');
  podman(['rmi', '-i', 'localhost/nodemend-labels-test:wrong']);
  assert.notEqual(b.status, 0);
  assert.match(b.stderr, /the VERSION build argument \(9\.9\.9\) is not package\.json's version/);
});
