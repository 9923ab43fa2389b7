// Finds the kubeconfig the way Kubernetes tools in VS Code do: the nodemend.kubeconfig setting,
// then $KUBECONFIG (a list of files, merged, first one wins for the current context), then
// ~/.kube/config. Never the in-cluster or localhost:8080 fallbacks of loadFromDefault: silently
// talking to some other cluster is worse than saying none was found. Exec and token auth are
// handled by @kubernetes/client-node when requests are made.

import * as k8s from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface KubeconfigSource {
  paths: string[];
  /** Where the paths came from, said in messages. */
  from: 'setting nodemend.kubeconfig' | '$KUBECONFIG' | '~/.kube/config';
}

export function kubeconfigSource(setting: string | undefined, env: string | undefined, home: string, sep = delimiter): KubeconfigSource {
  const expand = (p: string) => (p.startsWith('~/') ? join(home, p.slice(2)) : p);
  if (setting) return { paths: [expand(setting)], from: 'setting nodemend.kubeconfig' };
  const list = (env ?? '').split(sep).map((p) => p.trim()).filter(Boolean);
  if (list.length) return { paths: list.map(expand), from: '$KUBECONFIG' };
  return { paths: [join(home, '.kube', 'config')], from: '~/.kube/config' };
}

export type Loaded = { ok: true; kc: k8s.KubeConfig; context: string; server: string; source: KubeconfigSource } | { ok: false; error: string };

/** Loads and selects the context (the nodemend.context setting, else the file's current-context). */
export function loadKubeconfig(setting: string | undefined, contextSetting: string | undefined): Loaded {
  const source = kubeconfigSource(setting, process.env.KUBECONFIG, homedir());
  const present = source.paths.filter((p) => existsSync(p));
  if (present.length === 0) {
    return { ok: false, error: `No kubeconfig found (${source.from}: ${source.paths.join(', ')}). Set nodemend.kubeconfig or $KUBECONFIG, or create ~/.kube/config.` };
  }
  const kc = new k8s.KubeConfig();
  try {
    kc.loadFromFile(present[0]);
    for (const p of present.slice(1)) {
      const more = new k8s.KubeConfig();
      more.loadFromFile(p);
      // Like kubectl: the first file that sets something wins; later files only add.
      kc.mergeConfig(more, true);
    }
  } catch (e) {
    return { ok: false, error: `Cannot read kubeconfig ${present.join(', ')}: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}` };
  }
  if (kc.getContexts().length === 0) return { ok: false, error: `The kubeconfig ${present.join(', ')} has no contexts.` };
  if (contextSetting) {
    if (!kc.getContextObject(contextSetting)) {
      return { ok: false, error: `nodemend.context: context "${contextSetting}" is not in ${present.join(', ')}; pick one with "nodemend: Switch Context".` };
    }
    kc.setCurrentContext(contextSetting);
  }
  const context = kc.getCurrentContext();
  const server = kc.getCurrentCluster()?.server;
  if (!context || !server) return { ok: false, error: `The kubeconfig has no current context with a cluster; pick one with "nodemend: Switch Context".` };
  return { ok: true, kc, context, server, source };
}
