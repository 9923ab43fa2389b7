// The release's install files, with the image pinned by digest (a tag can be moved; a digest
// names exactly the bytes that were built, signed and scanned):
//   node scripts/release-render.ts --digest sha256:<64 hex> [--image ghcr.io/nodemend/nodemend]
//                                  [--out dist/release] [--helm PATH] [--kubectl PATH]
// (default helm: tools/helm's, built by scripts/helm-build.sh; default kubectl: the test control
// plane's, else the one on PATH)
// writes to --out:
//   nodemend.yaml              the default overlay (kubectl apply --server-side -f nodemend.yaml)
//   nodemend-<overlay>.yaml    each other overlay in deploy/overlays
//   nodemend-<version>.tgz     the Helm chart with image.digest set in its values.yaml
// kustomize pins the image through an `images:` entry with that digest in an overlay of its own
// around each deploy/ overlay; the chart through image.digest (charts/nodemend/templates/_helpers.tpl
// puts repository@digest). Every output is checked: each nodemend image in it must be exactly
// <image>@<digest>, or the script fails and names the file. The release workflow runs this after
// the push; test/release/render.test.ts runs it against the image scripts/image.sh builds.

import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { deployDir, kubectlPath, OVERLAYS } from '../deploy/render.ts';
import { helmBin, repoRoot } from '../tools/harness/binaries.ts';
import { IMAGE, packageVersion } from './release-version.ts';

export const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** A repository as kustomize and Helm take it: host[:port]/path, lower case, no tag or digest. */
const REPOSITORY = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+$/;

export interface RenderOptions {
  image: string;
  digest: string;
  out: string;
  helm?: string;
  kubectl?: string;
}

export interface Rendered {
  /** File name (in out) to its content. */
  files: Record<string, string>;
  chart: string;
}

/** Input errors as sentences naming the flag and the fix (empty when the options are usable). */
export function validate(o: Partial<RenderOptions>): string[] {
  const errors: string[] = [];
  if (!o.digest) errors.push('--digest is required: the pushed image\'s digest, sha256:<64 hex digits> (the build step\'s output, or `podman image inspect --format {{.Digest}}`)');
  else if (!DIGEST.test(o.digest)) errors.push(`--digest=${o.digest}: expected sha256: followed by 64 lower-case hex digits`);
  if (!o.image || !REPOSITORY.test(o.image)) errors.push(`--image=${o.image ?? ''}: expected a repository without tag or digest, e.g. ${IMAGE}`);
  return errors;
}

/** The images a rendered YAML names (every `image:` field), for the check. */
export function imagesIn(yaml: string): string[] {
  return [...yaml.matchAll(/^\s*(?:-\s+)?image:\s*"?([^"\s]+)"?\s*$/gm)].map((m) => m[1]);
}

/** Fails unless `yaml` names at least one image and every image is `want`. */
export function assertPinned(name: string, yaml: string, want: string): void {
  const images = imagesIn(yaml);
  const wrong = images.filter((i) => i !== want);
  if (!images.length) throw new Error(`${name}: names no image at all; expected ${want}`);
  if (wrong.length) throw new Error(`${name}: image(s) ${[...new Set(wrong)].join(', ')} are not ${want}`);
}

function kustomizePinned(overlay: string, o: RenderOptions, work: string): string {
  const dir = join(work, `kustomize-${overlay}`);
  mkdirSync(dir, { recursive: true });
  // kustomize takes only relative resource paths; a directory outside the root is allowed.
  const resource = relative(dir, join(deployDir, 'overlays', overlay));
  const entry = [`- name: ${IMAGE}`, ...(o.image !== IMAGE ? [`  newName: ${o.image}`] : []), `  digest: ${o.digest}`];
  writeFileSync(join(dir, 'kustomization.yaml'), ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'resources:', `- ${resource}`, 'images:', ...entry, ''].join('\n'));
  return execFileSync(o.kubectl ?? kubectlPath(), ['kustomize', dir], { encoding: 'utf8', maxBuffer: 16 << 20 });
}

/** values.yaml with image.repository and image.digest set (only inside the image: block). */
export function pinValues(values: string, o: Pick<RenderOptions, 'image' | 'digest'>): string {
  const block = /^image:\n((?:[ \t]+.*\n|\n)*)/m.exec(values);
  if (!block) throw new Error('charts/nodemend/values.yaml has no top-level image: block');
  let body = block[1];
  const set = (key: string, value: string) => {
    const re = new RegExp(`^(\\s+${key}:).*$`, 'm');
    if (!re.test(body)) throw new Error(`charts/nodemend/values.yaml: image.${key} not found`);
    body = body.replace(re, `$1 ${JSON.stringify(value)}`);
  };
  set('repository', o.image);
  set('digest', o.digest);
  return values.replace(block[0], `image:\n${body}`);
}

export function render(o: RenderOptions): Rendered {
  const errors = validate(o);
  if (errors.length) throw new Error(errors.join('\n'));
  const helm = o.helm ?? join(helmBin(), 'helm');
  const want = `${o.image}@${o.digest}`;
  const version = packageVersion();
  const work = mkdtempSync(join(tmpdir(), 'nodemend-release-'));
  try {
    const files: Record<string, string> = {};
    const header = `# nodemend ${version}, image ${want}\n# GENERATED by scripts/release-render.ts from deploy/overlays/%s.\n`;
    for (const overlay of OVERLAYS) {
      const yaml = header.replace('%s', overlay) + kustomizePinned(overlay, o, work);
      const name = overlay === 'default' ? 'nodemend.yaml' : `nodemend-${overlay}.yaml`;
      assertPinned(name, yaml, want);
      files[name] = yaml;
    }
    // The chart: a copy whose values.yaml carries the digest, packaged, then rendered to check it.
    const chartDir = join(work, 'nodemend');
    cpSync(join(repoRoot, 'charts/nodemend'), chartDir, { recursive: true });
    const valuesPath = join(chartDir, 'values.yaml');
    writeFileSync(valuesPath, pinValues(readFileSync(valuesPath, 'utf8'), o));
    const env = { ...process.env, HELM_CONFIG_HOME: join(work, 'helm/config'), HELM_CACHE_HOME: join(work, 'helm/cache'), HELM_DATA_HOME: join(work, 'helm/data') };
    mkdirSync(o.out, { recursive: true });
    execFileSync(helm, ['package', chartDir, '--destination', o.out], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const chart = join(o.out, `nodemend-${version}.tgz`);
    const rendered = execFileSync(helm, ['template', 'nodemend', chart, '--namespace', 'nodemend'], { env, encoding: 'utf8', maxBuffer: 16 << 20 });
    assertPinned(relative(o.out, chart), rendered, want);
    for (const [name, yaml] of Object.entries(files)) writeFileSync(join(o.out, name), yaml);
    return { files, chart };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { image: { type: 'string', default: IMAGE }, digest: { type: 'string' }, out: { type: 'string', default: join(repoRoot, 'dist/release') }, helm: { type: 'string' }, kubectl: { type: 'string' } } });
  const o = { image: values.image, digest: values.digest, out: values.out, ...(values.helm ? { helm: values.helm } : {}), ...(values.kubectl ? { kubectl: values.kubectl } : {}) };
  const errors = validate(o);
  if (errors.length) {
    console.error(`release-render: ${errors.join('\nrelease-render: ')}`);
    process.exit(2);
  }
  try {
    const r = render(o as RenderOptions);
    for (const f of [...Object.keys(r.files).map((f) => join(o.out, f)), r.chart]) console.log(f);
  } catch (e) {
    console.error(`release-render: ${(e as Error).message}`);
    process.exit(1);
  }
}
