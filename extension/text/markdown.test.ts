import assert from 'node:assert/strict';
import { test } from 'node:test';
import { code, md } from './markdown.ts';

/** Undoes md(): what a CommonMark renderer shows for escaped text. */
const shown = (s: string) => s.replace(/\\(.)/g, '$1');

test('md escapes what Markdown, theme icons or HTML would read, and folds line breaks', () => {
  const evil = 'x` [Deploy](command:nodemend.deployBackend) $(zap) <img src=x> &#91; *a* _b_ #c\n# heading\r\n- item';
  const out = md(evil);
  assert.doesNotMatch(out, /[\n\r]/);
  // Every syntax character is escaped (preceded by a backslash that is not itself escaped).
  for (const m of out.matchAll(/[`*_[\]()#+\-!|<>~$&]/g)) assert.equal(out[m.index - 1], '\\', `${m[0]} at ${m.index} in ${out}`);
  assert.equal(shown(out), evil.replace(/\r\n|\n/g, ' '));
});

test('code spans hold backticks and stay one line', () => {
  assert.equal(code('db-0'), '`db-0`');
  assert.equal(code('a`b'), '``a`b``');
  assert.equal(code('``x```'), '```` ``x``` ````');
  assert.equal(code('a\nb'), '`a b`');
  assert.equal(code(' x'), '`  x `');
});
