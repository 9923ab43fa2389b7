// One client connection: the hello handshake, validation of everything it sends, and writes
// through the flow control. Never throws into the hub: every input problem becomes an error
// frame, and repeated problems close this connection only.

import type WebSocket from 'ws';
import {
  MAX_FRAME_BYTES,
  parseClientMessage,
  SUPPORTED_VERSIONS,
  type ServerMessage,
} from '../../protocol/messages.ts';
import type { AuthDecision } from './auth.ts';
import { Flow, type FlowLimits } from './flow.ts';
import type { JournalEntry, ResumePlan } from './journal.ts';

/** Why a connection was let in, and how its access is checked again while it stays open. */
export interface Grant {
  /** token: re-reviewed (reauth.ts); trusted: the hub cannot re-check, it closes it at an age
   *  limit so the API server checks the person on reconnect; open: --auth=none. */
  kind: 'token' | 'trusted' | 'open';
  /** Whom the per-user cap counts: `user <name>`, `client <address>`, `port-forward`. */
  key: string;
  /** Asks the API server again (token sessions only). Holds the token in its closure. */
  recheck?: () => Promise<AuthDecision>;
  openedAt: number;
  /** When access was last confirmed (ms). */
  confirmedAt: number;
}

/** What a session needs from the hub. */
export interface SessionHost {
  readonly streamId: string;
  readonly hubName: string;
  readonly heartbeatMs: number;
  plan(resume: { streamId: string; seq: number } | undefined): ResumePlan;
  /** The current snapshot frame and its seq (serialised once per seq, shared by all clients). */
  snapshotFrame(): { seq: number; frame: string };
  count(kind: 'sent' | 'dropped' | 'coalesced' | 'bad-frame', type?: string): void;
  closed(s: Session, reason: string): void;
}

export const MAX_BAD_FRAMES = 3;
export const HELLO_TIMEOUT_MS = 10_000;
const CLOSE_GRACE_MS = 10_000;
/** WebSocket close codes used by the hub. */
export const CLOSE = { policy: 1008, tryAgainLater: 1013, goingAway: 1001 } as const;
/** WebSocket close reasons are at most 123 bytes: the full text goes in a frame before. */
const REASON_MAX = 120;

export class Session {
  readonly id: string;
  readonly user: string;
  readonly flow: Flow;
  readonly grant: Grant;
  private readonly ws: WebSocket;
  private readonly host: SessionHost;
  private live = false;
  private bad = 0;
  private helloTimer: NodeJS.Timeout | undefined;
  private lastSeq = 0;
  client = '';
  alive = true;

  constructor(id: string, user: string, ws: WebSocket, host: SessionHost, limits?: FlowLimits, grant?: Grant) {
    this.id = id;
    this.user = user;
    this.grant = grant ?? { kind: 'open', key: `user ${user}`, openedAt: Date.now(), confirmedAt: Date.now() };
    this.ws = ws;
    this.host = host;
    this.flow = new Flow(limits);
    this.helloTimer = setTimeout(() => this.fail('bad-frame', `no hello within ${HELLO_TIMEOUT_MS / 1000} s; send {"type":"hello","versions":[1]} first`, true), HELLO_TIMEOUT_MS);
    this.helloTimer.unref();
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer | Buffer[] | ArrayBuffer, isBinary));
    ws.on('pong', () => (this.alive = true));
    ws.on('close', () => this.dispose('closed by client'));
    ws.on('error', () => this.dispose('socket error'));
  }

  get isLive(): boolean {
    return this.live;
  }

  private onMessage(data: Buffer | Buffer[] | ArrayBuffer, isBinary: boolean): void {
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
    if (size > MAX_FRAME_BYTES) return this.fail('too-large', `frame of ${size} bytes exceeds the limit of ${MAX_FRAME_BYTES}`);
    if (isBinary) return this.fail('bad-frame', 'binary frames are not part of the protocol; send JSON text');
    if (this.live) return this.fail('bad-frame', 'no message is expected after hello; the stream is one-way');
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    const p = parseClientMessage(text);
    if (!p.ok) return this.fail('bad-frame', p.error);
    const hello = p.value;
    const version = Math.max(-1, ...hello.versions.filter((v) => SUPPORTED_VERSIONS.includes(v)));
    if (version < 0) {
      return this.fail('unsupported-version', `none of versions ${JSON.stringify(hello.versions)} is supported; this hub speaks ${JSON.stringify(SUPPORTED_VERSIONS)}`, true);
    }
    clearTimeout(this.helloTimer);
    this.client = hello.client ?? '';
    this.live = true;
    this.write({ type: 'hello', version, streamId: this.host.streamId, hub: this.host.hubName, heartbeatMs: this.host.heartbeatMs }, 'hello');
    const plan = this.host.plan(hello.resume);
    if (plan.kind === 'replay') {
      for (const e of plan.entries) this.writeRaw(e.frame, 'delta');
      this.lastSeq = plan.entries.length ? plan.entries[plan.entries.length - 1].seq : hello.resume!.seq;
      return;
    }
    if (hello.resume) {
      const why = plan.reason === 'other-stream' ? 'the stream changed (hub restarted or another replica answered)' : plan.reason === 'too-old' ? 'the hub no longer holds every change since your seq' : 'your seq is ahead of this stream';
      this.write({ type: 'notice', code: 'resync', message: `${why}: sending a fresh snapshot; merge events by id` }, 'notice');
    }
    this.sendSnapshot();
  }

  /** Sends a journal entry, unless this client is behind (then it is dropped and resynced later). */
  delta(e: JournalEntry, now: number): void {
    if (!this.live || e.seq <= this.lastSeq) return;
    if (!this.flow.offer(this.ws.bufferedAmount, e.frame.length, now)) {
      this.host.count('dropped');
      return;
    }
    this.lastSeq = e.seq;
    this.writeRaw(e.frame, 'delta');
  }

  heartbeat(seq: number, now: number): void {
    if (!this.live || this.flow.behind) return;
    this.write({ type: 'heartbeat', seq: Math.min(seq, this.lastSeq), time: new Date(now).toISOString() }, 'heartbeat');
  }

  /** Flow control tick: resync a client that caught up, disconnect one that never does. */
  tick(now: number): void {
    const a = this.flow.tick(this.ws.bufferedAmount, now);
    if (a === 'resync') {
      this.host.count('coalesced');
      this.write({ type: 'notice', code: 'coalesced', message: `you fell behind; ${this.flow.dropped} deltas were replaced by this snapshot` }, 'notice');
      this.sendSnapshot();
    } else if (a === 'disconnect') {
      // Best effort: the notice queues behind the unread data; the close code says it too.
      this.write({ type: 'notice', code: 'slow-client', message: 'disconnecting: you did not read the stream for too long; reconnect with resume' }, 'notice');
      this.close(CLOSE.tryAgainLater, 'slow client');
    }
  }

  /** Bytes written to this client and not yet handed to the kernel. */
  get buffered(): number {
    return this.ws.bufferedAmount;
  }

  /** Access is gone (a re-check refused it): says why in an error frame, then closes (1008). */
  revoke(reason: string): void {
    this.write({ type: 'error', code: 'unauthorized', message: `access revoked: ${reason}` }, 'error');
    this.close(CLOSE.policy, `access revoked: ${reason}`.slice(0, REASON_MAX), false, 'access revoked');
  }

  /** Closed so the client reconnects (and resumes): the API server then checks the person again. */
  expire(reason: string): void {
    this.close(CLOSE.goingAway, reason.slice(0, REASON_MAX), false, 'session expired');
  }

  /** Cut at once (the hub's send-buffer budget is exceeded and this client is the furthest behind):
   *  a close frame would only queue behind what it has not read. */
  shed(): void {
    this.close(CLOSE.tryAgainLater, 'send budget exceeded', true);
  }

  ping(): void {
    if (!this.alive) return this.close(CLOSE.goingAway, 'no pong', true);
    this.alive = false;
    try {
      this.ws.ping();
    } catch {
      // closed underneath us: the close handler cleans up
    }
  }

  /**
   * Closes with a close frame queued after what the client has not read yet (so a slow reader
   * still learns why), and cuts the socket if the client does not finish the close soon: nothing
   * more is written to it meanwhile, so its memory stays bounded.
   */
  close(code: number, reason: string, hard = false, why = reason): void {
    try {
      if (hard) this.ws.terminate();
      else {
        this.ws.close(code, reason);
        setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
      }
    } catch {
      // already closing
    }
    // `why` feeds the disconnect metric's label: a fixed text, never a user name.
    this.dispose(why);
  }

  private sendSnapshot(): void {
    const s = this.host.snapshotFrame();
    this.lastSeq = s.seq;
    this.flow.sentSnapshot(s.frame.length);
    this.writeRaw(s.frame, 'snapshot');
  }

  private fail(code: 'bad-frame' | 'too-large' | 'unsupported-version', message: string, closeNow = false): void {
    this.host.count('bad-frame');
    this.bad++;
    this.write({ type: 'error', code, message }, 'error');
    if (closeNow || this.bad >= MAX_BAD_FRAMES) this.close(CLOSE.policy, closeNow ? code : `${this.bad} bad frames`);
  }

  private write(m: ServerMessage, type: string): void {
    this.writeRaw(JSON.stringify(m), type);
  }

  private writeRaw(frame: string, type: string): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(frame);
    this.host.count('sent', type);
  }

  private disposed = false;
  private dispose(reason: string): void {
    if (this.disposed) return;
    this.disposed = true;
    this.live = false;
    clearTimeout(this.helloTimer);
    this.host.closed(this, reason);
  }
}
