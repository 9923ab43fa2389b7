import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scopeOf, scopeSlotName, slotIndex, slug, waitMarkerName } from './leases.ts';

const nameCases: { name: string; slotName: string; scope?: string; want: number | undefined }[] = [
  { name: 'cluster slot', slotName: 'nodemend-lock-3', want: 3 },
  { name: 'scope slot is not a cluster slot', slotName: 'nodemend-lock-a-3', want: undefined },
  { name: 'numeric scope value is not a cluster slot', slotName: scopeSlotName('1', 0), want: undefined },
  { name: 'scope slot of its group', slotName: scopeSlotName('eu-west-1a', 2), scope: 'eu-west-1a', want: 2 },
  { name: 'prefix-sharing scope values do not mix', slotName: scopeSlotName('a-1', 0), scope: 'a', want: undefined },
  { name: 'waiting marker is no slot', slotName: waitMarkerName('n-1'), want: undefined },
  { name: 'leading zero is no slot', slotName: 'nodemend-lock-01', want: undefined },
];
for (const c of nameCases) {
  test(`slotIndex: ${c.name}`, () => assert.equal(slotIndex(c.slotName, c.scope), c.want));
}

const slugCases: [string, RegExp][] = [
  ['eu-west-1a', /^eu-west-1a$/],
  ['Zone_A', /^zone-a-[0-9a-f]{8}$/],
  ['', /^none-[0-9a-f]{8}$/],
  ['x'.repeat(63), /^x{40}-[0-9a-f]{8}$/],
];
for (const [v, re] of slugCases) test(`slug(${JSON.stringify(v.slice(0, 10))}) is DNS-safe and distinct`, () => assert.match(slug(v), re));
test('slug keeps case-different values apart', () => assert.notEqual(slug('A'), slug('a')));

const scopeCases: [string, string][] = [
  ['nodemend-lock-0', 'cluster'],
  [scopeSlotName('eu-west-1a', 2), 'eu-west-1a'],
  [scopeSlotName('a-1', 0), 'a-1'],
];
for (const [name, want] of scopeCases) test(`scopeOf(${name}) = ${want}`, () => assert.equal(scopeOf(name), want));
