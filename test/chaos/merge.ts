// Merges the bench/chaos.json-shaped outputs of several chaos runner processes (runs made in
// parallel write one file each) into one file with the same figures.
//   node test/chaos/merge.ts --out=bench/chaos.json a.json b.json ...

import { readFileSync, writeFileSync } from 'node:fs';
import type { ChaosReport } from './chaos.ts';
import { summarize } from './summary.ts';

const args = process.argv.slice(2);
const out = args.find((a) => a.startsWith('--out='))?.slice(6) ?? 'bench/chaos.json';
const files = args.filter((a) => !a.startsWith('--'));
const parts = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as { reports: ChaosReport[]; durationMs: number });
const reports = parts.flatMap((p) => p.reports);
const s = summarize(reports, reports.map((r) => r.seed), parts.reduce((a, p) => a + p.durationMs, 0));
writeFileSync(out, `${JSON.stringify({ ...s, mergedFrom: files.length }, null, 2)}\n`);
console.log(`${s.runs} runs, ${s.nodes} nodes, ${s.faultsTotal} faults, ${s.reboots} reboots, ${s.violations} violations; failing seeds: ${s.failingSeeds.join(',') || 'none'}; wrote ${out}`);
