// Shell completion. Both shells' scripts, and kubectl's own plugin completion (kubectl runs an
// executable `kubectl_complete-nodemend` with the words typed so far), ask the plugin itself:
// `kubectl-nodemend __complete WORD...` prints one candidate a line, then cobra's directive line
// ":4" (no file names), the format kubectl expects. Pure: node names are passed in when needed.

import { COMMAND_FLAGS, COMMANDS, GLOBAL_FLAGS, OUTPUTS, SHELLS, type Shell } from './args.ts';

export const NO_FILE_COMPLETION = ':4';

const TAKES_NODES = new Set(['status', 'schedule', 'force', 'block', 'unblock', 'cancel', 'history']);
const VALUE_FLAGS = new Set(['--kubeconfig', '--context', '--namespace', '-n', '--output', '-o', '--tz', '--at', '--in', '--reason', '--for', '--until']);

export type Completion = { values: string[] } | { nodes: true; prefix: string } | { contexts: true; prefix: string };

/** Candidates for the last word of `words` (the words after the plugin's name, the last one partial). */
export function complete(words: string[]): Completion {
  const cur = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  const prev = before.at(-1);
  const pick = (all: readonly string[]) => ({ values: all.filter((v) => v.startsWith(cur)) });
  if (prev && VALUE_FLAGS.has(prev)) {
    if (prev === '--output' || prev === '-o') return pick(OUTPUTS);
    if (prev === '--tz') return pick(Intl.supportedValuesOf('timeZone'));
    if (prev === '--in' || prev === '--for') return pick(['30m', '1h', '2h', '6h', '1d']);
    if (prev === '--context') return { contexts: true, prefix: cur };
    return { values: [] };
  }
  // The command is the first word that is neither a flag nor a flag's value.
  let cmd: string | undefined;
  for (let i = 0; i < before.length; i++) {
    const w = before[i];
    if (w.startsWith('-')) {
      if (VALUE_FLAGS.has(w)) i++;
      continue;
    }
    cmd = w;
    break;
  }
  if (cur.startsWith('-')) return pick([...(cmd ? (COMMAND_FLAGS[cmd as keyof typeof COMMAND_FLAGS] ?? []) : []), ...GLOBAL_FLAGS]);
  if (!cmd) return pick(COMMANDS);
  if (cmd === 'completion') return pick(SHELLS);
  if (cmd === 'help') return pick(COMMANDS);
  return TAKES_NODES.has(cmd) ? { nodes: true, prefix: cur } : { values: [] };
}

export function completionScript(shell: Shell): string {
  if (shell === 'bash') {
    return `# kubectl nodemend completion for bash: source <(kubectl nodemend completion bash)
_kubectl_nodemend() {
  local words
  words=$(kubectl-nodemend __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null | grep -v '^:')
  COMPREPLY=( $(compgen -W "$words" -- "\${COMP_WORDS[COMP_CWORD]}") )
}
complete -F _kubectl_nodemend kubectl-nodemend
`;
  }
  return `#compdef kubectl-nodemend
# kubectl nodemend completion for zsh: source <(kubectl nodemend completion zsh)
_kubectl_nodemend() {
  local -a c
  c=(\${(f)"$(kubectl-nodemend __complete "\${(@)words[2,CURRENT]}" 2>/dev/null | grep -v '^:')"})
  compadd -a c
}
compdef _kubectl_nodemend kubectl-nodemend
`;
}
