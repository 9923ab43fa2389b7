import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandReboot, SignalReboot } from './reboot.ts';
import { NodeHost } from './host.ts';
import type { RunResult } from '../../shared/command.ts';

test('command reboot: nsenter into the host by default, systemctl reboot', async () => {
  const ran: string[][] = [];
  const r = new CommandReboot({ exec: async (a) => (ran.push(a), { code: 0, stdout: '', stderr: '' }) });
  await r.reboot();
  assert.deepEqual(ran, [['/usr/bin/nsenter', '-m/proc/1/ns/mnt', '--', '/bin/systemctl', 'reboot']]);
});

const failures: { name: string; res: RunResult; want: RegExp | null }[] = [
  { name: 'non-zero exit fails with stderr', res: { code: 1, stdout: '', stderr: 'Access denied' }, want: /exited 1: Access denied/ },
  { name: 'cannot start fails', res: { code: null, stdout: '', stderr: '', error: 'spawn ENOENT' }, want: /failed: spawn ENOENT/ },
  { name: 'timeout fails', res: { code: null, stdout: '', stderr: '', error: 'timed out after 5 ms' }, want: /timed out/ },
  { name: 'killed by the shutdown counts as issued', res: { code: null, stdout: '', stderr: '' }, want: null },
];
for (const f of failures) {
  test(`command reboot: ${f.name}`, async () => {
    const r = new CommandReboot({ command: ['x'], prefix: [], exec: async () => f.res });
    if (f.want) await assert.rejects(r.reboot(), f.want);
    else await r.reboot();
  });
}

test('command reboot: runs a real command when the prefix is empty', async () => {
  await new CommandReboot({ command: ['true'], prefix: [] }).reboot();
  await assert.rejects(new CommandReboot({ command: ['false'], prefix: [] }).reboot(), /exited 1/);
  assert.throws(() => new CommandReboot({ command: [] }), /empty/);
});

test('signal reboot: signal 39 to PID 1 by default; bad signal refused; kill failure explained', async () => {
  const sent: [number, number][] = [];
  await new SignalReboot({ kill: (p, s) => sent.push([p, s]) }).reboot();
  assert.deepEqual(sent, [[1, 39]]);
  assert.throws(() => new SignalReboot({ signal: 99 }), /1-64/);
  await assert.rejects(new SignalReboot({ kill: () => { throw new Error('EPERM'); } }).reboot(), /hostPID.*EPERM/);
});

test('host composes sentinel and reboot method', async () => {
  let rebooted = false;
  const h = new NodeHost({ check: async () => ({ required: true }), watch: () => ({ dispose() {} }) }, { reboot: async () => void (rebooted = true), describe: () => 'x' });
  assert.deepEqual(await h.checkSentinel(), { required: true });
  await h.reboot();
  assert.ok(rebooted);
});
