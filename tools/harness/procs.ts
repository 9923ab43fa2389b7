// Child processes of the test control plane: started with logs to files, stopped for sure.
// Every child is also killed when this process exits, so a crashed test never leaves an
// API server holding ports.

import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { openSync, closeSync } from 'node:fs';

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export interface Proc {
  name: string;
  child: ChildProcess;
  logPath: string;
  exited: Promise<number | null>;
}

export function startProc(name: string, bin: string, args: string[], logPath: string, detached = false): Proc {
  const fd = openSync(logPath, 'a');
  const child = spawn(bin, args, { stdio: ['ignore', fd, fd], detached });
  closeSync(fd);
  if (!detached) live.add(child);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      live.delete(child);
      resolve(code);
    });
  });
  return { name, child, logPath, exited };
}

/** Whether a process (by PID, possibly started by another process) still runs. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`. Resolves when the process is gone. */
export async function stopProc(p: Proc, graceMs = 5000): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const t = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  await p.exited;
  clearTimeout(t);
}

/** A free TCP port on 127.0.0.1 (bound then released; callers start at once). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Polls `check` until it resolves true, or throws naming `what` and the log to read. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, logPath?: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      if (await check()) return;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}${logPath ? `; see ${logPath}` : ''}`);
}
