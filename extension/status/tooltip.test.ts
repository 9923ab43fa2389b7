import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CMD } from '../commands/ids.ts';
import { statusTooltip, TOOLTIP_COMMANDS } from './tooltip.ts';

/** Link targets a CommonMark renderer would make: `](` not escaped by a backslash. */
const links = (markdown: string) => [...markdown.matchAll(/(?<!\\)\]\((command:[^)\s]*)\)/g)].map((m) => m[1]);

test('the tooltip links only to its own commands, whatever the context is called', () => {
  const evil = 'prod` [Deploy now](command:nodemend.deployBackend) `\n\n[x](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22rm%22%7D)';
  const out = statusTooltip(evil, 'connected · 3 healthy', false);
  assert.deepEqual(links(out), [`command:${CMD.openDashboard}`, `command:${CMD.switchContext}`, `command:${CMD.showLog}`]);
  assert.ok(!out.split('\n\n')[0].includes('\n'), 'the context stays on its line');
  assert.deepEqual(links(statusTooltip('dev', 'not installed', true)), [`command:${CMD.openDashboard}`, `command:${CMD.switchContext}`, `command:${CMD.showLog}`, `command:${CMD.deployBackend}`]);
  for (const l of links(statusTooltip('dev', 'x', true))) assert.ok(TOOLTIP_COMMANDS.includes(l.slice('command:'.length) as (typeof TOOLTIP_COMMANDS)[number]));
});

test('the status text from the cluster is escaped too', () => {
  const out = statusTooltip('dev', 'hub said [click](command:nodemend.deployBackend)', false);
  assert.equal(links(out).length, 3);
});
