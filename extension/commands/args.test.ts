import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodesFromArgs } from './args.ts';

const n = (name: string) => ({ kind: 'node', name });
const cases: { name: string; args: unknown[]; want: string[] | undefined }[] = [
  { name: 'palette: no arguments', args: [], want: undefined },
  { name: 'tree: one row', args: [n('a')], want: ['a'] },
  { name: 'tree: several selected rows win over the clicked one', args: [n('a'), [n('a'), n('b'), { kind: 'group', key: 'x' }]], want: ['a', 'b'] },
  { name: 'tree: a selection without nodes falls back to the clicked row', args: [n('a'), [{ kind: 'group', key: 'x' }]], want: ['a'] },
  { name: 'dashboard: a node name', args: ['n-1'], want: ['n-1'] },
  { name: 'a list of names, duplicates dropped', args: [['a', 'b', 'a']], want: ['a', 'b'] },
  { name: 'a group row: ask', args: [{ kind: 'group', key: 'waiting' }], want: undefined },
  { name: 'an empty string: ask', args: [''], want: undefined },
  { name: 'junk: ask', args: [42, { name: 'x' }], want: undefined },
];
for (const c of cases) test(`nodesFromArgs: ${c.name}`, () => assert.deepEqual(nodesFromArgs(c.args), c.want));
