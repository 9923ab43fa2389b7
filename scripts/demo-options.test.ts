import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deadlockingBudgets, disruptionsAllowed, parseDemoArgs, usage, WHOLE_OPTIONS } from './demo-options.ts';

test('no arguments: the documented defaults', () => {
  assert.deepEqual(parseDemoArgs([]), {
    kind: 'run',
    options: { nodes: 30, needsReboot: 10, rebootSeconds: 30, concurrency: 2, trickleSeconds: 60, trickleGiven: false, real: false },
  });
});

test('every option is read, in both spellings (--x N and --x=N)', () => {
  const r = parseDemoArgs(['--nodes', '5', '--needs-reboot=2', '--reboot-seconds', '10', '--concurrency=1', '--trickle-seconds', '0', '--real']);
  assert.deepEqual(r, { kind: 'run', options: { nodes: 5, needsReboot: 2, rebootSeconds: 10, concurrency: 1, trickleSeconds: 0, trickleGiven: true, real: true } });
});

test('--help and -h ask for the usage, which documents every option with its default', () => {
  assert.deepEqual(parseDemoArgs(['--help']), { kind: 'help' });
  assert.deepEqual(parseDemoArgs(['-h']), { kind: 'help' });
  assert.deepEqual(parseDemoArgs(['--nodes', '5', '--help']), { kind: 'help' });
  const u = usage();
  for (const [name, o] of Object.entries(WHOLE_OPTIONS)) assert.match(u, new RegExp(`--${name} N .*default ${o.default}\\)`), name);
  assert.match(u, /--real/);
  assert.match(u, /--help/);
});

test('a bad option is one line that names it', () => {
  const cases: [string[], RegExp][] = [
    [['--node', '5'], /^unknown option --node; \.\/dev demo --help lists the options$/],
    [['--nodes'], /^--nodes: needs a value/],
    [['--real=yes'], /^--real: takes no value$/],
    [['--nodes', 'ten'], /^--nodes: expected a whole number from 3 to 200, got "ten"$/],
    [['--nodes', '2'], /^--nodes: expected a whole number from 3 to 200, got "2"$/],
    [['--nodes', '1.5'], /^--nodes: expected a whole number/],
    [['--concurrency', ''], /^--concurrency: expected a whole number/],
    [['--nodes', '5', '--needs-reboot', '6'], /^--needs-reboot: 6 is more than --nodes 5; give at most 5$/],
    [['extra'], /^unexpected argument extra: the demo takes options only/],
  ];
  for (const [argv, re] of cases) {
    const r = parseDemoArgs(argv);
    assert.equal(r.kind, 'error', argv.join(' '));
    if (r.kind !== 'error') continue;
    assert.match(r.error, re, argv.join(' '));
    assert.doesNotMatch(r.error, /\n/, 'one line');
  }
});

test('disruptionsAllowed follows the disruption controller (percentages round up)', () => {
  assert.equal(disruptionsAllowed({ name: 'a', replicas: 3, minAvailable: '75%' }), 0);
  assert.equal(disruptionsAllowed({ name: 'a', replicas: 4, minAvailable: '75%' }), 1);
  assert.equal(disruptionsAllowed({ name: 'a', replicas: 3, minAvailable: 2 }), 1);
  assert.equal(disruptionsAllowed({ name: 'a', replicas: 2, maxUnavailable: 1 }), 1);
  assert.equal(disruptionsAllowed({ name: 'a', replicas: 2, maxUnavailable: 0 }), 0);
  assert.equal(disruptionsAllowed({ name: 'a', replicas: 10, maxUnavailable: '25%' }), 3);
});

// seedCluster's (tools/harness/workloads.ts) budgets as a function of the node count.
const seeded = (n: number) => [
  { name: 'web', replicas: Math.max(2, Math.ceil(n / 2)), maxUnavailable: 1 },
  { name: 'api', replicas: Math.max(3, Math.ceil(n / 4)), minAvailable: '75%' },
  { name: 'quorum', replicas: 3, minAvailable: 2 },
];

test('on fewer than 13 nodes the "api" budget would let no pod go, and is the one relaxed; from 13 on none is', () => {
  for (let n = 3; n < 13; n++) assert.deepEqual(deadlockingBudgets(seeded(n)), ['api'], `${n} nodes`);
  for (let n = 13; n <= 200; n++) assert.deepEqual(deadlockingBudgets(seeded(n)), [], `${n} nodes`);
  assert.deepEqual(deadlockingBudgets([{ name: 'empty', replicas: 0, minAvailable: 1 }]), [], 'a budget over no pods holds no drain');
});
