// The client-side store: the one place that knows the cluster as the hub streams it, the
// connection state, the kubeconfig in use and what the user may do. Views (tree, status bar,
// dashboard) read it and listen to onDidChange; only the store talks to the hub client.

import * as vscode from 'vscode';
import type { ClusterSnapshot, DeltaOp, ServerMessage } from '../../protocol/messages.ts';
import { NO_PERMISSIONS, type Permissions } from '../commands/applicability.ts';
import { CTX } from '../commands/ids.ts';
import type { ConnState, Problem } from '../connection/failures.ts';
import { HubClient, type FrameVerdict } from '../connection/hub-client.ts';
import { HubApprovals, type Memento } from '../connection/approval.ts';
import { readConnectAtStartup, readSettings, userLevel, type Settings } from '../connection/settings.ts';
import { resolveTarget, type KubeTarget } from '../connection/targets.ts';
import { checkPermissions } from '../kube/access.ts';
import { loadKubeconfig } from '../kube/kubeconfig.ts';
import type { Log } from '../log/log.ts';
import { StreamState } from './stream.ts';

export interface StoreChange {
  ops?: DeltaOp[];
  snapshot?: boolean;
  /** Connection state, context, settings or permissions changed. */
  connection?: boolean;
}

export interface Connection {
  state: ConnState;
  detail?: string;
  problem?: Problem;
}

const CLIENT = 'vscode-nodemend/0.1';

export class ClusterStore implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<StoreChange>();
  readonly onDidChange = this.emitter.event;
  private readonly stream = new StreamState();
  private conn: Connection = { state: 'disconnected' };
  private client: HubClient | undefined;
  private k: KubeTarget | undefined;
  private s: Settings = readSettings(() => undefined).settings;
  private perms: Permissions = NO_PERMISSIONS;
  private generation = 0;
  /** Set by the first connect(): before it, nothing has read the kubeconfig or run its exec plugin. */
  private begun = false;
  private readonly subs: vscode.Disposable[] = [];
  private readonly log: Log;
  private readonly approvals: HubApprovals;

  /** `globalState` keeps the hub URLs the person approved (connection/approval.ts). */
  constructor(log: Log, globalState: Memento) {
    this.log = log;
    this.approvals = new HubApprovals(globalState, (url) => this.askApproval(url));
    this.subs.push(
      this.emitter,
      vscode.workspace.onDidChangeConfiguration((e) => {
        // Not yet connected: a settings change is no reason to start (the person has not opened
        // nodemend), unless it is connectAtStartup being turned on.
        if (!e.affectsConfiguration('nodemend')) return;
        if (this.begun || this.connectAtStartup()) this.connect();
      }),
    );
  }

  snapshot(): ClusterSnapshot | undefined {
    return this.stream.snapshot();
  }
  connection(): Connection {
    return this.conn;
  }
  settings(): Settings {
    return this.s;
  }
  permissions(): Permissions {
    return this.perms;
  }
  /** The kubeconfig and context in use, once loaded. */
  kube(): KubeTarget | undefined {
    return this.k;
  }

  /** Whether anything has connected yet (the status bar says "not connected" until then). */
  started(): boolean {
    return this.begun;
  }

  /** The user-level nodemend.connectAtStartup (a wrong type is named in the log, and means off). */
  connectAtStartup(): boolean {
    const cfg = vscode.workspace.getConfiguration('nodemend');
    const r = readConnectAtStartup(userLevel((key) => cfg.inspect(key)));
    if (r.error) this.log.warn(r.error);
    return r.on;
  }

  /** Connects unless already started: what showing the view or running a command does. */
  start(): void {
    if (!this.begun) this.connect();
  }

  /** (Re)reads settings and kubeconfig and (re)connects. Safe to call at any time. */
  connect(): void {
    const gen = ++this.generation;
    if (!this.begun) {
      this.begun = true;
      this.emitter.fire({ connection: true });
    }
    this.client?.stop();
    this.client = undefined;
    const cfg = vscode.workspace.getConfiguration('nodemend');
    // User-level values only: a repository's .vscode/settings.json must not pick the kubeconfig,
    // the context or the server the token goes to (see connection/settings.ts).
    const { settings, errors } = readSettings(userLevel((key) => cfg.inspect(key)));
    this.s = settings;
    for (const e of errors) {
      this.log.warn(e);
      void vscode.window.showWarningMessage(e, 'Open Settings').then((b) => b && vscode.commands.executeCommand('workbench.action.openSettings', 'nodemend'));
    }
    const loaded = loadKubeconfig(settings.kubeconfig, settings.context);
    const previous = this.k?.server + '|' + this.k?.context;
    if (!loaded.ok) {
      this.k = undefined;
      this.stream.reset();
      this.perms = NO_PERMISSIONS;
      this.log.warn(loaded.error);
      return this.setConn({ state: 'error', detail: loaded.error, problem: 'kubeconfig' }, true);
    }
    this.k = { kc: loaded.kc, context: loaded.context, server: loaded.server };
    // Another cluster: the old picture must not linger under the new name.
    if (previous !== `${loaded.server}|${loaded.context}`) this.stream.reset();
    this.log.info(`kubeconfig from ${loaded.source.from}, context "${loaded.context}" (${loaded.server}), namespace "${settings.namespace}"; hub via ${settings.hubMode}`);
    const k = this.k;
    void checkPermissions(k.kc, settings.namespace, this.log).then((p) => {
      if (gen !== this.generation) return;
      this.perms = p;
      this.log.info(`permissions: patch nodes ${p.patchNodes ? 'yes' : 'no'}, cluster block ${p.patchClusterBlock ? 'yes' : 'no'}`);
      this.emitter.fire({ connection: true });
    });
    const start = () => {
      this.client = new HubClient({
        target: () => resolveTarget(this.s, k, this.log),
        hello: () => this.stream.hello(CLIENT),
        onFrame: (m) => this.onFrame(m),
        onState: (state, detail, problem) => {
          if (gen === this.generation) this.setConn({ state, detail, problem }, false);
        },
        log: this.log,
      });
      this.client.start();
    };
    const url = settings.hubMode === 'url' ? settings.hubUrl : undefined;
    if (!url || this.approvals.approved(url)) return start();
    // A direct hub URL gets the bearer token: not one byte goes there before the person says yes.
    this.setConn({ state: 'connecting', detail: `waiting for your approval of the hub URL ${url}` }, true);
    void this.approvals.ensure(url).then(
      (yes) => {
        if (gen !== this.generation) return;
        if (yes) return start();
        const detail = `Not connected: you did not approve sending your credentials to ${url} (setting nodemend.hub.url). Run "nodemend: Connect / Reconnect" to be asked again, or set nodemend.hub.mode to "proxy".`;
        this.log.warn(detail);
        this.setConn({ state: 'error', detail, problem: 'not-approved' }, true);
      },
      (e: unknown) => this.log.error(`asking for the approval of ${url} failed: ${e instanceof Error ? e.message : String(e)}`),
    );
  }

  /** Takes back every approved hub URL (command Forget Approved Hub URLs); returns how many. */
  forgetHubApprovals(): Promise<number> {
    return this.approvals.forgetAll();
  }

  /** The modal that asks before the token goes to a direct hub URL; true only on "Connect". */
  private async askApproval(url: string): Promise<boolean> {
    const context = this.k?.context ?? '?';
    const yes = 'Connect';
    const answer = await vscode.window.showWarningMessage(
      `Send your Kubernetes credentials to ${url}?`,
      {
        modal: true,
        detail:
          `nodemend.hub.mode is "url": the cluster state is streamed from this URL, and the bearer token of kubeconfig context "${context}" is sent to it. ` +
          'Whoever runs it can act as you in the cluster. Connect only to a nodemend hub you trust. A yes is remembered for this exact URL.',
      },
      yes,
    );
    return answer === yes;
  }

  disconnect(): void {
    this.generation++;
    this.client?.stop();
    this.client = undefined;
  }

  private onFrame(m: ServerMessage): FrameVerdict {
    const out = this.stream.handle(m);
    switch (out.kind) {
      case 'snapshot':
        this.client?.healthy();
        this.setLive();
        this.emitter.fire({ snapshot: true });
        return 'ok';
      case 'delta':
        this.setLive();
        this.emitter.fire({ ops: out.ops });
        return 'ok';
      case 'resync':
        this.log.warn(`stream out of step (${out.reason}); asking for a fresh snapshot`);
        this.stream.forgetResume();
        return 'resync';
      case 'notice':
        this.log.info(`hub notice: ${out.message}`);
        return 'ok';
      case 'error':
        this.log.error(out.message);
        return out.fatal ? 'fatal' : 'ok';
      case 'hello':
        this.log.info(`hub hello (heartbeat ${out.heartbeatMs} ms)`);
        return 'ok';
      case 'none':
        // A heartbeat can confirm a resume: the view is live again.
        if (this.stream.live() && this.conn.state !== 'connected') {
          this.client?.healthy();
          this.setLive();
        }
        return 'ok';
    }
  }

  /**
   * The stream is live. A hub that runs without the agent DaemonSet (half installed, or removed)
   * counts as not installed: the view offers Deploy Backend rather than nodes nobody reboots.
   */
  private setLive(): void {
    const s = this.stream.snapshot();
    if (s && !s.backendInstalled) {
      this.setConn({ state: 'no-backend', detail: `The nodemend agent is not installed (no DaemonSet nodemend-agent in namespace "${this.s.namespace}").` }, false);
    } else this.setConn({ state: 'connected' }, false);
  }

  private setConn(c: Connection, force: boolean): void {
    if (!force && c.state === this.conn.state && c.detail === this.conn.detail) return;
    this.conn = c;
    void vscode.commands.executeCommand('setContext', CTX.connection, c.state);
    void vscode.commands.executeCommand('setContext', CTX.problem, c.state === 'error' ? (c.problem ?? 'other') : '');
    this.emitter.fire({ connection: true });
  }

  dispose(): void {
    this.disconnect();
    for (const d of this.subs) d.dispose();
  }
}
