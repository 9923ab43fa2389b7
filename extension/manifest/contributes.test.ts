import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ACTIONS, COMMAND_IDS } from '../commands/ids.ts';
import { activationEvents, capabilities, contributes } from './contributes.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

test('package.json contributes, activationEvents and capabilities are the generated ones (run node extension/manifest/write.ts)', () => {
  assert.deepEqual(pkg.contributes, JSON.parse(JSON.stringify(contributes)));
  assert.deepEqual(pkg.activationEvents, activationEvents);
  assert.deepEqual(pkg.capabilities, capabilities);
});

test('every setting is application-scoped: a workspace cannot pick the kubeconfig, context, namespace or hub', () => {
  const props = Object.entries(pkg.contributes.configuration.properties as Record<string, { scope?: string }>);
  assert.ok(props.length >= 6);
  for (const [key, p] of props) assert.equal(p.scope, 'application', key);
});

test('untrusted and virtual workspaces are declared supported (nothing is read from the workspace)', () => {
  assert.deepEqual(pkg.capabilities, { untrustedWorkspaces: { supported: true }, virtualWorkspaces: true });
});

test('every command id is contributed once, and every contributed command is one of ours', () => {
  const ids = contributes.commands.map((c) => c.command);
  assert.deepEqual([...ids].sort(), [...COMMAND_IDS].sort());
});

test('every node action has a context-menu entry keyed on its can: token', () => {
  const menu = contributes.menus['view/item/context'];
  for (const a of ACTIONS) assert.ok(menu.some((m) => m.when.includes(`can:${a}\\b`)), a);
});

test('menu and palette entries refer to contributed commands only', () => {
  const ids = new Set(contributes.commands.map((c) => c.command));
  for (const list of Object.values(contributes.menus)) for (const m of list) assert.ok(ids.has(m.command), m.command);
});
