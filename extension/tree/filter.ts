// The tree's filter: words that must all match. A bare word matches part of the node name;
// `zone:`, `pool:`, `phase:` and `group:` match those fields. Pure; a bad key is an error that
// lists the keys, and the filter box keeps what was typed.

import type { NodeView } from '../../protocol/messages.ts';
import { groupOf } from './groups.ts';

type Term = { key: 'name' | 'zone' | 'pool' | 'phase' | 'group'; value: string };
export interface Filter {
  text: string;
  terms: Term[];
}

const KEYS = ['zone', 'pool', 'phase', 'group'] as const;

export function parseFilter(text: string): { ok: true; filter: Filter | undefined } | { ok: false; error: string } {
  const words = text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return { ok: true, filter: undefined };
  const terms: Term[] = [];
  for (const w of words) {
    const i = w.indexOf(':');
    if (i < 0) {
      terms.push({ key: 'name', value: w });
      continue;
    }
    const key = w.slice(0, i);
    const value = w.slice(i + 1);
    if (!(KEYS as readonly string[]).includes(key)) {
      return { ok: false, error: `Unknown filter key "${key}:". Use words of the node name, or ${KEYS.map((k) => `${k}:`).join(', ')}.` };
    }
    if (!value) return { ok: false, error: `"${key}:" needs a value, e.g. ${key}:${key === 'phase' ? 'draining' : key === 'group' ? 'waiting' : 'a'}` };
    terms.push({ key: key as Term['key'], value });
  }
  return { ok: true, filter: { text: text.trim(), terms } };
}

export function matches(f: Filter | undefined, n: NodeView): boolean {
  if (!f) return true;
  const phase = n.state?.phase ?? 'unknown';
  return f.terms.every((t) => {
    switch (t.key) {
      case 'name':
        return n.name.toLowerCase().includes(t.value);
      case 'zone':
        return (n.zone ?? '').toLowerCase() === t.value;
      case 'pool':
        return (n.pool ?? '').toLowerCase() === t.value;
      case 'phase':
        return phase.startsWith(t.value);
      case 'group':
        return groupOf(phase).key.startsWith(t.value);
    }
  });
}
