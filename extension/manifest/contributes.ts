// package.json's `contributes` and `activationEvents`, generated from commands/ids.ts so ids,
// menus and `when` clauses cannot drift. `node extension/manifest/write.ts` writes them into
// package.json (touching nothing else); contributes.test.ts fails when package.json is stale.

import { ACTIONS, CMD, CTX, VIEW_CONTAINER, VIEW_NODES, whenAction, type Action } from '../commands/ids.ts';

const cat = 'nodemend';
type Cmd = { command: string; title: string; category?: string; icon?: string; enablement?: string };

const commands: Cmd[] = [
  { command: CMD.connect, title: 'Connect / Reconnect', category: cat, icon: '$(refresh)' },
  { command: CMD.scheduleReboot, title: 'Schedule Reboot…', category: cat, icon: '$(calendar)' },
  { command: CMD.forceReboot, title: 'Force Reboot…', category: cat, icon: '$(zap)' },
  { command: CMD.blockNode, title: 'Block Reboots…', category: cat, icon: '$(circle-slash)' },
  { command: CMD.unblockNode, title: 'Unblock Reboots', category: cat, icon: '$(pass)' },
  { command: CMD.cancelRequest, title: 'Cancel Reboot Request', category: cat, icon: '$(discard)' },
  { command: CMD.showHistory, title: 'Show Node History', category: cat, icon: '$(history)' },
  { command: CMD.openDashboard, title: 'Open Dashboard', category: cat, icon: '$(dashboard)' },
  { command: CMD.switchContext, title: 'Switch Context…', category: cat, icon: '$(server-environment)' },
  { command: CMD.showLog, title: 'Show Log', category: cat, icon: '$(output)' },
  { command: CMD.deployBackend, title: 'Deploy Backend…', category: cat, icon: '$(cloud-upload)' },
  { command: CMD.filterNodes, title: 'Filter Nodes…', category: cat, icon: '$(filter)' },
  { command: CMD.clearFilter, title: 'Clear Filter', category: cat, icon: '$(clear-all)' },
  { command: CMD.forgetHubApprovals, title: 'Forget Approved Hub URLs', category: cat },
];

const connected = `${CTX.connection} == connected`;
const writable = `${CTX.canWrite}`;

/** Node actions in the tree's context menu, in menu order, with their command and group. */
const ITEM_MENU: [Action, string, string][] = [
  ['schedule', CMD.scheduleReboot, '1_reboot@1'],
  ['force', CMD.forceReboot, '1_reboot@2'],
  ['cancel', CMD.cancelRequest, '1_reboot@3'],
  ['block', CMD.blockNode, '2_block@1'],
  ['unblock', CMD.unblockNode, '2_block@2'],
  ['history', CMD.showHistory, '3_info@1'],
];

const welcome = (when: string, contents: string) => ({ view: VIEW_NODES, contents, when });

/** Said in every setting's description: workspace values are not used (see `configuration`). */
const USER_ONLY = ' Read from user settings only; a workspace cannot set it.';

export const contributes = {
  viewsContainers: {
    activitybar: [{ id: VIEW_CONTAINER, title: 'nodemend', icon: 'extension/media/nodemend.svg' }],
  },
  views: {
    [VIEW_CONTAINER]: [{ id: VIEW_NODES, name: 'Nodes', contextualTitle: 'nodemend', icon: 'extension/media/nodemend.svg' }],
  },
  viewsWelcome: [
    welcome(`${CTX.connection} == connecting`, 'Connecting to the nodemend hub…\n[Show Log](command:nodemend.showLog)'),
    welcome(`${CTX.connection} == disconnected`, `Not connected to a cluster.\n[Connect](command:${CMD.connect})`),
    welcome(
      `${CTX.connection} == error && ${CTX.problem} == kubeconfig`,
      `No usable kubeconfig. nodemend reads the setting nodemend.kubeconfig, then $KUBECONFIG, then ~/.kube/config, and uses the setting nodemend.context or the current-context.\n[Switch Context](command:${CMD.switchContext})\n[Open Settings](command:workbench.action.openSettings?%5B%22nodemend%22%5D) · [Show Log](command:${CMD.showLog})`,
    ),
    welcome(
      `${CTX.connection} == error && ${CTX.problem} == credentials`,
      `The cluster rejected your credentials (401). Log in again or refresh the token, then reconnect.\n[Connect](command:${CMD.connect})\n[Show Log](command:${CMD.showLog}) · [Switch Context](command:${CMD.switchContext})`,
    ),
    welcome(
      `${CTX.connection} == error && ${CTX.problem} == forbidden`,
      `Your credentials may not read the nodemend stream. The log names the missing permission.\n[Show Log](command:${CMD.showLog})\n[Switch Context](command:${CMD.switchContext}) · [Connect](command:${CMD.connect})`,
    ),
    welcome(
      `${CTX.connection} == error && ${CTX.problem} == not-approved`,
      `nodemend did not send your credentials to the hub in nodemend.hub.url: you have not approved that URL.\n[Connect](command:${CMD.connect})\nConnect asks again. Or [open the settings](command:workbench.action.openSettings?%5B%22nodemend.hub%22%5D) · [Show Log](command:${CMD.showLog})`,
    ),
    welcome(
      `${CTX.connection} == error && ${CTX.problem} != kubeconfig && ${CTX.problem} != credentials && ${CTX.problem} != forbidden && ${CTX.problem} != not-approved`,
      `Cannot reach the cluster or the nodemend hub; retrying by itself.\n[Connect](command:${CMD.connect})\n[Show Log](command:${CMD.showLog}) · [Switch Context](command:${CMD.switchContext})`,
    ),
    welcome(
      `${CTX.connection} == no-backend`,
      `nodemend is not installed in this cluster.\n[Deploy Backend](command:${CMD.deployBackend})\nOr [switch to another context](command:${CMD.switchContext}).`,
    ),
    welcome(connected, 'The cluster has no nodes (or none match the filter).'),
  ],
  commands,
  menus: {
    'view/title': [
      { command: CMD.filterNodes, when: `view == ${VIEW_NODES} && ${connected}`, group: 'navigation@1' },
      { command: CMD.clearFilter, when: `view == ${VIEW_NODES} && ${CTX.filtered}`, group: 'navigation@2' },
      { command: CMD.openDashboard, when: `view == ${VIEW_NODES}`, group: 'navigation@3' },
      { command: CMD.connect, when: `view == ${VIEW_NODES}`, group: 'navigation@4' },
      { command: CMD.scheduleReboot, when: `view == ${VIEW_NODES} && ${writable}`, group: '1_actions@1' },
      { command: CMD.blockNode, when: `view == ${VIEW_NODES} && (${writable} || ${CTX.canBlockCluster})`, group: '1_actions@2' },
      { command: CMD.unblockNode, when: `view == ${VIEW_NODES} && (${writable} || ${CTX.canBlockCluster})`, group: '1_actions@3' },
      { command: CMD.switchContext, when: `view == ${VIEW_NODES}`, group: '2_cluster@1' },
      { command: CMD.deployBackend, when: `view == ${VIEW_NODES} && !config.nodemend.readOnly`, group: '2_cluster@2' },
      { command: CMD.showLog, when: `view == ${VIEW_NODES}`, group: '2_cluster@3' },
    ],
    'view/item/context': [
      ...ITEM_MENU.map(([a, command, group]) => ({ command, when: whenAction(a), group })),
      { command: CMD.showHistory, when: whenAction('history'), group: 'inline' },
    ],
    commandPalette: [
      { command: CMD.scheduleReboot, when: writable },
      { command: CMD.forceReboot, when: writable },
      { command: CMD.cancelRequest, when: writable },
      { command: CMD.blockNode, when: `${writable} || ${CTX.canBlockCluster}` },
      { command: CMD.unblockNode, when: `${writable} || ${CTX.canBlockCluster}` },
      { command: CMD.showHistory, when: connected },
      { command: CMD.filterNodes, when: connected },
      { command: CMD.clearFilter, when: CTX.filtered },
      { command: CMD.deployBackend, when: '!config.nodemend.readOnly' },
    ],
  },
  configuration: {
    title: 'nodemend',
    // scope "application": user settings only. Each of these picks the kubeconfig (whose exec
    // plugin runs a command), the identity, the cluster or the server the token is sent to, so a
    // repository's .vscode/settings.json must not set them; VS Code does not apply workspace values
    // of application-scoped settings, and connection/settings.ts reads the user-level value only.
    // Not "machine": in a remote window (Remote-SSH, WSL, code-server) VS Code reads machine-scoped
    // settings from the remote settings only and ignores the user settings people already have.
    // Never "machine-overridable" or narrower: those let a workspace set them again.
    properties: {
      'nodemend.namespace': { type: 'string', default: 'nodemend', scope: 'application', markdownDescription: `Namespace of the nodemend backend (agent DaemonSet, hub, lock Leases).${USER_ONLY}` },
      'nodemend.hub.mode': {
        type: 'string',
        enum: ['proxy', 'port-forward', 'url'],
        default: 'proxy',
        scope: 'application',
        enumDescriptions: [
          "Through the API server's service proxy (needs get on services/proxy).",
          'Through a port-forward to a hub pod (needs create on pods/portforward).',
          'Directly to the URL in `nodemend.hub.url`; your bearer token is sent to it, once you approve that URL.',
        ],
        markdownDescription: `How to reach the hub that streams the cluster state.${USER_ONLY}`,
      },
      'nodemend.hub.url': {
        type: 'string',
        default: '',
        scope: 'application',
        markdownDescription: `Hub stream URL when \`nodemend.hub.mode\` is \`url\`, e.g. \`wss://nodemend.example/stream\`. The kubeconfig user's bearer token is sent to it: nodemend asks you once per URL before it does, and accepts \`ws://\` or \`http://\` only for a hub on this machine (127.0.0.0/8, ::1, localhost).${USER_ONLY}`,
      },
      'nodemend.kubeconfig': { type: 'string', default: '', scope: 'application', markdownDescription: `Path of the kubeconfig. Empty: \`$KUBECONFIG\`, then \`~/.kube/config\`.${USER_ONLY}` },
      'nodemend.context': { type: 'string', default: '', scope: 'application', markdownDescription: `Kubeconfig context to use. Empty: the kubeconfig's current-context. Set by **nodemend: Switch Context**.${USER_ONLY}` },
      'nodemend.readOnly': { type: 'boolean', default: false, scope: 'application', markdownDescription: `Show the cluster but offer no action that changes it.${USER_ONLY}` },
      'nodemend.connectAtStartup': {
        type: 'boolean',
        default: false,
        scope: 'application',
        markdownDescription: `Connect as soon as a window starts, so the status bar shows the cluster from the start. Off: nodemend reads the kubeconfig (and runs its exec credential plugin) only when you open the nodemend view or run a nodemend command.${USER_ONLY}`,
      },
    },
  },
};

/**
 * package.json's top-level `capabilities`. Workspace values never reach the extension
 * (application scope, user-level reads) and it reads no file of the workspace, runs nothing from it: it works
 * the same in Restricted Mode and in virtual workspaces.
 */
export const capabilities = {
  untrustedWorkspaces: { supported: true },
  virtualWorkspaces: true,
};

/**
 * Activation: at startup, which costs a few milliseconds and touches nothing outside VS Code (no
 * kubeconfig read, no exec plugin, no request): it registers the commands and the status bar item,
 * and connects only if nodemend.connectAtStartup is on (no activation event can depend on a
 * setting). Otherwise the connection waits for the Nodes view to be shown or a command to run.
 * onView and onCommand events are not listed: VS Code (1.74 and later) derives them from
 * `contributes.views` and `contributes.commands`.
 */
export const activationEvents = ['onStartupFinished'];

export { ACTIONS };
