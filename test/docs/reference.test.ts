// The operator docs against the code: the generated tables (flags, metrics) are what
// scripts/docs-reference.ts makes now, and every flag, metric (with its labels), Event reason and
// phase the code has, and every alert of the monitoring pack, is documented. The names come from
// the code itself, so a new flag, metric, label, reason, phase or alert without docs fails here.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { FLAGS } from '../../backend/agent/config/flags.ts';
import { BLOCK_KINDS, PHASES } from '../../protocol/model.ts';
import { hubFlags, metrics, renderDocs, replaceSection, root, sections, start, end } from '../../scripts/docs-reference.ts';

const doc = (name: string) => readFileSync(join(root, 'docs', name), 'utf8');

/** The Markdown table rows under a heading (up to the next heading of any level). */
function rowsUnder(text: string, heading: string): string[] {
  const at = text.indexOf(`\n${heading}\n`);
  assert.ok(at >= 0, `missing heading ${heading}`);
  const rest = text.slice(at + heading.length + 2);
  const next = rest.search(/^#/m);
  return (next < 0 ? rest : rest.slice(0, next)).split('\n').filter((l) => l.startsWith('| `'));
}

/** Names missing from a table: each needs a row whose first cell is exactly `name`. */
export function undocumented(names: readonly string[], rows: readonly string[]): string[] {
  return names.filter((n) => !rows.some((r) => r.split(' | ')[0].replace(/^\| /, '').split(', ').includes(`\`${n}\``)));
}

/** The Event reasons the agent records, from its source: event('Normal'|'Warning', 'Reason', …). */
export function eventReasons(): string[] {
  const files = globSync('backend/agent/**/*.ts', { cwd: root }).filter((f) => !f.endsWith('.test.ts'));
  const out = new Set<string>();
  for (const f of files) {
    for (const m of readFileSync(join(root, f), 'utf8').matchAll(/\bevent\(\s*'(?:Normal|Warning)',\s*'([A-Za-z]+)'/g)) out.add(m[1]);
  }
  return [...out].sort();
}

/** The hub's flag names from its definition (backend/hub/config.ts, `const FLAGS = [...]`). */
function hubFlagNames(): string[] {
  const src = readFileSync(join(root, 'backend/hub/config.ts'), 'utf8');
  const list = /const FLAGS = \[([\s\S]*?)\] as const/.exec(src);
  assert.ok(list, 'backend/hub/config.ts: no `const FLAGS = [...] as const` found');
  return [...list[1].matchAll(/'([a-z0-9-]+)'/g)].map((m) => m[1]);
}

test('the generated tables in docs/configuration.md and docs/operations.md are up to date', () => {
  for (const [path, [now, want]] of renderDocs()) assert.ok(now === want, `${path} is out of date: run node scripts/docs-reference.ts`);
});

test('every agent flag has a row in docs/configuration.md, with its default', () => {
  const rows = rowsUnder(doc('configuration.md'), '## Agent flags');
  assert.deepEqual(undocumented(FLAGS.map((f) => `--${f.name}`), rows), []);
  assert.equal(rows.length, FLAGS.length);
  assert.match(rows.join('\n'), /^\| `--max-reboot-duration` \| `NODEMEND_MAX_REBOOT_DURATION` \| `30m` \|/m);
  assert.match(rows.join('\n'), /^\| `--period` \| `NODEMEND_PERIOD`, `KURED_PERIOD` \| `1m` \|/m);
});

test('every hub flag (its definition, not its usage text) has a row in docs/configuration.md', () => {
  const names = hubFlagNames();
  assert.ok(names.length >= 17, `found only ${names.length} hub flags`);
  assert.deepEqual(hubFlags().flatMap((f) => f.names).sort(), [...names].sort(), 'the hub usage text lists exactly its flags');
  assert.deepEqual(undocumented(names.map((n) => `--${n}`), rowsUnder(doc('configuration.md'), '## Hub flags')), []);
});

test('every metric of the agent and the hub is documented in docs/operations.md with each of its labels', () => {
  const rows = rowsUnder(doc('operations.md'), '### Metrics');
  const all = metrics();
  assert.ok(all.some((m) => m.name === 'nodemend_reboots_total') && all.some((m) => m.name === 'nodemend_hub_watches_healthy'));
  assert.deepEqual(undocumented(all.map((m) => m.name), rows), []);
  for (const m of all) {
    const row = rows.find((r) => r.startsWith(`| \`${m.name}\` |`))!;
    for (const l of m.labels) assert.ok(row.includes(`\`${l}\``), `${m.name}: label ${l} is not in its row`);
  }
  // The values of the bounded labels are spelled out too.
  const text = doc('operations.md');
  for (const r of BLOCK_KINDS) assert.ok(text.includes(`\`${r}\``), `reason ${r} of nodemend_blocked is not described`);
  for (const o of ['succeeded', 'failed', 'cancelled']) assert.ok(text.includes(`\`${o}\``), `outcome ${o} is not described`);
});

test('every Event reason the agent records has a row in docs/troubleshooting.md', () => {
  const reasons = eventReasons();
  // The extraction itself works: the reasons of a whole reboot cycle are among them.
  for (const r of ['LockAcquired', 'Cordoned', 'Drained', 'Rebooting', 'RebootSucceeded', 'RebootFailed', 'LockReleased', 'InvalidAnnotation']) assert.ok(reasons.includes(r), r);
  assert.deepEqual(undocumented(reasons, rowsUnder(doc('troubleshooting.md'), '## Events')), []);
});

test('every alert of monitoring/rules.yaml has a row in docs/operations.md, with what to do', () => {
  const groups = (k8s.loadYaml(readFileSync(join(root, 'monitoring/rules.yaml'), 'utf8')) as { groups: { rules: { alert?: string }[] }[] }).groups;
  const alerts = groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : [])));
  assert.ok(alerts.length >= 8);
  assert.deepEqual(undocumented(alerts, rowsUnder(doc('operations.md'), '### Alerts')), []);
});

test('every phase has a row in docs/troubleshooting.md', () => {
  assert.deepEqual(undocumented(PHASES, rowsUnder(doc('troubleshooting.md'), '## Phases')), []);
});

test('the checks find what is missing: an undocumented name, a section without markers', () => {
  const rows = ['| `--a` | x |', '| `--b`, `--c` | y |'];
  assert.deepEqual(undocumented(['--a', '--c', '--d', '--'], rows), ['--d', '--']);
  assert.throws(() => replaceSection('# nothing', 'agent-flags', 'x'), /markers/);
  const out = replaceSection(`a\n${start('n')}\nOLD\n${end('n')}\nb`, 'n', 'NEW');
  assert.equal(out, `a\n${start('n')}\nNEW\n${end('n')}\nb`);
  assert.ok(sections().every((s) => s.text.split('\n').length > 3));
});
