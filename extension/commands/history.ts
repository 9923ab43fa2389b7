// Show Node History: a read-only Markdown document (virtual, nothing to save) per node, rendered
// from the store at the time it is opened.

import * as vscode from 'vscode';
import { localTime } from '../tree/provider.ts';
import { historyMarkdown } from './history-doc.ts';
import { chooseNodes, type CommandEnv } from './env.ts';

export const HISTORY_SCHEME = 'nodemend-history';

export function registerHistoryDocs(env: CommandEnv): vscode.Disposable {
  return vscode.workspace.registerTextDocumentContentProvider(HISTORY_SCHEME, {
    provideTextDocumentContent(uri) {
      const name = decodeURIComponent(uri.path.replace(/^\//, '').replace(/\.md$/, ''));
      const n = env.store.snapshot()?.nodes.find((x) => x.name === name);
      return n ? historyMarkdown(n, localTime) : `# ${name}\n\nThis node is not in the current view of the cluster.\n`;
    },
  });
}

export async function showHistoryCmd(env: CommandEnv, args: unknown[]): Promise<void> {
  const names = await chooseNodes(env, args, 'history', 'Show Node History');
  if (!names) return;
  for (const name of names.slice(0, 5)) {
    const uri = vscode.Uri.from({ scheme: HISTORY_SCHEME, path: `/${encodeURIComponent(name)}.md`, query: String(Date.now()) });
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
    await vscode.window.showTextDocument(doc, { preview: names.length === 1 });
  }
}
