// Adds hub fan-out figures measured on their own (bench/hub-fanout.ts, which needs no cluster)
// to a results file whose run could not measure them, replacing its hub rows, and says so in the
// file: `hubMeasuredSeparately` holds when and why.
//   node bench/hub-fanout.ts --nodes=2000 --clients=50 > /tmp/hub.json
//   node bench/merge-hub.ts bench/results.json /tmp/hub.json "why"

import { readFileSync, writeFileSync } from 'node:fs';
import { parsePlan } from './plan.ts';
import { lastJson } from './stats.ts';
import { summarize, type HubFigures } from './summary.ts';
import type { Measurement } from './table.ts';

/** The measurements with every hub row replaced by the rows of `hub`, in the same place. */
export function withHubRows(ms: readonly Measurement[], hub: HubFigures): Measurement[] {
  const rows = summarize({ plan: parsePlan([]), rollouts: [], idle: {}, apiPerAgent: {}, hub, missing: {}, settingsNotes: [] }).filter((m) => m.id.startsWith('hub-'));
  const at = ms.findIndex((m) => m.id.startsWith('hub-'));
  const rest = ms.filter((m) => !m.id.startsWith('hub-'));
  const i = at < 0 ? rest.length : at;
  return [...rest.slice(0, i), ...rows, ...rest.slice(i)];
}

if (import.meta.filename === process.argv[1]) {
  const [file, hubFile, why = ''] = process.argv.slice(2);
  if (!file || !hubFile) {
    console.error('usage: node bench/merge-hub.ts <results.json> <hub-fanout output> [why]');
    process.exit(2);
  }
  const r = JSON.parse(readFileSync(file, 'utf8')) as { measurements: Measurement[]; hub: unknown };
  const hub = lastJson(readFileSync(hubFile, 'utf8')) as HubFigures;
  const failed = r.hub;
  r.hub = hub;
  r.measurements = withHubRows(r.measurements, hub);
  Object.assign(r, { hubMeasuredSeparately: { at: new Date().toISOString(), why, inRun: failed } });
  writeFileSync(file, JSON.stringify(r, null, 1) + '\n');
  console.log(`${file}: hub rows replaced`);
}
