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
 * Splits a command line into argv exactly as Kured does (its --reboot-command and
 * --reboot-sentinel-command go through github.com/google/shlex), so a Kured value such as
 * `sh -c "! needs-restarting --reboothint"` gives the same argv here as there:
 * - blanks (space, tab, CR, LF) separate words; other characters, quotes included, join them;
 * - '...' keeps everything literally; "..." too, except that a backslash takes the next character
 *   as it is (so \" and \\);
 * - outside quotes a backslash takes the next character as it is (a\ b is one word);
 * - a # at the start of a word begins a comment up to the end of the line; inside a word it is a
 *   plain character.
 * Throws on an unclosed quote or a trailing backslash (shlex fails there too), so a typo in a flag
 * stops start-up instead of running something else. No shell is involved.
 */
export function splitCommand(line: string): string[] {
  const out: string[] = [];
  const blank = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
  let word: string | undefined; // undefined between words
  let state: 'word' | "'" | '"' | 'comment' = 'word';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (state === 'comment') {
      if (ch === '\n') state = 'word';
      continue;
    }
    if (state === "'") {
      if (ch === "'") state = 'word';
      else word += ch;
      continue;
    }
    if (state === '"') {
      if (ch === '"') state = 'word';
      else if (ch === '\\') {
        if (++i >= line.length) break;
        word += line[i];
      } else word += ch;
      continue;
    }
    if (blank(ch)) {
      if (word !== undefined) out.push(word);
      word = undefined;
    } else if (ch === '#' && word === undefined) {
      state = 'comment';
    } else if (ch === "'" || ch === '"') {
      word ??= '';
      state = ch;
    } else if (ch === '\\') {
      if (++i >= line.length) throw new Error(`trailing backslash in command: ${line}`);
      word = (word ?? '') + line[i];
    } else {
      word = (word ?? '') + ch;
    }
  }
  if (state === "'" || state === '"') throw new Error(`unclosed ${state} quote in command: ${line}`);
  if (word !== undefined) out.push(word);
  return out;
}

/** The default way into the host: PID 1's mount namespace (needs hostPID and privileges). */
export const NSENTER_HOST = ['/usr/bin/nsenter', '-m/proc/1/ns/mnt', '--'];
