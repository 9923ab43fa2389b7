import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonLogger, errMsg, parseLogLevel } from './log.ts';

test('json logger: one object per line, level filter, base fields, errors to stderr', () => {
  const out: [string, boolean][] = [];
  const log = jsonLogger('agent', 'info', (l, e) => out.push([l, e])).with({ node: 'n-1' });
  log.debug('hidden');
  log.info('lock acquired', { lease: 'nodemend-lock-0' });
  log.error('boom', { error: new Error('bad') });
  assert.equal(out.length, 2);
  const a = JSON.parse(out[0][0]);
  assert.deepEqual({ level: a.level, component: a.component, msg: a.msg, node: a.node, lease: a.lease }, { level: 'info', component: 'agent', msg: 'lock acquired', node: 'n-1', lease: 'nodemend-lock-0' });
  assert.equal(out[0][1], false);
  assert.equal(JSON.parse(out[1][0]).error, 'bad');
  assert.equal(out[1][1], true);
  const cyc: Record<string, unknown> = {};
  cyc.self = cyc;
  log.warn('cyclic', { cyc });
  assert.equal(JSON.parse(out[2][0]).msg, 'cyclic');
});

test('errMsg and parseLogLevel', () => {
  assert.equal(errMsg(new Error('x')), 'x');
  assert.equal(errMsg('y'), 'y');
  assert.equal(errMsg({ a: 1 }), '{"a":1}');
  assert.equal(parseLogLevel('warn'), 'warn');
  assert.equal(parseLogLevel('verbose'), undefined);
});
