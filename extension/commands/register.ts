// Every command, registered from one table: id -> handler. The handler receives the arguments VS
// Code passes (tree element and selection, or a node name from the dashboard).

import * as vscode from 'vscode';
import { showError } from '../log/log.ts';
import { blockCmd, unblockCmd } from './block.ts';
import { switchContextCmd } from './context.ts';
import { deployBackendCmd } from './deploy.ts';
import { forgetHubApprovalsCmd } from './approvals.ts';
import type { CommandEnv } from './env.ts';
import { registerHistoryDocs, showHistoryCmd } from './history.ts';
import { CMD, type CommandId } from './ids.ts';
import { cancelRequestCmd, forceRebootCmd, scheduleRebootCmd } from './reboot.ts';

type Handler = (env: CommandEnv, args: unknown[]) => unknown;

/** Registered here; filterNodes/clearFilter belong to the tree view, openDashboard to the composition root. */
export const HANDLERS: Partial<Record<CommandId, Handler>> = {
  [CMD.connect]: (env) => env.store.connect(),
  [CMD.scheduleReboot]: scheduleRebootCmd,
  [CMD.forceReboot]: forceRebootCmd,
  [CMD.blockNode]: blockCmd,
  [CMD.unblockNode]: unblockCmd,
  [CMD.cancelRequest]: cancelRequestCmd,
  [CMD.showHistory]: showHistoryCmd,
  [CMD.switchContext]: (env) => switchContextCmd(env),
  [CMD.showLog]: (env) => env.log.show(),
  [CMD.deployBackend]: (env) => deployBackendCmd(env),
  [CMD.forgetHubApprovals]: (env) => forgetHubApprovalsCmd(env),
};

/**
 * Commands that do not start the connection first: Show Log only looks, Connect connects itself.
 * Every other command needs the cluster, so running one is the person asking nodemend to connect.
 */
const NO_START: ReadonlySet<string> = new Set([CMD.showLog, CMD.connect]);

/**
 * Registers one command whose failures become an error message with "Open Log". The first
 * command run connects (the store waits for the view or a command; see extension.ts).
 */
export function registerGuarded(env: CommandEnv, id: string, handler: Handler): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    try {
      if (!NO_START.has(id)) env.store.start();
      await handler(env, args);
    } catch (e) {
      // A bug or an unexpected failure: say so with the log at hand, keep the extension running.
      await showError(env.log, `${id} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
}

export function registerCommands(env: CommandEnv): vscode.Disposable[] {
  return [registerHistoryDocs(env), ...Object.entries(HANDLERS).map(([id, handler]) => registerGuarded(env, id, handler))];
}
