// Text from the cluster or the kubeconfig (context, node, pod and lock names, reasons) placed in
// Markdown that VS Code renders: it is shown, never interpreted. This matters most in trusted
// Markdown (the status bar tooltip enables command links): a context named
// "x` [Deploy](command:nodemend.deployBackend) `" must not become a link. Pure.

/**
 * Escapes every character Markdown, theme icons ($(…)) or HTML could read as syntax, and folds
 * line breaks (a new line could start a heading, a list or a code block).
 */
export function md(s: string): string {
  return s.replace(/\r\n|[\r\n\u2028\u2029]/g, ' ').replace(/[\\`*_{}[\]()#+\-.!|<>~$&]/g, (c) => `\\${c}`);
}

/**
 * A code span that holds any text: the fence is one backtick longer than the longest run inside
 * (CommonMark), padded with a space each side when the text starts or ends with a backtick or a
 * space (the renderer strips one such pair). Line breaks are folded as in md().
 */
export function code(s: string): string {
  const flat = s.replace(/\r\n|[\r\n\u2028\u2029]/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(flat) ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}
