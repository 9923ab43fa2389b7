// The hub in the chaos runs: a real hub process (`node backend/main.ts hub`, so a kill is a real
// SIGKILL of a separate process, not an in-process stop) and one client that stays connected the
// way the extension does (reconnects with resume, keeps its view across connections). After each
// restart, and at the end of the run, the client's view must agree with what the API server
// says: the same nodes with the same readiness, cordon, boot ID and phase. The hub is stateless by
// design, so a restart must cost nothing but a fresh snapshot.

import * as k8s from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import WebSocket from 'ws';
import { A, parseState } from '../../protocol/annotations.ts';
import { applyDelta, parseServerMessage, SUBPROTOCOL, type ClusterSnapshot } from '../../protocol/messages.ts';
import { freePort, waitFor } from '../../tools/harness/index.ts';

const MAIN = new URL('../../backend/main.ts', import.meta.url).pathname;

/** What the client and the API server must agree on, per node (one line each, sorted). */
type Row = string;

export class ChaosHub {
  private child: ChildProcess | undefined;
  private ws: WebSocket | undefined;
  private view: ClusterSnapshot | undefined;
  private stream = { id: '', seq: -1 };
  private port = 0;
  private closing = false;
  /** Sequence gaps inside one stream (a resumed or fresh stream starts a new sequence). */
  readonly gaps: string[] = [];
  restarts = 0;
  snapshots = 0;
  private readonly kubeconfig: string;
  private readonly token: string;
  private readonly logPath: string;
  private readonly core: k8s.CoreV1Api;

  constructor(kc: k8s.KubeConfig, kubeconfigPath: string, token: string, logPath: string) {
    this.kubeconfig = kubeconfigPath;
    this.token = token;
    this.logPath = logPath;
    this.core = kc.makeApiClient(k8s.CoreV1Api);
  }

  async start(): Promise<void> {
    this.port ||= await freePort();
    const fd = openSync(this.logPath, 'a');
    // Direct listener on loopback with TokenReview auth (the admin token), as a real client would.
    this.child = spawn(process.execPath, [MAIN, 'hub', `--kubeconfig=${this.kubeconfig}`, `--listen=127.0.0.1:${this.port}`, '--listen-trusted=off', '--heartbeat=2s', '--log-level=warn'], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    // The API server may be down (another fault): keep polling readiness for a while.
    await waitFor('hub /readyz', async () => (await fetch(`http://127.0.0.1:${this.port}/readyz`)).ok, 120_000, this.logPath);
    this.connect();
  }

  /** kill -9: no clean-up, clients see the connection drop. */
  kill(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }

  async restart(): Promise<void> {
    this.restarts++;
    await this.start();
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  private connect(): void {
    if (this.closing || this.ws) return;
    const ws = new WebSocket(`ws://127.0.0.1:${this.port}/stream`, [SUBPROTOCOL], { headers: { authorization: `Bearer ${this.token}` }, maxPayload: 64 << 20 });
    this.ws = ws;
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', versions: [1], client: 'chaos', ...(this.stream.id ? { resume: { streamId: this.stream.id, seq: this.stream.seq } } : {}) })));
    ws.on('message', (d) => this.frame(String(d)));
    ws.on('error', () => undefined);
    ws.on('close', () => {
      this.ws = undefined;
      // The extension reconnects with backoff; a second is enough here.
      if (!this.closing) setTimeout(() => this.connect(), 1000).unref();
    });
  }

  private frame(text: string): void {
    const p = parseServerMessage(text);
    if (!p.ok) throw new Error(`hub sent an invalid frame: ${p.error}`);
    const m = p.value;
    if (m.type === 'hello') this.stream.id = m.streamId;
    else if (m.type === 'snapshot') {
      this.view = m.snapshot;
      this.stream.seq = m.seq;
      this.snapshots++;
    } else if (m.type === 'delta') {
      if (this.stream.seq >= 0 && m.seq !== this.stream.seq + 1) this.gaps.push(`stream ${this.stream.id}: expected ${this.stream.seq + 1}, got ${m.seq}`);
      this.stream.seq = m.seq;
      if (this.view) applyDelta(this.view, m.ops, 1000);
    } else if (m.type === 'heartbeat') this.stream.seq = m.seq;
  }

  private client(): Row[] {
    return (this.view?.nodes ?? []).map((n) => `${n.name} ready=${n.ready} unsched=${n.unschedulable} ours=${n.cordonedByUs} boot=${n.bootId ?? ''} phase=${n.state?.phase ?? ''}`).sort();
  }

  private async server(): Promise<Row[]> {
    const l = await this.core.listNode();
    return l.items.map((n) => {
      const ann = n.metadata?.annotations ?? {};
      const ready = (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
      return `${n.metadata?.name} ready=${ready} unsched=${n.spec?.unschedulable === true} ours=${ann[A.cordonedBy] !== undefined} boot=${n.status?.nodeInfo?.bootID ?? ''} phase=${parseState(ann[A.state])?.phase ?? ''}`;
    }).sort();
  }

  /**
   * Whether the client's view agrees with the API server within `withinMs`: nodes change every
   * second or so during a rollout, so one sample may catch a delta in flight; agreement at any
   * sample is agreement. Returns the difference seen last when it never agrees.
   */
  async agrees(withinMs: number): Promise<{ ok: true } | { ok: false; diff: string[] }> {
    const end = Date.now() + withinMs;
    let diff: string[] = ['no snapshot received'];
    for (;;) {
      try {
        const [a, b] = [this.client(), await this.server()];
        const sa = new Set(a);
        const sb = new Set(b);
        diff = [...a.filter((x) => !sb.has(x)).map((x) => `hub only: ${x}`), ...b.filter((x) => !sa.has(x)).map((x) => `API only: ${x}`)];
        if (this.view && diff.length === 0) return { ok: true };
      } catch (e) {
        diff = [`API server not answering: ${String(e).split('\n')[0]}`];
      }
      if (Date.now() > end) return { ok: false, diff: diff.slice(0, 10) };
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  async stop(): Promise<void> {
    this.closing = true;
    this.ws?.terminate();
    const c = this.child;
    this.child = undefined;
    if (c && c.exitCode === null) {
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
      c.kill('SIGKILL');
    }
  }
}
