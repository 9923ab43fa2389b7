// The node table: filter, then group by zone, most urgent phase first within a zone.
// Runs on every delta over up to a few thousand nodes, so it is one pass plus one sort and
// keeps the NodeView objects themselves (rows skip re-rendering when their object is unchanged).

import type { Phase } from '../../protocol/model.ts';
import type { NodeView } from '../../protocol/messages.ts';
import { PHASE_LABEL, phaseOf, phaseRank } from './phase.ts';

export const NO_ZONE = '(no zone)';

export interface ZoneGroup {
  zone: string;
  nodes: NodeView[];
  /** Count per phase among the nodes shown, most urgent first. */
  counts: { phase: Phase; count: number }[];
}

/**
 * A filter query: space-separated terms, all of which must match. A term is either free text
 * (matched, case-insensitive, against name, zone, pool, phase, reason and PDB names) or
 * `key:value` with key one of name, zone, pool, phase (exact phase or its label).
 */
export interface Query {
  terms: { key?: 'name' | 'zone' | 'pool' | 'phase'; value: string }[];
}

const KEYS = new Set(['name', 'zone', 'pool', 'phase']);

export function parseQuery(text: string): Query {
  const terms: Query['terms'] = [];
  for (const raw of text.toLowerCase().split(/\s+/)) {
    if (!raw) continue;
    const i = raw.indexOf(':');
    const key = i > 0 ? raw.slice(0, i) : '';
    if (KEYS.has(key) && i < raw.length - 1) {
      terms.push({ key: key as 'name' | 'zone' | 'pool' | 'phase', value: raw.slice(i + 1) });
    } else {
      terms.push({ value: raw });
    }
  }
  return { terms };
}

function haystack(n: NodeView): string {
  const p = phaseOf(n);
  const pdbs = n.state?.drain?.blocked.map((b) => b.pdb ?? '').join(' ') ?? '';
  return `${n.name} ${n.zone ?? ''} ${n.pool ?? ''} ${p} ${PHASE_LABEL[p]} ${n.state?.reason ?? ''} ${pdbs}`.toLowerCase();
}

export function matches(n: NodeView, q: Query): boolean {
  if (q.terms.length === 0) return true;
  let hay: string | undefined;
  for (const t of q.terms) {
    switch (t.key) {
      case 'name':
        if (!n.name.toLowerCase().includes(t.value)) return false;
        break;
      case 'zone':
        if (!(n.zone ?? '').toLowerCase().includes(t.value)) return false;
        break;
      case 'pool':
        if (!(n.pool ?? '').toLowerCase().includes(t.value)) return false;
        break;
      case 'phase': {
        const p = phaseOf(n);
        if (p !== t.value && !PHASE_LABEL[p].toLowerCase().startsWith(t.value)) return false;
        break;
      }
      default:
        hay ??= haystack(n);
        if (!hay.includes(t.value)) return false;
    }
  }
  return true;
}

const byUrgency = (a: NodeView, b: NodeView): number =>
  phaseRank(phaseOf(a)) - phaseRank(phaseOf(b)) || compareNames(a.name, b.name);

// One shared collator: localeCompare with options builds a new one per call, too slow for
// sorting thousands of names on every delta.
const collator = new Intl.Collator('en', { numeric: true });

/** Natural order, so node-2 comes before node-10. */
export function compareNames(a: string, b: string): number {
  return collator.compare(a, b);
}

export function groupByZone(nodes: readonly NodeView[], q: Query): ZoneGroup[] {
  const zones = new Map<string, NodeView[]>();
  for (const n of nodes) {
    if (!matches(n, q)) continue;
    const z = n.zone || NO_ZONE;
    let list = zones.get(z);
    if (!list) zones.set(z, (list = []));
    list.push(n);
  }
  const groups: ZoneGroup[] = [];
  for (const [zone, list] of zones) {
    list.sort(byUrgency);
    const counts: ZoneGroup['counts'] = [];
    for (const n of list) {
      const p = phaseOf(n);
      const last = counts[counts.length - 1];
      if (last && last.phase === p) last.count++;
      else counts.push({ phase: p, count: 1 });
    }
    groups.push({ zone, nodes: list, counts });
  }
  // Zones in name order, the catch-all last.
  return groups.sort((a, b) => (a.zone === NO_ZONE ? 1 : b.zone === NO_ZONE ? -1 : compareNames(a.zone, b.zone)));
}
