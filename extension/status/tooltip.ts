// The status bar tooltip's Markdown. It is trusted for four commands (the links below), so the
// context name, which comes from a kubeconfig, goes through md(): shown, never read as a link. Pure.

import { CMD } from '../commands/ids.ts';
import { md } from '../text/markdown.ts';

/** The commands the tooltip's links may run (MarkdownString.isTrusted.enabledCommands). */
export const TOOLTIP_COMMANDS = [CMD.openDashboard, CMD.switchContext, CMD.showLog, CMD.deployBackend];

export function statusTooltip(context: string, text: string, noBackend: boolean): string {
  const links = [`[Open Dashboard](command:${CMD.openDashboard})`, `[Switch Context](command:${CMD.switchContext})`, `[Show Log](command:${CMD.showLog})`];
  if (noBackend) links.push(`[Deploy Backend](command:${CMD.deployBackend})`);
  return `**nodemend** · context **${md(context)}**\n\n${md(text)}\n\n${links.join(' · ')}`;
}
