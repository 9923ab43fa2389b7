// Locates (and on first use builds) the control plane binaries through the cached Go build.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

let cached: string | undefined;

/** Directory holding etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kwok. */
export function controlPlaneBin(): string {
  if (process.env.NODEMEND_CONTROLPLANE_BIN) return process.env.NODEMEND_CONTROLPLANE_BIN;
  cached ??= execFileSync('bash', [join(repoRoot, 'scripts/controlplane-build.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  }).trim();
  return cached;
}

let helmCached: string | undefined;

/** Directory holding helm, built from tools/helm on first use (scripts/helm-build.sh, cached). */
export function helmBin(): string {
  if (process.env.NODEMEND_HELM_BIN) return process.env.NODEMEND_HELM_BIN;
  helmCached ??= execFileSync('bash', [join(repoRoot, 'scripts/helm-build.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  }).trim().split('\n').pop();
  return helmCached!;
}
