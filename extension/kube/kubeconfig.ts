// Finds the kubeconfig the way Kubernetes tools in VS Code do: the nodemend.kubeconfig setting,
// then $KUBECONFIG (a list of files, merged, first one wins for the current context), then
// ~/.kube/config. Never the in-cluster or localhost:8080 fallbacks of loadFromDefault: silently
// talking to some other cluster is worse than saying none was found. Exec and token auth are
// handled by @kubernetes/client-node when requests are made.

import * as k8s from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pooled } from '../../protocol/pool.ts';

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

/**
 * Reads the files of a kubeconfig list that exist and merges them (first wins), as kubectl does.
 * `missing` when none exists, so each caller names its own way to point at one.
 */
export function readKubeconfigFiles(paths: string[]): { ok: true; kc: k8s.KubeConfig; present: string[] } | { ok: false; missing: boolean; error: string } {
  const present = paths.filter((p) => existsSync(p));
  if (present.length === 0) return { ok: false, missing: true, error: `No kubeconfig found: ${paths.join(', ')}` };
  try {
    const kc = mergeFirstWins(present.map((p) => {
      const one = new k8s.KubeConfig();
      one.loadFromFile(p);
      return one;
    }));
    return { ok: true, kc, present };
  } catch (e) {
    return { ok: false, missing: false, error: `Cannot read kubeconfig ${present.join(', ')}: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}` };
  }
}

export type Loaded = { ok: true; kc: k8s.KubeConfig; context: string; server: string; source: KubeconfigSource } | { ok: false; error: string };

/** Loads and selects the context (the nodemend.context setting, else the file's current-context). */
export function loadKubeconfig(setting: string | undefined, contextSetting: string | undefined): Loaded {
  const source = kubeconfigSource(setting, process.env.KUBECONFIG, homedir());
  const read = readKubeconfigFiles(source.paths);
  if (!read.ok) return { ok: false, error: read.missing ? `No kubeconfig found (${source.from}: ${source.paths.join(', ')}). Set nodemend.kubeconfig or $KUBECONFIG, or create ~/.kube/config.` : read.error };
  const { kc, present } = read;
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
  // One kept-alive connection per identity for every request the extension makes (see pool.ts).
  return { ok: true, kc: pooled(kc), context, server, source };
}

/**
 * kubectl's merge of the files in $KUBECONFIG: the first file that names a cluster, user or
 * context wins and later entries of the same name are ignored (two files sharing "default" are
 * common); the first non-empty current-context wins. client-node's mergeConfig throws on a
 * duplicate name instead, which refused the whole list.
 */
export function mergeFirstWins(files: k8s.KubeConfig[]): k8s.KubeConfig {
  const firstByName = <T extends { name: string }>(lists: T[][]): T[] => {
    const seen = new Map<string, T>();
    for (const list of lists) for (const x of list) if (!seen.has(x.name)) seen.set(x.name, x);
    return [...seen.values()];
  };
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: firstByName(files.map((f) => f.getClusters())),
    users: firstByName(files.map((f) => f.getUsers())),
    contexts: firstByName(files.map((f) => f.getContexts())),
    currentContext: files.map((f) => f.getCurrentContext()).find((c) => !!c) ?? '',
  });
  return kc;
}
