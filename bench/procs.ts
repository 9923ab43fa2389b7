// Process helpers for agents under test: start with a log file, power-cycle (SIGKILL), sample
// RSS and CPU from /proc.

import { spawn } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../tools/harness/index.ts';
import type { AgentProc } from './sut.ts';
import { parseCpuTicks, parseRssAnonKb, parseRssKb } from './stats.ts';

const live = new Map<number, AgentProc>();
process.once('exit', () => {
  for (const pid of live.keys()) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
});

/** Stands in for /usr/bin/nsenter inside an agent's private mount namespace: runs the command
 *  after "--" directly. Both systems enter PID 1's mount namespace to reboot; in this sandbox
 *  PID 1's namespace cannot be opened (even by root), and the agent and the "host" share one
 *  file system anyway, so the command runs where nsenter would have run it. */
export const NSENTER_SHIM = '#!/bin/sh\nwhile [ $# -gt 0 ]; do a=$1; shift; [ "$a" = "--" ] && break; done\nexec "$@"\n';

/** Wraps a command so it runs in a private mount namespace with `binds` (source -> target)
 *  bind-mounted first. unshare (without --fork) and sh both exec, so the pid of the spawned
 *  process is the pid of `cmd` itself. */
export function inPrivateMounts(binds: readonly [string, string][], cmd: string, args: readonly string[]): [string, string[]] {
  const script = binds.map((_, i) => `mount --bind "$${2 * i + 1}" "$${2 * i + 2}"`).join(' && ') + ` && shift ${2 * binds.length} && exec "$@"`;
  return ['unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', ...binds.flat(), cmd, ...args]];
}

/** What every agent gets, whatever the system: its own folder, a reboot command that tells the
 *  bench "rebooting now" by creating `rebootMarker` (each system runs it through nsenter), and a
 *  free port for its metrics server. */
export async function agentHome(dir: string, system: string, node: string, rebootMarker: string): Promise<{ nodeDir: string; rebootScript: string; metricsPort: number }> {
  const nodeDir = join(dir, system, node);
  mkdirSync(nodeDir, { recursive: true });
  const rebootScript = join(nodeDir, 'reboot.sh');
  writeFileSync(rebootScript, `#!/bin/sh\ntouch '${rebootMarker}'\n`);
  chmodSync(rebootScript, 0o755);
  return { nodeDir, rebootScript, metricsPort: await freePort() };
}

export function spawnAgent(node: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, logPath: string, o: { variant?: string; metricsPort?: number } = {}): AgentProc {
  const fd = openSync(logPath, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], env });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${cmd} for ${node}; see ${logPath}`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const p: AgentProc = { node, pid: child.pid, exited, logPath, ...(o.variant !== undefined ? { variant: o.variant } : {}), ...(o.metricsPort !== undefined ? { metricsPort: o.metricsPort } : {}) };
  live.set(child.pid, p);
  void exited.then(() => live.delete(p.pid));
  return p;
}

/** A power cycle: no chance to clean up, exactly like pulling the plug. */
export async function powerOff(p: AgentProc): Promise<void> {
  try { process.kill(p.pid, 'SIGKILL'); } catch { /* already gone */ }
  await p.exited;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live.values()].map(powerOff));
}

export interface ProcSample { rssKb: number; rssAnonKb: number; cpuTicks: number; t: number }

export function sample(pid: number): ProcSample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rssKb: parseRssKb(status), rssAnonKb: parseRssAnonKb(status), cpuTicks: parseCpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')), t: Date.now() };
}

/** Linux USER_HZ; 100 on every mainstream kernel configuration. */
export const TICKS_PER_SECOND = 100;

/** CPU use between two samples, in percent of one core. */
export function cpuPercent(a: ProcSample, b: ProcSample): number {
  return ((b.cpuTicks - a.cpuTicks) / TICKS_PER_SECOND) / ((b.t - a.t) / 1000) * 100;
}

/** GET http://127.0.0.1:<port><path> answers 200 (within 2 s). */
export async function httpOk(port: number, path: string): Promise<boolean> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2000) });
    await r.body?.cancel();
    return r.status === 200;
  } catch {
    return false;
  }
}
