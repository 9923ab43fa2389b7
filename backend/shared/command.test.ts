import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCommand, splitCommand } from './command.ts';

// Expected argv as github.com/google/shlex (what Kured splits its commands with) gives them: its
// own test string, and the commands Kured's users write.
const cases: [string, string[]][] = [
  ['/bin/systemctl reboot', ['/bin/systemctl', 'reboot']],
  ['  a   b  ', ['a', 'b']],
  ["sh -c 'test -f /x && exit 0'", ['sh', '-c', 'test -f /x && exit 0']],
  ['echo "a \\"b\\" c"', ['echo', 'a "b" c']],
  ["echo ''", ['echo', '']],
  ['a\\ b', ['a b']],
  ['', []],
  // Kured's documented RHEL check: the quotes group, the ! stays for sh.
  ['sh -c "! needs-restarting --reboothint"', ['sh', '-c', '! needs-restarting --reboothint']],
  ["/bin/sh -c 'systemctl reboot --message \"kured\"'", ['/bin/sh', '-c', 'systemctl reboot --message "kured"']],
  // shlex's own test string.
  ['one two "three four" "five \\"six\\"" seven#eight # nine # ten\n eleven \'twelve\\\' thirteen=13 fourteen/14', ['one', 'two', 'three four', 'five "six"', 'seven#eight', 'eleven', 'twelve\\', 'thirteen=13', 'fourteen/14']],
  ['a"b c"d', ['ab cd']],
  ['"a\\zb"', ['azb']],
  ['tab\tsep\r\nnl', ['tab', 'sep', 'nl']],
  ['# only a comment', []],
  ['x #c\ny', ['x', 'y']],
];
for (const [line, want] of cases) test(`splitCommand(${JSON.stringify(line)})`, () => assert.deepEqual(splitCommand(line), want));
test('splitCommand rejects an unclosed quote', () => {
  assert.throws(() => splitCommand("sh -c 'x"), /unclosed ' quote/);
  assert.throws(() => splitCommand('sh -c "x'), /unclosed " quote/);
});
test('splitCommand rejects a trailing backslash', () => assert.throws(() => splitCommand('reboot \\'), /trailing backslash/));

test('runCommand: exit code, output, missing binary, timeout', async () => {
  assert.deepEqual(await runCommand(['sh', '-c', 'echo hi; echo err >&2; exit 3'], 5000), { code: 3, stdout: 'hi\n', stderr: 'err\n' });
  const missing = await runCommand(['/nonexistent/nodemend-cmd'], 5000);
  assert.match(missing.error ?? '', /ENOENT/);
  const slow = await runCommand(['sleep', '5'], 200);
  assert.match(slow.error ?? '', /timed out/);
  assert.equal((await runCommand([], 100)).error, 'empty command');
});
