import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { AgentMetrics } from './metrics.ts';
import { startMetricsServer } from './server.ts';

test('metrics: Kured gauge and nodemend series over HTTP on 127.0.0.1; probes follow their callbacks', async () => {
  const m = new AgentMetrics('n-1');
  m.setRebootRequired(true);
  m.setLockHeld(true);
  m.setBlocked(['alerts', 'manual']);
  m.setBlocked(['alerts']);
  m.observeDrain(42, true);
  m.reboot('succeeded');
  m.reboot('failed');
  m.apiError('lease-acquire');
  let ready = false;
  const s = await startMetricsServer({ host: '127.0.0.1', port: 0, registry: m.registry, ready: () => ready });
  try {
    const base = `http://127.0.0.1:${s.port}`;
    const text = await (await fetch(`${base}/metrics`)).text();
    for (const line of [
      'kured_reboot_required{node="n-1"} 1',
      'nodemend_lock_held{node="n-1"} 1',
      'nodemend_blocked{node="n-1",reason="alerts"} 1',
      'nodemend_blocked{node="n-1",reason="manual"} 0',
      'nodemend_drain_duration_seconds_count{node="n-1",result="ok"} 1',
      'nodemend_drain_duration_seconds_bucket{le="60",node="n-1",result="ok"} 1',
      'nodemend_reboots_total{node="n-1",outcome="succeeded"} 1',
      'nodemend_reboots_total{node="n-1",outcome="failed"} 1',
      'nodemend_api_errors_total{node="n-1",op="lease-acquire"} 1',
    ]) assert.ok(text.includes(line), `missing ${line}`);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 503);
    ready = true;
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    assert.equal((await fetch(`${base}/nope`)).status, 404);
    assert.equal((await fetch(`${base}/metrics`, { method: 'POST' })).status, 405);
  } finally {
    await s.close();
  }
});

test('metrics: two agents in one process do not collide', () => {
  const a = new AgentMetrics('a');
  const b = new AgentMetrics('b');
  a.setRebootRequired(true);
  assert.notEqual(a.registry, b.registry);
});

test('metrics: nodemend_build_info says which build runs (package.json version from the sources)', async () => {
  const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  const text = await new AgentMetrics('n-1').registry.metrics();
  assert.ok(text.includes(`nodemend_build_info{component="agent",version="${version}",commit="unknown"} 1`), text);
  const stamped = await new AgentMetrics('n-1', { build: { version: '9.8.7', commit: 'abc' } }).registry.metrics();
  assert.ok(stamped.includes('nodemend_build_info{component="agent",version="9.8.7",commit="abc"} 1'), stamped);
});
