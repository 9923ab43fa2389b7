// The migration guide's flag table is what the generator makes from the flag definitions: a flag
// added, renamed or given another default without rerunning `node scripts/kured-flags-doc.ts`
// fails here.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DOC, END, START, flagTable, render } from './kured-flags-doc.ts';
import { KURED_FLAGS } from '../backend/agent/config/kured.ts';

test('docs/migrating-from-kured.md carries the generated flag table, unchanged', () => {
  const doc = readFileSync(DOC, 'utf8');
  assert.equal(render(doc), doc, 'out of date: run node scripts/kured-flags-doc.ts');
});

test('the table has one row per Kured flag and shows each differing default', () => {
  const rows = flagTable().split('\n').slice(2);
  assert.equal(rows.length, 43);
  for (const k of KURED_FLAGS) assert.ok(rows.some((r) => r.startsWith(`| \`--${k.name}\` |`)), k.name);
  assert.match(flagTable(), /^\| `--period` \| `KURED_PERIOD` \| `1h` \| `1m` \| default differs \|/m);
});

test('render refuses a document without its markers, and replaces only what lies between them', () => {
  assert.throws(() => render('# no table'), /markers/);
  const out = render(`before\n${START}\nOLD-ROW-42\n${END}\nafter`);
  assert.ok(out.startsWith(`before\n${START}\n| Kured flag |`) && out.endsWith(`${END}\nafter`));
  assert.doesNotMatch(out, /OLD-ROW-42/);
});
