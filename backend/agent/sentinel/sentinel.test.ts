import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSentinel } from './file.ts';
import { CommandSentinel } from './command.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'nodemend-sentinel-'));

/** Resolves with the ms it took for `cb` to be called, or rejects after ms. */
function calledWithin(ms: number): { cb: () => void; done: Promise<number> } {
  const t0 = Date.now();
  let cb!: () => void;
  const done = new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`not called within ${ms} ms`)), ms);
    cb = () => {
      clearTimeout(t);
      resolve(Date.now() - t0);
    };
  });
  return { cb, done };
}

test('file sentinel: existence means required; a relative path is refused', async () => {
  const dir = tmp();
  const s = new FileSentinel({ path: join(dir, 'reboot-required') });
  assert.deepEqual(await s.check(), { required: false });
  writeFileSync(join(dir, 'reboot-required'), '');
  assert.deepEqual(await s.check(), { required: true });
  assert.deepEqual(await new FileSentinel({ path: join(dir, 'reboot-required', 'x') }).check(), { required: false });
  assert.throws(() => new FileSentinel({ path: 'var/run/x' }), /absolute path/);
  rmSync(dir, { recursive: true });
});

test('file sentinel: an unreadable path (symlink loop) gives unknown, not "not required"', async () => {
  const dir = tmp();
  symlinkSync(join(dir, 'loop'), join(dir, 'loop'));
  const r = await new FileSentinel({ path: join(dir, 'loop', 'f') }).check();
  assert.match('unknown' in r ? r.unknown : '', /ELOOP/);
  rmSync(dir, { recursive: true });
});

test('file sentinel: the watch reports a file created later within a second', async () => {
  const dir = tmp();
  const path = join(dir, 'reboot-required');
  const s = new FileSentinel({ path, recheckMs: 60_000 });
  const w = calledWithin(1000);
  const d = s.watch(w.cb);
  await new Promise((r) => setTimeout(r, 50));
  writeFileSync(path, '');
  const ms = await w.done;
  assert.ok(ms < 1000);
  d.dispose();
  rmSync(dir, { recursive: true });
});

test('file sentinel: a directory that appears later is caught by the re-check', async () => {
  const root = tmp();
  const dir = join(root, 'run');
  const s = new FileSentinel({ path: join(dir, 'reboot-required'), recheckMs: 150, random: () => 0.5 });
  let calls = 0;
  const d = s.watch(() => calls++);
  await new Promise((r) => setTimeout(r, 200));
  mkdirSync(dir);
  writeFileSync(join(dir, 'reboot-required'), '');
  await new Promise((r) => setTimeout(r, 600));
  assert.ok(calls >= 1, 'change noticed');
  assert.deepEqual(await s.check(), { required: true });
  // No change, no more calls from the re-check.
  const before = calls;
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(calls, before);
  d.dispose();
  rmSync(root, { recursive: true });
});

const cmdCases: { name: string; script: string; want: object | RegExp }[] = [
  { name: 'exit 0 = required', script: 'exit 0', want: { required: true } },
  { name: 'exit 1 = not required', script: 'exit 1', want: { required: false } },
  { name: 'exit 2 = unknown with stderr', script: 'echo broken >&2; exit 2', want: /exited 2: broken/ },
  { name: 'killed by signal = unknown', script: 'kill -9 $$', want: /exited by signal/ },
];
for (const c of cmdCases) {
  test(`command sentinel: ${c.name}`, async () => {
    const r = await new CommandSentinel({ command: ['sh', '-c', c.script], prefix: [] }).check();
    if (c.want instanceof RegExp) assert.match('unknown' in r ? r.unknown : '', c.want);
    else assert.deepEqual(r, c.want);
  });
}

test('command sentinel: timeout and missing binary are unknown', async () => {
  const slow = await new CommandSentinel({ command: ['sleep', '5'], prefix: [], timeoutMs: 100 }).check();
  assert.match('unknown' in slow ? slow.unknown : '', /timed out/);
  const missing = await new CommandSentinel({ command: ['/nonexistent/x'], prefix: [] }).check();
  assert.match('unknown' in missing ? missing.unknown : '', /ENOENT/);
  assert.throws(() => new CommandSentinel({ command: [] }), /empty/);
});

test('command sentinel: runs through the nsenter prefix by default', async () => {
  let argv: string[] = [];
  const s = new CommandSentinel({ command: ['test', '-f', '/var/run/reboot-required'], exec: async (a) => ((argv = a), { code: 1, stdout: '', stderr: '' }) });
  assert.deepEqual(await s.check(), { required: false });
  assert.deepEqual(argv, ['/usr/bin/nsenter', '-m/proc/1/ns/mnt', '--', 'test', '-f', '/var/run/reboot-required']);
});

test('command sentinel: watch calls back every period', async () => {
  let n = 0;
  const d = new CommandSentinel({ command: ['true'], prefix: [], periodMs: 60, random: () => 0 }).watch(() => n++);
  await new Promise((r) => setTimeout(r, 400));
  d.dispose();
  assert.ok(n >= 3, `called ${n} times`);
});
