// Where a process's heap goes, from a V8 heap snapshot (node:v8 writeHeapSnapshot or
// --heapsnapshot-signal): self size by node type and by constructor, and the retained size of
// chosen groups of objects (what the heap would shrink by if that group were gone), computed
// exactly by walking the graph from the GC roots once with and once without the group.
// Weak edges do not retain, as in the DevTools "Retained size" column.

export interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export interface HeapNode { type: string; name: string; selfSize: number }

export class HeapGraph {
  readonly count: number;
  private readonly s: HeapSnapshot;
  private readonly nf: number;
  private readonly ef: number;
  private readonly firstEdge: Uint32Array;
  private readonly weakType: number;
  private readonly o: { type: number; name: number; self: number; edges: number; eType: number; eTo: number };

  constructor(s: HeapSnapshot) {
    this.s = s;
    const m = s.snapshot.meta;
    this.nf = m.node_fields.length;
    this.ef = m.edge_fields.length;
    this.count = s.nodes.length / this.nf;
    this.o = {
      type: m.node_fields.indexOf('type'), name: m.node_fields.indexOf('name'), self: m.node_fields.indexOf('self_size'), edges: m.node_fields.indexOf('edge_count'),
      eType: m.edge_fields.indexOf('type'), eTo: m.edge_fields.indexOf('to_node'),
    };
    this.weakType = m.edge_types[0].indexOf('weak');
    this.firstEdge = new Uint32Array(this.count + 1);
    for (let i = 0; i < this.count; i++) this.firstEdge[i + 1] = this.firstEdge[i] + s.nodes[i * this.nf + this.o.edges] * this.ef;
  }

  node(i: number): HeapNode {
    const b = i * this.nf;
    return { type: this.s.snapshot.meta.node_types[0][this.s.nodes[b + this.o.type]], name: this.s.strings[this.s.nodes[b + this.o.name]], selfSize: this.s.nodes[b + this.o.self] };
  }

  selfSize(i: number): number {
    return this.s.nodes[i * this.nf + this.o.self];
  }

  /** Nodes reachable from the root (node 0) through strong edges, never entering `blocked`. */
  reachable(blocked: ReadonlySet<number> = new Set()): Uint8Array {
    const seen = new Uint8Array(this.count);
    const stack = [0];
    seen[0] = 1;
    while (stack.length) {
      const i = stack.pop()!;
      for (let e = this.firstEdge[i]; e < this.firstEdge[i + 1]; e += this.ef) {
        if (this.s.edges[e + this.o.eType] === this.weakType) continue;
        const to = this.s.edges[e + this.o.eTo] / this.nf;
        if (seen[to] || blocked.has(to)) continue;
        seen[to] = 1;
        stack.push(to);
      }
    }
    return seen;
  }

  /** Bytes that only `group` keeps alive (itself included). */
  retained(group: ReadonlySet<number>, all = this.reachable()): number {
    if (group.size === 0) return 0;
    const without = this.reachable(group);
    let bytes = 0;
    for (let i = 0; i < this.count; i++) if (all[i] && !without[i]) bytes += this.selfSize(i);
    return bytes;
  }

  /** Indices of the nodes for which `pred` holds. */
  select(pred: (n: HeapNode) => boolean): Set<number> {
    const out = new Set<number>();
    for (let i = 0; i < this.count; i++) if (pred(this.node(i))) out.add(i);
    return out;
  }
}

export interface HeapSummary {
  /** Sum of self sizes of everything reachable from the roots (about process.memoryUsage().heapUsed). */
  reachableBytes: number;
  byType: Record<string, number>;
  /** Objects by constructor name: bytes and count, the largest first. */
  byConstructor: { name: string; bytes: number; count: number }[];
  /** Retained bytes of each named group. */
  groups: Record<string, { retainedBytes: number; members: number }>;
  /** The 5 largest strings (script sources, source map payloads): bytes and their first characters. */
  largestStrings: { bytes: number; starts: string }[];
}

export function summarizeHeap(s: HeapSnapshot, groups: Record<string, (n: HeapNode) => boolean>, top = 15): HeapSummary {
  const g = new HeapGraph(s);
  const all = g.reachable();
  const byType: Record<string, number> = {};
  const ctor = new Map<string, { bytes: number; count: number }>();
  let reachableBytes = 0;
  const strings: { bytes: number; i: number }[] = [];
  for (let i = 0; i < g.count; i++) {
    if (!all[i]) continue;
    const n = g.node(i);
    reachableBytes += n.selfSize;
    byType[n.type] = (byType[n.type] ?? 0) + n.selfSize;
    if (n.type === 'string') strings.push({ bytes: n.selfSize, i });
    if (n.type === 'object') {
      const c = ctor.get(n.name) ?? { bytes: 0, count: 0 };
      c.bytes += n.selfSize;
      c.count++;
      ctor.set(n.name, c);
    }
  }
  const out: HeapSummary['groups'] = {};
  for (const [name, pred] of Object.entries(groups)) {
    const members = g.select(pred);
    for (const i of members) if (!all[i]) members.delete(i);
    out[name] = { retainedBytes: g.retained(members, all), members: members.size };
  }
  return {
    reachableBytes,
    byType: Object.fromEntries(Object.entries(byType).sort((a, b) => b[1] - a[1])),
    byConstructor: [...ctor].map(([name, v]) => ({ name, ...v })).sort((a, b) => b.bytes - a.bytes).slice(0, top),
    groups: out,
    largestStrings: strings.sort((a, b) => b.bytes - a.bytes).slice(0, 5).map((x) => ({ bytes: x.bytes, starts: g.node(x.i).name.slice(0, 60) })),
  };
}
