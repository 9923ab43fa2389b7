// Forget Approved Hub URLs: takes back every "Connect" given to a direct hub URL
// (connection/approval.ts). The store reconnects, so a hub in use is asked about again before the
// token goes there once more.

import * as vscode from 'vscode';
import type { CommandEnv } from './env.ts';

export async function forgetHubApprovalsCmd(env: CommandEnv): Promise<void> {
  const n = await env.store.forgetHubApprovals();
  env.log.info(`forgot ${n} approved hub URL${n === 1 ? '' : 's'}`);
  void vscode.window.showInformationMessage(
    n === 0 ? 'No hub URL was approved.' : `Forgot ${n} approved hub URL${n === 1 ? '' : 's'}: nodemend asks again before it sends your credentials to one.`,
  );
  env.store.connect();
}
