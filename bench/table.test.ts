import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMarkdown, formatTable, measurement } from './table.ts';
import { kuredHolders } from './kured.ts';
import { leaseHolders, nodemendRequested } from './nodemend.ts';
import { parsePlan } from './plan.ts';

const rows = [
  measurement({ id: 'a', what: 'rollout', units: 's', nodemend: 120.123, kured: 600, n: 20, settings: {} }),
  measurement({ id: 'b', what: 'hub fan-out', units: 'events/s', nodemend: 5000, kured: null, n: 2000, settings: {} }),
  measurement({ id: 'c', what: 'rss', units: 'MiB', nodemend: 1.234, kured: 0, n: 1, settings: {} }),
];

test('measurement computes the ratio and rounds', () => {
  assert.equal(rows[0].ratio, 0.2);
  assert.equal(rows[0].nodemend, 120.123);
  assert.equal(rows[1].ratio, null);
  assert.equal(rows[2].ratio, null);
});

test('formatTable aligns columns and shows n/a for missing sides', () => {
  const lines = formatTable(rows).split('\n');
  assert.equal(lines.length, 5);
  assert.ok(lines[0].startsWith('measurement'));
  assert.equal(new Set(lines.map((l) => l.length)).size, 1, 'every line has the same width');
  assert.match(lines[2], /rollout\s+s\s+20\s+120\s+600\s+0\.20x$/);
  assert.match(lines[3], /n\/a\s+n\/a$/);
  assert.match(lines[4], /1\.23\s+0\.00\s+n\/a$/);
});

test('formatMarkdown has a header and one row per measurement', () => {
  const md = formatMarkdown(rows).split('\n');
  assert.equal(md.length, 2 + rows.length);
  assert.equal(md[2], '| rollout | s | 20 | 120 | 600 | 0.20x |');
});

const ds = (v?: string) => ({ metadata: { annotations: v === undefined ? {} : { 'weave.works/kured-node-lock': v } } });
const holderCases: { name: string; obj: unknown; want: string[] }[] = [
  { name: 'no annotation', obj: ds(), want: [] },
  { name: 'single lock', obj: ds('{"nodeID":"n-1","metadata":{"unschedulable":false},"created":"2026-01-01T00:00:00Z","TTL":0}'), want: ['n-1'] },
  { name: 'released single lock', obj: ds('{"nodeID":"","metadata":{},"created":"0001-01-01T00:00:00Z","TTL":0}'), want: [] },
  { name: 'multi lock', obj: ds('{"maxOwners":2,"locks":[{"nodeID":"a"},{"nodeID":"b"}]}'), want: ['a', 'b'] },
  { name: 'garbage', obj: ds('{nope'), want: [] },
  { name: 'not an object', obj: null, want: [] },
];
for (const c of holderCases) test(`kuredHolders: ${c.name}`, () => assert.deepEqual(kuredHolders(c.obj), c.want));

const leaseCases: { name: string; obj: unknown; want: string[] }[] = [
  { name: 'held slot', obj: { metadata: { name: 'nodemend-lock-0' }, spec: { holderIdentity: 'n-3' } }, want: ['n-3'] },
  { name: 'free slot', obj: { metadata: { name: 'nodemend-lock-1' }, spec: {} }, want: [] },
  { name: 'other lease', obj: { metadata: { name: 'hub-leader' }, spec: { holderIdentity: 'x' } }, want: [] },
];
for (const c of leaseCases) test(`leaseHolders: ${c.name}`, () => assert.deepEqual(leaseHolders(c.obj), c.want));

const stateCases: { phase: string | null; want: boolean }[] = [
  { phase: 'waiting-lock', want: true },
  { phase: 'draining', want: true },
  { phase: 'healthy', want: false },
  { phase: 'reboot-required', want: false },
  { phase: null, want: false },
];
for (const c of stateCases) {
  test(`nodemendRequested: ${c.phase}`, () => {
    const annotations: Record<string, string> = c.phase === null ? {} : { 'nodemend.dev/state': JSON.stringify({ v: 1, phase: c.phase }) };
    const node = { metadata: { annotations } };
    assert.equal(nodemendRequested(node), c.want);
  });
}

const planCases: { argv: string[]; check: (p: ReturnType<typeof parsePlan>) => void }[] = [
  { argv: [], check: (p) => assert.deepEqual([p.nodes, p.concurrencies, p.kuredPeriods, p.quick], [20, [1, 2], [10, 60], false]) },
  { argv: ['--quick'], check: (p) => assert.equal(p.quick, true) },
  { argv: ['--quick', '--nodes=8', '--concurrency=1,3', '--no-hub'], check: (p) => assert.deepEqual([p.nodes, p.concurrencies, p.hub], [8, [1, 3], null]) },
];
for (const c of planCases) test(`parsePlan ${c.argv.join(' ') || '(defaults)'}`, () => c.check(parsePlan(c.argv)));

const badPlan: { argv: string[]; re: RegExp }[] = [
  { argv: ['--nodes=1'], re: /--nodes: expected an integer >= 2/ },
  { argv: ['--concurrency=1,x'], re: /--concurrency: expected positive integers/ },
  { argv: ['--frobnicate=2'], re: /unknown flag --frobnicate/ },
  { argv: ['fast'], re: /unknown argument "fast"/ },
];
for (const c of badPlan) test(`parsePlan rejects ${c.argv.join(' ')}`, () => assert.throws(() => parsePlan(c.argv), c.re));

test('inPrivateMounts binds in order, then execs the command with its arguments', async () => {
  const { inPrivateMounts } = await import('./procs.ts');
  const [cmd, argv] = inPrivateMounts([['/a', '/x'], ['/b', '/y']], '/bin/agent', ['--n=1']);
  assert.equal(cmd, 'unshare');
  assert.deepEqual(argv.slice(0, 4), ['--mount', '--propagation', 'private', 'sh']);
  assert.equal(argv[5], 'mount --bind "$1" "$2" && mount --bind "$3" "$4" && shift 4 && exec "$@"');
  assert.deepEqual(argv.slice(6), ['sh', '/a', '/x', '/b', '/y', '/bin/agent', '--n=1']);
});

const morePlan: { argv: string[]; check: (p: ReturnType<typeof parsePlan>) => void }[] = [
  { argv: [], check: (p) => assert.deepEqual([p.systems, p.skip, p.deadline, p.nodeOptions, p.nodemendReps, p.treeNodes], [['nodemend', 'kured'], [], null, [''], 1, 2000]) },
  { argv: ['--reps=2'], check: (p) => assert.equal(p.nodemendReps, 2) },
  { argv: ['--reps=1', '--nodemend-reps=3'], check: (p) => assert.deepEqual([p.reps, p.nodemendReps], [1, 3]) },
  { argv: ['--systems=nodemend', '--skip=kured-c1-p60,nodemend-c2-p10', '--deadline=22:05', '--no-tree'], check: (p) => assert.deepEqual([p.systems, p.skip, p.deadline, p.treeNodes], [['nodemend'], ['kured-c1-p60', 'nodemend-c2-p10'], '22:05', null]) },
  { argv: ['--node-options=;--max-semi-space-size=1 --lite-mode;@source'], check: (p) => assert.deepEqual(p.nodeOptions, ['', '--max-semi-space-size=1 --lite-mode', '@source']) },
];
for (const c of morePlan) test(`parsePlan ${c.argv.join(' ') || '(defaults: systems, skip, deadline, variants)'}`, () => c.check(parsePlan(c.argv)));

const moreBad: { argv: string[]; re: RegExp }[] = [
  { argv: ['--systems=kured,linkerd'], re: /--systems: expected nodemend and\/or kured/ },
  { argv: ['--skip=kured-1-60'], re: /--skip: expected keys like kured-c1-p60/ },
  { argv: ['--deadline=25:00'], re: /--deadline: expected local time HH:MM/ },
  { argv: ['--nodemend-reps=0'], re: /--nodemend-reps: expected an integer >= 1/ },
];
for (const c of moreBad) test(`parsePlan rejects ${c.argv.join(' ')}`, () => assert.throws(() => parsePlan(c.argv), c.re));

test('deadlineMs: same day, next day after midnight, none', async () => {
  const { deadlineMs } = await import('./plan.ts');
  const now = new Date(2026, 10, 24, 20, 45, 0);
  assert.equal(deadlineMs('22:10', now), new Date(2026, 10, 24, 22, 10, 0).getTime());
  assert.equal(deadlineMs('00:30', new Date(2026, 10, 24, 23, 50, 0)), new Date(2026, 10, 25, 0, 30, 0).getTime());
  // A deadline just passed is in the past (no rollout starts), not tomorrow.
  assert.equal(deadlineMs('20:40', now), new Date(2026, 10, 24, 20, 40, 0).getTime());
  assert.equal(deadlineMs(null, now), Infinity);
});

test('rolloutKey names a rollout as --skip expects it', async () => {
  const { rolloutKey } = await import('./plan.ts');
  assert.equal(rolloutKey('kured', 1, 60), 'kured-c1-p60');
});

test('programFor: the shipped bundle unless a variant asks for the source or the readable bundle', async () => {
  const { programFor } = await import('./nodemend.ts');
  const p = { shipped: '/b/backend.mjs', source: '/r/backend/main.ts', readable: '/b/readable/backend.mjs' };
  assert.equal(programFor('', p), p.shipped);
  assert.equal(programFor('--max-semi-space-size=1', p), p.shipped);
  assert.equal(programFor('@source', p), p.source);
  assert.equal(programFor('@readable --lite-mode', p), p.readable);
  assert.throws(() => programFor('@readable', { shipped: 'x', source: 'y' }), /needs the readable \(unminified\) bundle/);
});

test('imageNodeOptions reads NODE_OPTIONS from the Dockerfile, quoted or not', async () => {
  const { imageNodeOptions } = await import('./bundle.ts');
  assert.equal(imageNodeOptions('ENV NODE_ENV=production \\\n    NODE_OPTIONS=--enable-source-maps\n'), '--enable-source-maps');
  assert.equal(imageNodeOptions('ENV NODE_OPTIONS="--max-semi-space-size=1 --lite-mode"\n'), '--max-semi-space-size=1 --lite-mode');
  assert.equal(imageNodeOptions('FROM node\n'), '');
});

test('agentHome: a folder per agent, a reboot command that creates the marker, a free port', async () => {
  const { mkdtempSync, existsSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { execFileSync } = await import('node:child_process');
  const { agentHome } = await import('./procs.ts');
  const dir = mkdtempSync(join(tmpdir(), 'bench-home-'));
  try {
    const h = await agentHome(dir, 'kured', 'node-1', join(dir, 'marker'));
    assert.equal(h.nodeDir, join(dir, 'kured', 'node-1'));
    assert.ok(h.metricsPort > 0);
    execFileSync(h.rebootScript);
    assert.ok(existsSync(join(dir, 'marker')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('agentNodeCommand: the DaemonSet container NODE_OPTIONS replaces the image one; a command override adds options', async () => {
  const { agentNodeCommand } = await import('./bundle.ts');
  const docker = 'ENV NODE_OPTIONS=--enable-source-maps\n';
  const ds = (container: string) => `apiVersion: apps/v1\nkind: DaemonSet\nspec:\n  template:\n    spec:\n      containers:\n${container}`;
  const none = agentNodeCommand(ds('      - name: agent\n        args: ["agent"]\n'), docker);
  assert.deepEqual([none.envNodeOptions, none.cliOptions], ['--enable-source-maps', []]);
  assert.match(none.source, /Dockerfile/);
  const env = agentNodeCommand(ds('      - name: agent\n        env:\n        - name: NODE_OPTIONS\n          value: "--max-semi-space-size=1 --jitless"\n'), docker);
  assert.deepEqual([env.envNodeOptions, env.cliOptions], ['--max-semi-space-size=1 --jitless', []]);
  const cmd = agentNodeCommand(ds('      - name: agent\n        command: ["node", "--lite-mode", "/app/backend.mjs"]\n'), docker);
  assert.deepEqual([cmd.envNodeOptions, cmd.cliOptions], ['--enable-source-maps', ['--lite-mode']]);
  assert.throws(() => agentNodeCommand(ds('      - name: hub\n'), docker), /no container named "agent"/);
});

test('containerNodeCommand: finds the container in a multi-document manifest; an empty NODE_OPTIONS turns the image one off', async () => {
  const { containerNodeCommand } = await import('./bundle.ts');
  const docker = 'ENV NODE_ENV=production \\\n    NODE_OPTIONS=--enable-source-maps\n';
  const manifest = 'kind: ServiceAccount\n---\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: hub\n        env:\n        - name: NODE_OPTIONS\n          value: ""\n';
  const hub = containerNodeCommand(manifest, 'hub.yaml', 'hub', docker);
  assert.deepEqual([hub.envNodeOptions, hub.source], ['', 'NODE_OPTIONS of the hub container in hub.yaml']);
  const image = containerNodeCommand(manifest.replace(/        env:[\s\S]*$/, ''), 'hub.yaml', 'hub', docker);
  assert.equal(image.envNodeOptions, '--enable-source-maps');
});

test('waitAllReady waits for every agent, is null without a readiness check, and gives up', async () => {
  const { waitAllReady } = await import('./rollout.ts');
  const procs = new Map(['a', 'b'].map((n) => [n, { node: n, pid: 1, exited: Promise.resolve(), logPath: `/log/${n}` }]));
  let calls = 0;
  const sut = { name: 'nodemend', ready: async (p: { node: string }) => p.node === 'a' || ++calls > 2 } as never;
  assert.ok((await waitAllReady(sut, procs, 10_000, () => false))! >= 0);
  assert.ok(calls >= 3);
  assert.equal(await waitAllReady({ name: 'kured' } as never, procs, 10_000, () => false), null);
  const never = { name: 'nodemend', ready: async () => false } as never;
  await assert.rejects(waitAllReady(never, procs, 600, () => false), /2 agents not ready after 0.6 s \(e.g. a, see \/log\/a\)/);
});
