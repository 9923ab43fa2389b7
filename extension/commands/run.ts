// Runs one of nodemend's own commands by id, for views that offer actions (the dashboard).
// Only our ids: a webview message must never become an arbitrary command.

import * as vscode from 'vscode';
import { COMMAND_IDS } from './ids.ts';

export function runCommand(id: string, ...args: unknown[]): Thenable<unknown> {
  if (!COMMAND_IDS.includes(id)) return Promise.reject(new Error(`not a nodemend command: ${id}`));
  return vscode.commands.executeCommand(id, ...args);
}
