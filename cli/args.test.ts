import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from './args.ts';

// 2026-12-06 19:00 UTC = 20:00 in Berlin.
const NOW = Date.parse('2026-12-06T19:00:00Z');
const p = (...argv: string[]) => parse(argv, NOW, 'UTC');
const ok = (...argv: string[]) => {
  const r = p(...argv);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r;
};
const err = (...argv: string[]) => {
  const r = p(...argv);
  assert.ok(!r.ok, `expected a usage error for ${argv.join(' ')}`);
  return r.error;
};

test('schedule --at reads the time in --tz; --in adds a duration in the project syntax', () => {
  const at = ok('schedule', 'n-1', '--at', '02:00', '--tz', 'Europe/Berlin');
  assert.deepEqual(at.cmd, { kind: 'schedule', nodes: ['n-1'], at: Date.parse('2026-12-07T01:00:00Z') });
  assert.equal(at.global.zone, 'Europe/Berlin');
  const inn = ok('schedule', 'n-1', 'n-2', '--in', '1h30m');
  assert.deepEqual(inn.cmd, { kind: 'schedule', nodes: ['n-1', 'n-2'], at: NOW + 90 * 60_000 });
  assert.deepEqual(ok('schedule', 'n-1', '--at=now').cmd, { kind: 'schedule', nodes: ['n-1'], at: NOW });
});

test('kubectl-style global flags anywhere on the line', () => {
  const r = ok('--context', 'prod', 'status', '-o', 'wide', '--kubeconfig=/k', '-n', 'ops');
  assert.deepEqual(r.global, { context: 'prod', kubeconfig: '/k', namespace: 'ops', output: 'wide', zone: 'UTC' });
  assert.deepEqual(r.cmd, { kind: 'status', nodes: [] });
});

test('block: reason required, --for or --until, not both; pause is the cluster-wide form', () => {
  assert.deepEqual(ok('block', 'n-1', '--reason', 'close', '--for', '3h').cmd, { kind: 'block', nodes: ['n-1'], reason: 'close', until: NOW + 3 * 3600_000 });
  assert.deepEqual(ok('block', 'n-1', '--reason', 'close').cmd, { kind: 'block', nodes: ['n-1'], reason: 'close' });
  assert.deepEqual(ok('pause', '--reason', 'freeze', '--until', '2026-12-24T08:00:00Z').cmd, { kind: 'pause', reason: 'freeze', until: Date.parse('2026-12-24T08:00:00Z') });
  assert.match(err('block', 'n-1'), /needs --reason/);
  assert.match(err('block', 'n-1', '--reason', '  '), /--reason: expected a non-empty reason/);
  assert.match(err('block', 'n-1', '--reason', 'x', '--for', '1h', '--until', '22:00'), /not both/);
  assert.match(err('pause', 'n-1', '--reason', 'x'), /takes no arguments/);
});

test('force asks for --yes; cancel, unblock, history, locks, resume, completion', () => {
  assert.match(err('force', 'n-1'), /Add --yes/);
  assert.deepEqual(ok('force', 'n-1', '--yes').cmd, { kind: 'force', nodes: ['n-1'], at: NOW });
  assert.deepEqual(ok('cancel', 'a', 'b', 'a').cmd, { kind: 'cancel', nodes: ['a', 'b'] });
  assert.deepEqual(ok('unblock', 'a').cmd, { kind: 'unblock', nodes: ['a'] });
  assert.deepEqual(ok('history', 'a').cmd, { kind: 'history', node: 'a' });
  assert.match(err('history', 'a', 'b'), /at most 1 node/);
  assert.deepEqual(ok('locks').cmd, { kind: 'locks' });
  assert.deepEqual(ok('resume').cmd, { kind: 'resume' });
  assert.deepEqual(ok('version').cmd, { kind: 'version' });
  assert.deepEqual(ok('completion', 'zsh').cmd, { kind: 'completion', shell: 'zsh' });
  assert.match(err('completion', 'fish'), /bash\|zsh/);
  assert.deepEqual(ok('block', '--help').cmd, { kind: 'help', topic: 'block' });
  assert.deepEqual(ok().cmd, { kind: 'help', topic: undefined });
});

test('usage errors name the flag and the fix', () => {
  const cases: [string[], RegExp][] = [
    [['schedule', 'n-1'], /exactly one of --at TIME .* or --in DURATION/],
    [['schedule', 'n-1', '--at', '1:00', '--in', '1h'], /exactly one of/],
    [['schedule', 'n-1', '--at', '25:00'], /^--at: "25:00" is not a time of day.*Give a time such as now/],
    [['schedule', 'n-1', '--at', 'soon'], /^--at: "soon" is not a time nodemend understands/],
    [['schedule', 'n-1', '--at', '2020-01-01T00:00:00Z'], /^--at: .*in the past/],
    [['schedule', 'n-1', '--in', '2 hours'], /^--in: expected a duration such as 30m, 2h, 1h30m or 1d, got "2 hours"/],
    [['schedule', 'n-1', '--in', '400d'], /^--in: .*more than a year/],
    [['schedule', 'N_1', '--in', '1h'], /"N_1" is not a node name/],
    [['schedule', '--in', '1h'], /needs a node name/],
    [['status', '--tz', 'Mars/Olympus'], /^--tz "Mars\/Olympus" is not a time zone; give an IANA name/],
    [['status', '-o', 'xml'], /^--output "xml" is not supported; use one of table, wide, json, yaml/],
    [['status', '-o'], /^--output needs a value, e.g. --output=wide/],
    [['status', '--bogus'], /^Unknown flag --bogus/],
    [['status', '--yes'], /^--yes does not apply to "status"/],
    [['unblock', 'n-1', '--for', '1h'], /^--for does not apply to "unblock"/],
    [['reboot', 'n-1'], /^Unknown command "reboot"; the commands are status, schedule/],
    [['status', '-n', 'Bad_NS'], /^--namespace "Bad_NS" is not a namespace name/],
    [['status', '--context', ''], /^--context is empty/],
  ];
  for (const [argv, want] of cases) assert.match(err(...argv), want, argv.join(' '));
});
