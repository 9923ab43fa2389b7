// Packs the plugin for Krew: dist/krew/kubectl-nodemend.tar.gz (the bundle, kubectl's completion
// helper and the licence, with fixed owners and times so the same bundle gives the same bytes) and
// dist/krew/nodemend.yaml, the manifest with this version and the archive's SHA-256.
//   node cli/krew/render.ts [--out DIR]   (after ./dev build)

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = new URL('../../', import.meta.url).pathname;
export const FILES = ['kubectl-nodemend', 'kubectl_complete-nodemend', 'LICENSE'];

/** The manifest template with its placeholders filled in. */
export function renderManifest(template: string, version: string, sha256: string): string {
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) throw new Error(`version ${JSON.stringify(version)} is not semver`);
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('sha256 must be 64 hex digits');
  return template.replaceAll('{{VERSION}}', version).replaceAll('{{SHA256}}', sha256);
}

export function pack(out: string): { archive: string; manifest: string; sha256: string } {
  const stage = mkdtempSync(join(tmpdir(), 'nodemend-krew-'));
  try {
    for (const f of FILES) {
      const from = f === 'LICENSE' ? join(ROOT, f) : join(ROOT, 'dist', f);
      if (!existsSync(from)) throw new Error(`${from} is missing; run ./dev build first`);
      copyFileSync(from, join(stage, f));
    }
    mkdirSync(out, { recursive: true });
    const archive = join(out, 'kubectl-nodemend.tar.gz');
    const tar = execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', stage, '-cf', '-', ...FILES], { maxBuffer: 64 << 20 });
    // gzip -n: no name or time in the header, so the bytes depend on the contents only.
    writeFileSync(archive, execFileSync('gzip', ['-9', '-n', '-c'], { input: tar, maxBuffer: 64 << 20 }));
    const sha256 = createHash('sha256').update(readFileSync(archive)).digest('hex');
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const manifest = join(out, 'nodemend.yaml');
    writeFileSync(manifest, renderManifest(readFileSync(join(ROOT, 'cli/krew/nodemend.yaml'), 'utf8'), version, sha256));
    return { archive, manifest, sha256 };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const r = pack(values.out ?? join(ROOT, 'dist/krew'));
  console.log(`krew: ${r.archive} (sha256 ${r.sha256}), ${r.manifest}`);
}
