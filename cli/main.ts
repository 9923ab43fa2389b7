// Entry point of the bundled plugin dist/kubectl-nodemend (kubectl runs it for `kubectl nodemend`,
// with KUBECONFIG in the environment and every argument after "nodemend" passed through).

import { parse } from './args.ts';
import { complete, NO_FILE_COMPLETION } from './completion.ts';
import { Cluster, loadKubeconfig } from './kube.ts';
import { run } from './run.ts';

// `kubectl nodemend status | head` closes the pipe early: that is not an error worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

const localZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const out = (s: string) => process.stdout.write(s);
const err = (s: string) => process.stderr.write(s);

/** `__complete WORD...`: candidates a line, then kubectl's directive line. Never fails loudly. */
async function completeWords(words: string[]): Promise<number> {
  const c = complete(words);
  let values = 'values' in c ? c.values : [];
  const flag = (name: string) => {
    const i = words.findIndex((w) => w === name || w.startsWith(`${name}=`));
    return i < 0 ? undefined : words[i].includes('=') ? words[i].slice(name.length + 1) : words[i + 1];
  };
  if ('contexts' in c) {
    const loaded = loadKubeconfig(flag('--kubeconfig'), undefined);
    if (loaded.ok) values = loaded.kc.getContexts().map((x) => x.name).filter((n) => n.startsWith(c.prefix));
  }
  if ('nodes' in c) {
    const loaded = loadKubeconfig(flag('--kubeconfig'), flag('--context'));
    if (loaded.ok) {
      const r = await new Cluster(loaded.kc, loaded.context, 'nodemend').nodes();
      if (r.ok) values = r.value.map((n) => n.metadata?.name ?? '').filter((n) => n.startsWith(c.prefix));
    }
  }
  out([...values, NO_FILE_COMPLETION].join('\n') + '\n');
  return 0;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '__complete') return completeWords(argv.slice(1));
  const p = parse(argv, Date.now(), localZone());
  if (!p.ok) {
    err(`error: ${p.error}\n`);
    return 2;
  }
  return run(p.global, p.cmd, { out, err, now: Date.now });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    err(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
