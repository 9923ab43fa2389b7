// Every command id, view id, context key and contextValue token in one place, so package.json's
// `contributes`, the registrations and the `when` clauses cannot drift apart (a unit test checks
// package.json against this module). Node actions are named like protocol/webview.ts's
// NODE_ACTIONS: the dashboard runs them as `nodemend.<action>` with a node name.

export const CMD = {
  connect: 'nodemend.connect',
  scheduleReboot: 'nodemend.scheduleReboot',
  forceReboot: 'nodemend.forceReboot',
  blockNode: 'nodemend.blockNode',
  unblockNode: 'nodemend.unblockNode',
  cancelRequest: 'nodemend.cancelRequest',
  showHistory: 'nodemend.showHistory',
  openDashboard: 'nodemend.openDashboard',
  switchContext: 'nodemend.switchContext',
  showLog: 'nodemend.showLog',
  deployBackend: 'nodemend.deployBackend',
  filterNodes: 'nodemend.filterNodes',
  clearFilter: 'nodemend.clearFilter',
  forgetHubApprovals: 'nodemend.forgetHubApprovals',
} as const;
export type CommandId = (typeof CMD)[keyof typeof CMD];
export const COMMAND_IDS: readonly string[] = Object.values(CMD);

export const VIEW_NODES = 'nodemend.nodes';
export const VIEW_CONTAINER = 'nodemend';

/** Context keys set with setContext, read by `when` clauses in package.json. */
export const CTX = {
  connection: 'nodemend.connection',
  canWrite: 'nodemend.canWrite',
  canBlockCluster: 'nodemend.canBlockCluster',
  filtered: 'nodemend.filtered',
  /** Kind of connection problem when connection is "error" (connection/failures.ts Problem). */
  problem: 'nodemend.problem',
} as const;

/** contextValue of tree items: a kind token, then one `can:<action>` token per applicable action. */
export const ITEM = {
  group: 'nm:group',
  node: 'nm:node',
  detail: 'nm:detail',
} as const;

export const ACTIONS = ['schedule', 'force', 'block', 'unblock', 'cancel', 'history'] as const;
export type Action = (typeof ACTIONS)[number];

/** The `when` clause regex for an action on a tree item. */
export const whenAction = (a: Action): string => `view == ${VIEW_NODES} && viewItem =~ /\\bcan:${a}\\b/`;
