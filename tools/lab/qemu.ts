// The two control channels of a lab VM, both unix sockets qemu serves: QMP (the machine: hard
// reset, quit) and the guest agent (inside the guest: run a command, read its output). Each call
// opens its own connection, so a guest that reboots mid-call costs that call only.

import { connect, type Socket } from 'node:net';

/** Reads newline-delimited JSON from a socket, one message at a time. */
class JsonLines {
  private buf = '';
  private readonly queue: unknown[] = [];
  private waiter: ((m: unknown) => void) | undefined;
  private failed: Error | undefined;
  private failWaiter: ((e: Error) => void) | undefined;
  private readonly sock: Socket;

  constructor(sock: Socket) {
    this.sock = sock;
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      // The guest agent answers a sync with a 0xff byte first; it is not JSON.
      this.buf += d.replaceAll('\xff', '');
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i).trim();
        this.buf = this.buf.slice(i + 1);
        if (!line) continue;
        let m: unknown;
        try {
          m = JSON.parse(line);
        } catch {
          continue; // a fragment from before a resync
        }
        if (this.waiter) {
          const w = this.waiter;
          this.waiter = undefined;
          w(m);
        } else this.queue.push(m);
      }
    });
    const fail = (e: Error) => {
      this.failed ??= e;
      this.failWaiter?.(this.failed);
    };
    sock.on('error', fail);
    sock.on('close', () => fail(new Error('connection closed')));
  }

  next(timeoutMs: number): Promise<unknown> {
    if (this.queue.length) return Promise.resolve(this.queue.shift());
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
      this.waiter = (m) => {
        clearTimeout(t);
        resolve(m);
      };
      this.failWaiter = (e) => {
        clearTimeout(t);
        reject(e);
      };
    });
  }

  send(m: unknown): void {
    this.sock.write(JSON.stringify(m) + '\n');
  }
}

function open(path: string, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`connect ${path}: timed out`));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

type Reply = { return?: unknown; error?: { class: string; desc: string }; event?: string };

/** Answers to `execute`, skipping QMP's asynchronous events. */
async function answer(j: JsonLines, timeoutMs: number): Promise<unknown> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const m = (await j.next(Math.max(1, end - Date.now()))) as Reply;
    if (m.event) continue;
    if (m.error) throw new Error(`${m.error.class}: ${m.error.desc}`);
    if ('return' in m) return m.return;
  }
}

/** One QMP command (system_reset, quit, query-status...). */
export async function qmp(path: string, command: string, args?: object, timeoutMs = 10_000): Promise<unknown> {
  const s = await open(path, timeoutMs);
  try {
    const j = new JsonLines(s);
    await j.next(timeoutMs); // the greeting
    j.send({ execute: 'qmp_capabilities' });
    await answer(j, timeoutMs);
    j.send({ execute: command, ...(args ? { arguments: args } : {}) });
    return await answer(j, timeoutMs);
  } finally {
    s.destroy();
  }
}

export interface GuestResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `sh -c script` in the guest through qemu-guest-agent and waits for it. The agent keeps no
 * session: each call resynchronises (0xff, then guest-sync-delimited with a fresh id) so a reply
 * left over from an earlier, interrupted call is never taken for this one's.
 */
export async function guestExec(path: string, script: string, opts: { timeoutMs?: number; input?: string } = {}): Promise<GuestResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const end = Date.now() + timeoutMs;
  const s = await open(path, 5000);
  try {
    const j = new JsonLines(s);
    const id = Math.floor(Math.random() * 2 ** 31);
    s.write(Buffer.from([0xff]));
    j.send({ execute: 'guest-sync-delimited', arguments: { id } });
    for (;;) {
      const m = (await j.next(5000)) as Reply;
      if (m.return === id) break;
    }
    j.send({
      execute: 'guest-exec',
      arguments: {
        path: '/bin/sh', arg: ['-c', script], 'capture-output': true,
        ...(opts.input !== undefined ? { 'input-data': Buffer.from(opts.input).toString('base64') } : {}),
      },
    });
    const { pid } = (await answer(j, 10_000)) as { pid: number };
    for (;;) {
      j.send({ execute: 'guest-exec-status', arguments: { pid } });
      const st = (await answer(j, 10_000)) as { exited: boolean; exitcode?: number; signal?: number; 'out-data'?: string; 'err-data'?: string };
      if (st.exited) {
        const dec = (b?: string) => (b ? Buffer.from(b, 'base64').toString('utf8') : '');
        return { code: st.exitcode ?? 128 + (st.signal ?? 0), stdout: dec(st['out-data']), stderr: dec(st['err-data']) };
      }
      if (Date.now() > end) throw new Error(`guest command timed out after ${timeoutMs} ms: ${script}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    s.destroy();
  }
}
