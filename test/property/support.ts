// Shared plumbing of the property tests: one seeded fast-check run per property, the number of
// cases tried reported as a test diagnostic (and summed per file), and generators of hostile text.

import fc from 'fast-check';
import { after, type TestContext } from 'node:test';

/** Fixed by default so a failure replays; NODEMEND_FC_SEED overrides for fresh exploration. */
export const SEED = Number(process.env.NODEMEND_FC_SEED ?? 20_261_124);
let total = 0;
// Registered at import, so it runs once after every test of the importing file.
after(() => console.log(`# property cases tried in this file: ${total}`));

/** Runs a property, counts its cases and prints the count; fast-check throws with the counterexample. */
export function check<T>(t: TestContext, prop: fc.IPropertyWithHooks<T>, numRuns = 500): void {
  let n = 0;
  fc.assert(prop.beforeEach((previous) => {
    n++;
    previous();
  }), { seed: SEED, numRuns });
  total += n;
  t.diagnostic(`${n} cases, seed ${SEED}`);
}

/** Text that breaks naive parsers: unicode of every plane, control characters, huge values. */
export const nasty: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', ' ', '\u0000', '\uFEFF', '\u202E', '💥', 'null', 'undefined', '__proto__', 'constructor', '{}', '[]', '-0', 'NaN', 'Infinity'),
  fc.string({ minLength: 1, maxLength: 4 }).map((s) => s.repeat(20_000)),
);

/** Strings shaped almost like RFC3339 times, with each part possibly out of range. */
export const timeish: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: -1, max: 10_500 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.integer({ min: 0, max: 61 }), fc.constantFrom('Z', '+01:00', '-14:00', '+25:00', '', 'z', ' UTC', '+0100'), fc.constantFrom('', '.5', '.123456789', '.1234567891'))
  .map(([y, mo, d, h, mi, s, z, frac]) => `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:${String(s).padStart(2, '0')}${frac}${z}`);

/** Arbitrary JSON values, including deep and wide ones. */
export const json: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 6 });

/** The async form of check, for properties that do I/O (local HTTP servers, files). */
export async function checkAsync<T>(t: TestContext, prop: fc.IAsyncPropertyWithHooks<T>, numRuns = 200): Promise<void> {
  let n = 0;
  await fc.assert(prop.beforeEach(async (previous) => {
    n++;
    await previous();
  }), { seed: SEED, numRuns });
  total += n;
  t.diagnostic(`${n} cases, seed ${SEED}`);
}
