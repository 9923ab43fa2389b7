// Running host commands (sentinel checks, reboot) with a timeout, and splitting a command line
// given as one flag value into argv without a shell, so no flag value is ever shell-interpreted.

import { spawn } from 'node:child_process';

export interface RunResult {
  /** Exit code; null when killed by a signal or the timeout. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the command could not start or hit the timeout. */
  error?: string;
}

export type Exec = (argv: string[], timeoutMs: number) => Promise<RunResult>;

const MAX_OUT = 64 * 1024;

/** Runs argv (no shell). Never rejects: failures come back in `error`. */
export const runCommand: Exec = (argv, timeoutMs) =>
  new Promise((resolve) => {
    if (argv.length === 0) return resolve({ code: null, stdout: '', stderr: '', error: 'empty command' });
    let stdout = '';
    let stderr = '';
    let error: string | undefined;
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    const t = setTimeout(() => {
      error = `timed out after ${timeoutMs} ms`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-MAX_OUT)));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-MAX_OUT)));
    child.on('error', (e) => {
      error = e.message;
    });
    child.on('close', (code) => {
      clearTimeout(t);
      resolve(error === undefined ? { code, stdout, stderr } : { code, stdout, stderr, error });
    });
  });

/**
 * Splits a command line into argv: whitespace separates, single and double quotes group, a
 * backslash escapes the next character (outside single quotes). Throws on an unclosed quote so a
 * typo in a flag stops start-up instead of running something else.
 */
export function splitCommand(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      cur += line[++i];
      has = true;
    } else if (/\s/.test(ch)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
    }
  }
  if (quote) throw new Error(`unclosed ${quote} quote in command: ${line}`);
  if (has || cur) out.push(cur);
  return out;
}

/** The default way into the host: PID 1's mount namespace (needs hostPID and privileges). */
export const NSENTER_HOST = ['/usr/bin/nsenter', '-m/proc/1/ns/mnt', '--'];
