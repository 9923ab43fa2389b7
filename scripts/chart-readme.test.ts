// The values table of charts/nodemend/README.md: generated from values.yaml's "# --" comments, and
// the committed README is what the generator writes (else: node scripts/chart-readme.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BEGIN, END, chartDir, renderReadme, valueRows, valuesTable, withTable } from './chart-readme.ts';

const SAMPLE = `# A file comment, not a description.

image:
  # -- Image repository.
  repository: example/nm
  # -- Tag | empty means appVersion.
  tag: ""

# Plain comment between the description and its key is allowed:
# -- Tolerations of the agents.
# (a note for the file's reader)
tolerations:
- operator: Exists

# -- Resources (nested keys are part of the default, not rows).
resources:
  limits:
    memory: 192Mi

hub:
  # -- The hub.
  enabled: true
`;

test('one row per documented key, with its dotted path, its default as JSON and its description', () => {
  assert.deepEqual(valueRows(SAMPLE), [
    { key: 'image.repository', default: '"example/nm"', description: 'Image repository.' },
    { key: 'image.tag', default: '""', description: 'Tag | empty means appVersion.' },
    { key: 'tolerations', default: '[{"operator":"Exists"}]', description: 'Tolerations of the agents.' },
    { key: 'resources', default: '{"limits":{"memory":"192Mi"}}', description: 'Resources (nested keys are part of the default, not rows).' },
    { key: 'hub.enabled', default: 'true', description: 'The hub.' },
  ]);
});

test('the table escapes pipes; an undocumented key is an error naming it', () => {
  const table = valuesTable(valueRows(SAMPLE));
  assert.match(table, /^\| Key \| Default \| Description \|\n\|---\|---\|---\|\n/);
  assert.ok(table.includes('| `image.tag` | `""` | Tag \\| empty means appVersion. |'), table);
  assert.throws(() => valueRows('image:\n  # -- Repo.\n  repository: x\n  tag: ""\n'), /values.yaml: image.tag has no "# --" description/);
  assert.throws(() => valueRows('maxUnavailable: 1\n'), /maxUnavailable has no "# --" description/);
});

test('the table goes between the README markers, the rest of the README stays', () => {
  const readme = `# T\n\nintro\n\n${BEGIN}\nold table\n${END}\n\nafter\n`;
  assert.equal(withTable(readme, 'NEW'), `# T\n\nintro\n\n${BEGIN}\nNEW\n${END}\n\nafter\n`);
  assert.throws(() => withTable('# no markers\n', 'NEW'), /markers of the values table are missing/);
});

test('charts/nodemend/README.md has the table values.yaml makes (else run node scripts/chart-readme.ts)', () => {
  const { have, want } = renderReadme();
  assert.equal(have, want);
});

test('a values.yaml change the README does not follow is caught', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nodemend-chart-'));
  try {
    cpSync(join(chartDir, 'README.md'), join(dir, 'README.md'));
    const values = readFileSync(join(chartDir, 'values.yaml'), 'utf8');
    writeFileSync(join(dir, 'values.yaml'), values.replace('# -- Pull policy of both workloads.', '# -- Pull policy of the agent and the hub.'));
    const { have, want } = renderReadme(dir);
    assert.notEqual(have, want);
    assert.ok(want.includes('Pull policy of the agent and the hub.'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
