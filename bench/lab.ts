// `./dev bench:lab`: the reboot timings on real nodes. Runs the lab's end-to-end tests
// (test/lab/real-nodes.test.ts: three qemu VMs, the image and manifests as shipped, real kernels
// rebooting), which record when each step became visible on the API server, and adds a
// `realNodes` section to bench/results.json: per reboot, the VM's own reboot (reboot issued to node
// Ready) and nodemend's overhead around it (lock to cordon, Ready to uncordon, uncordon to
// release; detection and lock handoffs apart). The drain is reported apart: it is the workload's time
// (evictions, grace periods, the budget), not nodemend's.
//   ./dev bench:lab [--results FILE]      (default bench/results.json)
//   node bench/lab.ts --log FILE [--results FILE]   the same from the output of a lab run already
//                                                   made (./dev test's log: the lines it prints)

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median } from './stats.ts';

const REPO = resolve(import.meta.dirname, '..');

export interface LabReboot {
  node: string;
  method: string;
  spans: Record<string, number | undefined>;
}

export interface LabRun {
  at: string;
  accel?: string;
  lab?: Record<string, number>;
  reboots: LabReboot[];
  handoffsMs: number[];
}

/**
 * The parts of a reboot that are nodemend's own work once it holds the lock, in seconds. How soon
 * it takes the lock is reported apart: for the first node it is detection (sentinel to lock), for
 * the others the handoff (the previous node's release to this node's take); their sentinelToLock
 * is mostly waiting for their turn.
 */
export const OVERHEAD_SPANS = ['lockToCordon', 'readyToUncordon', 'uncordonToRelease'] as const;

export interface LabSummary {
  reboots: number;
  /** Medians over the reboots, seconds. */
  median: Record<string, number | undefined>;
  /** Median of the sum of OVERHEAD_SPANS per reboot, seconds. */
  overheadMedian: number | undefined;
  /** Median release-to-take between two nodes of the rolling reboot, seconds. */
  handoffMedian: number | undefined;
  /** The shortest sentinel-to-lock, seconds: detection by a node that found a slot free. */
  detection: number | undefined;
}

const round = (x: number | undefined) => (x === undefined ? undefined : Math.round(x * 10) / 10);

export function summarizeLab(run: LabRun): LabSummary {
  const keys = [...new Set(run.reboots.flatMap((r) => Object.keys(r.spans)))];
  const med: Record<string, number | undefined> = {};
  for (const k of keys) {
    const xs = run.reboots.map((r) => r.spans[k]).filter((x): x is number => x !== undefined);
    med[k] = xs.length ? round(median(xs)) : undefined;
  }
  const overheads = run.reboots
    .map((r) => OVERHEAD_SPANS.map((k) => r.spans[k]))
    .filter((xs): xs is number[] => xs.every((x) => x !== undefined))
    .map((xs) => xs.reduce((a, b) => a + b, 0));
  const detections = run.reboots.map((r) => r.spans.sentinelToLock).filter((x): x is number => x !== undefined);
  return {
    reboots: run.reboots.length,
    median: med,
    overheadMedian: overheads.length ? round(median(overheads)) : undefined,
    handoffMedian: run.handoffsMs.length ? round(median(run.handoffsMs) / 1000) : undefined,
    detection: detections.length ? round(Math.min(...detections)) : undefined,
  };
}

/** The run from the lines the lab test prints: `lab up: {...}`, `lab-N (method): {...}`, `handoffs (ms): [...]`. */
export function runFromLog(text: string, at: string): LabRun {
  const run: LabRun = { at, reboots: [], handoffsMs: [] };
  for (const line of text.split('\n')) {
    const up = /^lab up: (\{.*\})$/.exec(line.trim());
    if (up) run.lab = JSON.parse(up[1]!) as Record<string, number>;
    const r = /^(lab-\d+) \(([\w, ]+)\): (\{.*\})$/.exec(line.trim());
    if (r) run.reboots.push({ node: r[1]!, method: r[2]!, spans: JSON.parse(r[3]!) as Record<string, number> });
    const h = /^handoffs \(ms\): (\[.*\])$/.exec(line.trim());
    if (h) run.handoffsMs = JSON.parse(h[1]!) as number[];
  }
  return run;
}

function save(file: string, run: LabRun, passed: boolean): void {
  const summary = summarizeLab(run);
  const results = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  results.realNodes = { ...run, testsPassed: passed, cores: cpus().length, summary };
  writeFileSync(file, JSON.stringify(results, null, 1) + '\n');
  console.log(JSON.stringify(summary, null, 1));
  console.log(`bench:lab: wrote realNodes to ${file}${passed ? '' : ' (some lab tests failed: see above)'}`);
}

if (import.meta.filename === process.argv[1]) {
  const arg = (k: string) => {
    const i = process.argv.indexOf(k);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const file = resolve(arg('--results') ?? join(REPO, 'bench/results.json'));
  const log = arg('--log');
  if (log) {
    const text = readFileSync(log, 'utf8');
    const run = runFromLog(text, new Date().toISOString());
    if (!run.reboots.length) {
      console.error(`bench:lab: ${log} has no reboot lines ("lab-N (method): {...}")`);
      process.exit(1);
    }
    save(file, run, !/^\s*✖ /m.test(text));
    process.exit(0);
  }
  const tmp = mkdtempSync(join(tmpdir(), 'nodemend-bench-lab-'));
  const out = join(tmp, 'lab.json');
  // Through the test runner script, so the image, the guest disk and the kubelet are built first.
  const r = spawnSync('node', [join(REPO, 'scripts/test.ts'), 'test/lab/real-nodes.test.ts'], {
    cwd: REPO,
    stdio: 'inherit',
    env: { ...process.env, NODEMEND_LAB_RESULTS: out },
  });
  if (!existsSync(out)) {
    console.error(`bench:lab: the lab run wrote no results (exit ${r.status})`);
    process.exit(1);
  }
  const run = JSON.parse(readFileSync(out, 'utf8')) as LabRun;
  rmSync(tmp, { recursive: true, force: true });
  save(file, run, r.status === 0);
  process.exit(r.status ?? 1);
}
