// One WebSocket to the hub that keeps itself alive: connects, sends the hello (with resume), hands
// every validated frame to its owner, watches heartbeats, and reconnects with backoff. No vscode
// import, so it runs in plain Node tests against a real hub.

import WebSocket from 'ws';
import type { ClientHello, ServerMessage } from '../../protocol/messages.ts';
import { MAX_FRAME_BYTES, parseServerMessage, SUBPROTOCOL } from '../../protocol/messages.ts';
import type { Log } from '../log/log.ts';
import { backoffDelay, BACKOFF_MAX_MS } from './backoff.ts';
import { httpFailure, safeUrl, socketFailure, type ConnState, type Failure, type Problem, type Where } from './failures.ts';

/** Where and how to connect; resolved afresh for every attempt (tokens expire, pods move). */
export interface Target {
  url: string;
  options: WebSocket.ClientOptions;
  where: Where;
  /** Releases what the target holds (a port-forward listener). */
  dispose?(): void;
}

/** A target that could not be resolved: the view shows the failure, the client retries. */
export class TargetError extends Error {
  readonly failure: Failure;
  constructor(failure: Failure) {
    super(failure.detail);
    this.failure = failure;
  }
}

export type FrameVerdict = 'ok' | 'resync' | 'fatal';

export interface HubClientOptions {
  target(): Promise<Target>;
  hello(): ClientHello;
  /** The owner applies the frame and says whether the stream is still coherent. */
  onFrame(m: ServerMessage): FrameVerdict;
  onState(state: ConnState, detail?: string, problem?: Problem): void;
  log: Log;
  random?: () => number;
}

export class HubClient {
  private ws: WebSocket | undefined;
  private target: Target | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  private silenceMs = 45_000;
  private attempt = 0;
  private stopped = true;
  private readonly o: HubClientOptions;

  constructor(o: HubClientOptions) {
    this.o = o;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.attempt = 0;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    this.closeSocket(1000, 'client stopping');
    this.o.onState('disconnected');
  }

  /** Drops the socket and connects again at once (the owner forgot the resume point for a resync). */
  reconnectNow(): void {
    if (this.stopped) return;
    this.clearTimers();
    this.closeSocket(1000, 'resync');
    this.attempt = 0;
    void this.connect();
  }

  /** The stream is live again: the next failure starts the backoff from the beginning. */
  healthy(): void {
    this.attempt = 0;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.o.onState('connecting');
    let t: Target;
    try {
      t = await this.o.target();
    } catch (e) {
      const f: Failure = e instanceof TargetError ? e.failure : { state: 'error', problem: 'other', detail: e instanceof Error ? e.message : String(e), transient: true };
      return this.fail(f);
    }
    if (this.stopped) return t.dispose?.();
    this.target = t;
    this.o.log.info(`connecting to the hub at ${safeUrl(t.url)} (${t.where.mode}, context ${t.where.context})`);
    const ws = new WebSocket(t.url, [SUBPROTOCOL], { ...t.options, maxPayload: 16 * MAX_FRAME_BYTES, handshakeTimeout: 15_000 });
    this.ws = ws;
    let failed = false;
    const failOnce = (f: Failure) => {
      if (failed || this.ws !== ws) return;
      failed = true;
      this.closeSocket(1000, 'failed');
      this.fail(f);
    };
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body.length < 4096 ? (body += c) : undefined));
      res.on('end', () => failOnce(httpFailure(res.statusCode ?? 0, body, t.where)));
      res.on('error', () => failOnce(httpFailure(res.statusCode ?? 0, body, t.where)));
    });
    ws.on('error', (err) => failOnce(socketFailure(err, t.url)));
    ws.on('open', () => {
      ws.send(JSON.stringify(this.o.hello()));
      this.feedWatchdog();
    });
    ws.on('message', (data, isBinary) => {
      if (this.ws !== ws) return;
      this.feedWatchdog();
      if (isBinary) return this.o.log.warn('hub sent a binary frame; ignored');
      const parsed = parseServerMessage(data.toString());
      if (!parsed.ok) return this.o.log.warn(`hub frame refused: ${parsed.error}`);
      const m = parsed.value;
      if (m.type === 'hello') this.silenceMs = Math.max(3 * m.heartbeatMs, 10_000);
      const verdict = this.o.onFrame(m);
      if (verdict === 'resync') this.reconnectNow();
      else if (verdict === 'fatal') failOnce({ state: 'error', problem: 'other', detail: m.type === 'error' ? m.message : 'the hub stream cannot be used', transient: false });
    });
    ws.on('close', (code, reason) => {
      if (this.ws !== ws || failed) return;
      failOnce({ state: 'connecting', detail: `hub closed the connection (${code}${reason.length ? ` ${reason.toString().slice(0, 120)}` : ''}); reconnecting`, transient: true });
    });
  }

  private fail(f: Failure): void {
    if (this.stopped) return;
    this.clearTimers();
    this.o.onState(f.state, f.detail, f.problem);
    // Not installed or not allowed will not fix itself in a second: retry at the slowest pace, so
    // the view still comes alive by itself after a deploy or an RBAC change.
    const delay = f.transient ? backoffDelay(this.attempt++, this.o.random ?? Math.random) : BACKOFF_MAX_MS;
    this.o.log[f.state === 'error' ? 'warn' : 'info'](`${f.detail} (next attempt in ${Math.round(delay / 100) / 10} s)`);
    this.timer = setTimeout(() => void this.connect(), delay);
  }

  private feedWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    const ws = this.ws;
    this.watchdog = setTimeout(() => {
      if (this.ws !== ws) return;
      this.o.log.warn(`no frame from the hub for ${this.silenceMs / 1000} s; reconnecting`);
      this.closeSocket(4000, 'silent');
      this.fail({ state: 'connecting', detail: 'the hub went silent; reconnecting', transient: true });
    }, this.silenceMs);
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.watchdog) clearTimeout(this.watchdog);
    this.timer = this.watchdog = undefined;
  }

  private closeSocket(code: number, reason: string): void {
    const ws = this.ws;
    this.ws = undefined;
    if (ws) {
      ws.removeAllListeners('message');
      ws.on('error', () => {}); // a late error on a socket we dropped is not news
      if (ws.readyState === WebSocket.OPEN) ws.close(code, reason);
      else ws.terminate();
    }
    this.target?.dispose?.();
    this.target = undefined;
  }
}
