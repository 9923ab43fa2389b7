// The extension's log: one LogOutputChannel ("nodemend" in the Output panel) that every part writes
// to and that "nodemend: Show Log" and every error's "Open Log" button reveal. A small interface so
// pure-ish adapters (hub client, kube writes) can be tested with a recording log.

import * as vscode from 'vscode';
import { redact } from './redact.ts';

export interface Log {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  show(): void;
}

export class OutputLog implements Log, vscode.Disposable {
  private readonly channel = vscode.window.createOutputChannel('nodemend', { log: true });

  info(msg: string): void {
    this.channel.info(redact(msg));
  }
  warn(msg: string): void {
    this.channel.warn(redact(msg));
  }
  error(msg: string): void {
    this.channel.error(redact(msg));
  }
  show(): void {
    this.channel.show(true);
  }
  dispose(): void {
    this.channel.dispose();
  }
}

/**
 * Shows an error with an "Open Log" button (every error offers it), and logs it.
 * Resolves when the notification is dismissed or the button used.
 */
export async function showError(log: Log, message: string): Promise<void> {
  log.error(message);
  const pick = await vscode.window.showErrorMessage(message, 'Open Log');
  if (pick === 'Open Log') log.show();
}
