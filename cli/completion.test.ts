import { test } from 'node:test';
import assert from 'node:assert/strict';
import { complete, completionScript } from './completion.ts';

test('completes commands, flags, flag values and node names', () => {
  assert.deepEqual(complete(['']), { values: ['status', 'schedule', 'force', 'block', 'unblock', 'cancel', 'history', 'locks', 'pause', 'resume', 'completion', 'version', 'help'] });
  assert.deepEqual(complete(['s']), { values: ['status', 'schedule'] });
  assert.deepEqual(complete(['--context', 'prod', 'st']), { values: ['status'] });
  assert.deepEqual(complete(['status', '-o', 'y']), { values: ['yaml'] });
  assert.deepEqual(complete(['schedule', '--']), { values: ['--at', '--in', '--kubeconfig', '--context', '--namespace', '--output', '--tz', '--help'] });
  assert.deepEqual(complete(['schedule', 'n-1', '--tz', 'Europe/Ber']), { values: ['Europe/Berlin'] });
  assert.deepEqual(complete(['block', 'w']), { nodes: true, prefix: 'w' });
  assert.deepEqual(complete(['locks', '']), { values: [] });
  assert.deepEqual(complete(['completion', '']), { values: ['bash', 'zsh'] });
  assert.deepEqual(complete(['status', '--context', 'pr']), { contexts: true, prefix: 'pr' });
});

test('the scripts ask the plugin (and so work the same in both shells)', () => {
  for (const shell of ['bash', 'zsh'] as const) {
    const s = completionScript(shell);
    assert.match(s, /kubectl-nodemend __complete /);
    assert.match(s, /_kubectl_nodemend/);
  }
  assert.match(completionScript('bash'), /^complete -F _kubectl_nodemend kubectl-nodemend$/m);
  assert.match(completionScript('zsh'), /^compdef _kubectl_nodemend kubectl-nodemend$/m);
});
