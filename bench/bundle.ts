// The agent binary the bench runs: the esbuild bundle the container image runs (dist/backend.mjs
// in the Dockerfile, built by scripts/build.ts), built once at bench start from the last commit
// (git archive HEAD) into the bench's own folder, so a source edit made while a long run is under
// way cannot change the binary between measurements, and the shared dist/ folder is left alone.
// The options are scripts/targets.ts's backend options, the image's; the bench checks the
// Dockerfile still runs that file.

import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { loadYaml } from '@kubernetes/client-node';
import { backendOptions } from '../scripts/targets.ts';

const REPO = resolve(import.meta.dirname, '..');

export interface AgentBundle {
  path: string;
  bytes: number;
  sha256: string;
  /** The commit built (HEAD at bench start), and the uncommitted changes to backend/ and
   *  protocol/ in the working tree then, which the bundle does NOT contain. */
  commit: string;
  dirty: string[];
  buildMs: number;
}

/** Node's command line in the image: ENTRYPOINT ["node", "/app/backend.mjs"] with
 *  NODE_OPTIONS from the Dockerfile's ENV, read from the Dockerfile so the bench follows it. */
export function imageNodeOptions(dockerfile = readFileSync(join(REPO, 'Dockerfile'), 'utf8')): string {
  const m = /NODE_OPTIONS=("([^"]*)"|(\S+))/.exec(dockerfile);
  return m ? (m[2] ?? m[3] ?? '') : '';
}

/** How a container of ours starts node: the NODE_OPTIONS the container sets (which replaces the
 *  image's; an empty value turns them off), else the image's; plus any node options in a
 *  `command` override (["node", <options>..., "/app/backend.mjs"]). */
export function containerNodeCommand(manifest: string, manifestName: string, container: string, dockerfile: string): { envNodeOptions: string; cliOptions: string[]; source: string } {
  type Ct = { name?: string; command?: string[]; env?: { name: string; value?: string }[] };
  const docs = manifest.split(/^---$/m).map((d) => loadYaml<{ spec?: { template?: { spec?: { containers?: Ct[] } } } }>(d));
  const ct = docs.flatMap((d) => d?.spec?.template?.spec?.containers ?? []).find((x) => x.name === container);
  if (!ct) throw new Error(`${manifestName}: no container named "${container}"`);
  const env = ct.env?.find((e) => e.name === 'NODE_OPTIONS');
  const cliOptions = ct.command ? ct.command.slice(1, ct.command.findIndex((x) => x.endsWith('.mjs'))) : [];
  return env
    ? { envNodeOptions: env.value ?? '', cliOptions, source: `NODE_OPTIONS of the ${container} container in ${manifestName}` }
    : { envNodeOptions: imageNodeOptions(dockerfile), cliOptions, source: `NODE_OPTIONS of the Dockerfile (the ${container} container sets none)` };
}

/** How the agent DaemonSet (deploy/base/agent-daemonset.yaml) starts node. */
export function agentNodeCommand(
  daemonset = readFileSync(join(REPO, 'deploy/base/agent-daemonset.yaml'), 'utf8'),
  dockerfile = readFileSync(join(REPO, 'Dockerfile'), 'utf8'),
): { envNodeOptions: string; cliOptions: string[]; source: string } {
  return containerNodeCommand(daemonset, 'deploy/base/agent-daemonset.yaml', 'agent', dockerfile);
}

/** How the hub Deployment (deploy/base/hub.yaml) starts node. */
export function hubNodeCommand(): { envNodeOptions: string; cliOptions: string[]; source: string } {
  return containerNodeCommand(readFileSync(join(REPO, 'deploy/base/hub.yaml'), 'utf8'), 'deploy/base/hub.yaml', 'hub', readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
}

/** `readable` builds the bundle unminified, for footprint experiments (the image's is minified);
 *  it goes to <dir>/readable/backend.mjs. */
/** `ref` builds another commit than HEAD (a baseline to compare with), into <dir>/<commit>/. */
export async function buildAgentBundle(dir: string, o: { readable?: boolean; ref?: string } = {}): Promise<AgentBundle> {
  const t0 = Date.now();
  const git = (...a: string[]) => execFileSync('git', a, { cwd: REPO, encoding: 'utf8' }).trim();
  // From the last commit, not the working tree: other work in progress in the same tree is not
  // measured, and the figures name the commit they measured.
  const commit = git('rev-parse', '--short=12', `${o.ref ?? 'HEAD'}^{commit}`);
  const base = o.ref ? join(dir, commit) : dir;
  const outfile = o.readable ? join(base, 'readable', 'backend.mjs') : join(base, 'backend.mjs');
  const src = join(dir, `src-${commit}`);
  if (!existsSync(src)) {
    mkdirSync(src, { recursive: true });
    execFileSync('sh', ['-c', `git archive ${commit} backend protocol package.json | tar -x -C '${src}'`], { cwd: REPO });
    symlinkSync(join(REPO, 'node_modules'), join(src, 'node_modules'));
  }
  await build({ ...backendOptions(), entryPoints: [join(src, 'backend/main.ts')], outfile, ...(o.readable ? { minify: false } : {}) });
  const buildMs = Date.now() - t0;
  const body = readFileSync(outfile);
  return {
    path: outfile, bytes: body.length, sha256: createHash('sha256').update(body).digest('hex').slice(0, 16),
    commit,
    dirty: git('status', '--porcelain', '--', 'backend', 'protocol').split('\n').filter((l) => l !== ''),
    buildMs,
  };
}
