import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePlan } from './plan.ts';
import type { RolloutResult } from './rollout.ts';
import type { TimelineEvent } from './stats.ts';
import { summarize } from './summary.ts';

const ev = (node: string, kind: TimelineEvent['kind'], t: number): TimelineEvent => ({ node, kind, t });
/** Two nodes one after the other; `gap` = lock handoff, `det` = detection. */
function run(system: string, gap: number, det: number, period = 10): RolloutResult {
  const events = [
    ev('a', 'sentinel', 0), ev('b', 'sentinel', 0), ev('a', 'request', det), ev('b', 'request', det),
    ev('a', 'lock', det), ev('a', 'cordon', det), ev('a', 'reboot', det + 1000), ev('a', 'ready', det + 6000), ev('a', 'uncordon', det + 7000), ev('a', 'release', det + 7000),
    ev('b', 'lock', det + 7000 + gap), ev('b', 'cordon', det + 7000 + gap), ev('b', 'reboot', det + 8000 + gap), ev('b', 'ready', det + 13000 + gap), ev('b', 'uncordon', det + 14000 + gap), ev('b', 'release', det + 14000 + gap),
  ];
  return { system, settings: { concurrency: 1, periodSeconds: period }, nodes: 2, completed: true, t0: 0, wallMs: det + 14000 + gap, events, drains: [{ node: 'a', rssKbMax: 2048, cpuPercent: 3 }] };
}

const plan = { ...parsePlan(['--nodes=2', '--concurrency=1', '--kured-periods=10']), hub: null };

test('summarize: rollout, handoff, detection and footprint rows compare both systems', () => {
  const ms = summarize({
    plan, rollouts: [run('nodemend', 200, 500), run('kured', 5000, 4000)], apiPerAgent: { nodemend: 10, kured: 100 }, hub: null, missing: {}, settingsNotes: [],
    idle: { nodemend: { rate: { requests: 1, seconds: 1, perHour: 1 }, rssKb: 102400, cpuPercent: 0.1 }, kured: { rate: { requests: 1, seconds: 1, perHour: 1 }, rssKb: 51200, cpuPercent: 0.05 } },
  });
  const by = Object.fromEntries(ms.map((m) => [m.id, m]));
  assert.deepEqual([by['rollout-c1-p10'].nodemend, by['rollout-c1-p10'].kured], [14.7, 23]);
  // Ideal: nodemend's work, (1 + 5 + 1) s per node, two nodes, one slot.
  assert.match(by['rollout-c1-p10'].notes!.join('\n'), /ideal 14 s/);
  assert.match(by['rollout-c1-p10'].notes!.join('\n'), /kured: at most 1 nodes cordoned at once \(allowed 1\)/);
  assert.deepEqual([by['handoff-p50'].nodemend, by['handoff-p50'].kured], [0.2, 5]);
  assert.deepEqual([by['detection-p95'].nodemend, by['detection-p95'].kured], [0.5, 4]);
  assert.deepEqual([by['rss-idle'].nodemend, by['rss-idle'].kured, by['rss-idle'].ratio], [100, 50, 2]);
  assert.deepEqual([by['rss-drain'].nodemend, by['cpu-drain'].nodemend], [2, 3]);
  assert.equal(by['api-idle'].ratio, 0.1);
  assert.match(by['api-idle'].notes!.join('\n'), /kured: apiserver_request_total delta .* \(no audit log\)/);
});

test('summarize: the API row says what the audit log counted, by verb and resource', () => {
  const audit = { requests: 7, user: 'system:serviceaccount:nodemend:nodemend-agent', seconds: 300, perAgentPerHour: 42, byVerbResource: { 'watch nodes': 4, 'get leases': 3 } };
  const ms = summarize({
    plan, rollouts: [], apiPerAgent: { nodemend: 42 }, hub: null, missing: {}, settingsNotes: [],
    idle: { nodemend: { rate: { requests: 1, seconds: 1, perHour: 1 }, audit, rssKb: 1, cpuPercent: 0, perAgent: [{ node: 'a', rssKb: 1, cpuPercent: 0 }, { node: 'b', rssKb: 1, cpuPercent: 0 }] } },
  });
  const row = ms.find((m) => m.id === 'api-idle')!;
  assert.equal(row.nodemend, 42);
  assert.match(row.notes!.join('\n'), /nodemend: 7 requests by system:serviceaccount:nodemend:nodemend-agent \(2 agents\) in 300 s, counted in the API server's audit log: watch nodes 4, get leases 3/);
});

test('summarize: a missing Kured gives null figures and says why', () => {
  const ms = summarize({ plan, rollouts: [run('nodemend', 200, 500)], idle: {}, apiPerAgent: { nodemend: 5 }, hub: null, missing: { kured: 'not available (set KURED_BIN ...)' }, settingsNotes: [] });
  const r = ms.find((m) => m.id === 'rollout-c1-p10')!;
  assert.equal(r.kured, null);
  assert.equal(r.ratio, null);
  assert.match(r.notes!.join('\n'), /kured: not available \(set KURED_BIN/);
});

test('summarize: an unfinished rollout reports no wall time', () => {
  const bad = { ...run('kured', 5000, 4000), completed: false };
  const ms = summarize({ plan, rollouts: [run('nodemend', 200, 500), bad], idle: {}, apiPerAgent: {}, hub: null, missing: {}, settingsNotes: [] });
  const r = ms.find((m) => m.id === 'rollout-c1-p10')!;
  assert.equal(r.kured, null);
  assert.match(r.notes!.join('\n'), /DID NOT FINISH/);
});

test('summarize: hub figures become nodemend-only rows; a hub failure is reported', () => {
  const hub = { nodes: 100, clients: 5, snapshotBytesPerNode: 900, throughput: { eventsPerSecond: 5000, latencyP95Ms: 3 }, paced: { ratePerSecond: 1000, latencyP50Ms: 0.2, latencyP95Ms: 0.5, latencyP99Ms: 1 }, deltasDroppedForSlowClients: 0 };
  const ok = summarize({ plan, rollouts: [], idle: {}, apiPerAgent: {}, hub, missing: {}, settingsNotes: [] }).filter((m) => m.id.startsWith('hub'));
  assert.deepEqual(ok.map((m) => [m.id, m.nodemend, m.kured]), [['hub-throughput', 5000, null], ['hub-latency-p95', 0.5, null], ['hub-snapshot', 900, null]]);
  // Memory rows only where the file has them (files from before session 5 do not).
  const memory = { loadedRssMiB: 120, loadedHeapAfterGcMiB: 40, clientsConnectedHeapAfterGcMiB: 41, afterRunsHeapAfterGcMiB: 45 };
  const withMemory = summarize({ plan, rollouts: [], idle: {}, apiPerAgent: {}, hub: { ...hub, memory }, missing: {}, settingsNotes: [] }).filter((m) => m.id.startsWith('hub'));
  assert.deepEqual(withMemory.slice(3).map((m) => [m.id, m.nodemend, m.units, m.n]), [['hub-rss', 120, 'MiB', 100], ['hub-heap', 45, 'MiB', 100]]);
  const failed = summarize({ plan, rollouts: [], idle: {}, apiPerAgent: {}, hub: 'hub-fanout exited 1', missing: {}, settingsNotes: [] }).filter((m) => m.id.startsWith('hub'));
  assert.deepEqual(failed.map((m) => m.notes), [['hub-fanout exited 1']]);
});

test('summarize: footprint per node-options variant, side by side with Kured', () => {
  const r = run('nodemend', 200, 500);
  r.drains = [{ node: 'a', rssKbMax: 100 * 1024, cpuPercent: 4, variant: '' }, { node: 'b', rssKbMax: 60 * 1024, cpuPercent: 6, variant: '--lite-mode' }];
  const idle = {
    nodemend: { rate: { requests: 1, seconds: 1, perHour: 1 }, rssKb: 0, cpuPercent: 0, perAgent: [
      { node: 'a', variant: '', rssKb: 90 * 1024, cpuPercent: 0.2 }, { node: 'b', variant: '--lite-mode', rssKb: 50 * 1024, cpuPercent: 0.4 },
      { node: 'c', variant: '', rssKb: 110 * 1024, cpuPercent: 0.4 }, { node: 'd', variant: '--lite-mode', rssKb: 70 * 1024, cpuPercent: 0.2 }] },
    kured: { rate: { requests: 1, seconds: 1, perHour: 1 }, rssKb: 40 * 1024, cpuPercent: 0.01, perAgent: [{ node: 'a', rssKb: 40 * 1024, cpuPercent: 0.01 }] },
  };
  const ms = summarize({ plan, rollouts: [r], idle, apiPerAgent: {}, hub: null, missing: {}, settingsNotes: [], agentCommand: { program: 'backend.mjs', envNodeOptions: '--enable-source-maps', variants: ['', '--lite-mode'] } });
  const by = Object.fromEntries(ms.map((m) => [m.id, m]));
  assert.deepEqual([by['rss-idle'].nodemend, by['rss-idle'].kured, by['rss-idle'].ratio], [100, 40, 2.5]);
  assert.deepEqual([by['rss-idle@1'].nodemend, by['cpu-idle@1'].nodemend, by['rss-drain@1'].nodemend, by['cpu-drain@1'].nodemend], [60, 0.3, 60, 6]);
  assert.match(by['rss-idle@1'].what, /\[--lite-mode\]/);
  assert.equal(by['rss-idle@1'].settings.nodemendNodeOptions, '--enable-source-maps --lite-mode');
  assert.equal(by['rss-idle'].settings.nodemendNodeOptions, '--enable-source-maps');
  assert.match(by['rss-idle'].notes!.join('\n'), /nodemend: 2 idle agents, 1 drains/);
});

test('summarize: extension tree timing becomes nodemend-only rows; a failure is reported', () => {
  const tree = { nodes: 2000, firstBuildMs: 12, updateOneNodeMedianMs: 0.59, updateGroupChangeMedianMs: 0.7, update50NodesMedianMs: 1.5 };
  const rows = summarize({ plan, rollouts: [], idle: {}, apiPerAgent: {}, hub: null, missing: {}, settingsNotes: [], tree }).filter((m) => m.id.startsWith('tree'));
  assert.deepEqual(rows.map((m) => [m.id, m.nodemend, m.kured, m.ratio, m.n, m.units]), [
    ['tree-update-one', 0.59, null, null, 2000, 'ms'], ['tree-update-group', 0.7, null, null, 2000, 'ms'], ['tree-update-50', 1.5, null, null, 2000, 'ms'], ['tree-first-build', 12, null, null, 2000, 'ms']]);
  const failed = summarize({ plan, rollouts: [], idle: {}, apiPerAgent: {}, hub: null, missing: {}, settingsNotes: [], tree: 'bench.ts exited 1' }).filter((m) => m.id.startsWith('tree'));
  assert.deepEqual(failed.map((m) => m.notes), [['bench.ts exited 1']]);
});

test('withHubRows replaces a failed hub row by the figures, in place', async () => {
  const { withHubRows } = await import('./merge-hub.ts');
  const hub = { nodes: 2000, clients: 50, snapshotBytesPerNode: 900, throughput: { eventsPerSecond: 5000, latencyP95Ms: 3 }, paced: { ratePerSecond: 1000, latencyP50Ms: 0.2, latencyP95Ms: 0.5, latencyP99Ms: 1 }, deltasDroppedForSlowClients: 0 };
  const before = summarize({ plan, rollouts: [], idle: {}, apiPerAgent: {}, hub: 'hub-fanout printed no JSON', missing: {}, settingsNotes: [], tree: { nodes: 2000, firstBuildMs: 1, updateOneNodeMedianMs: 0.5, updateGroupChangeMedianMs: 0.5, update50NodesMedianMs: 1 } });
  const after = withHubRows(before, hub);
  const ids = after.map((m) => m.id);
  assert.deepEqual(ids.filter((x) => x.startsWith('hub')), ['hub-throughput', 'hub-latency-p95', 'hub-snapshot']);
  assert.ok(ids.indexOf('hub-snapshot') < ids.indexOf('tree-update-one'));
  assert.equal(after.find((m) => m.id === 'hub-throughput')!.nodemend, 5000);
  assert.equal(after.length, before.length + 2);
});
