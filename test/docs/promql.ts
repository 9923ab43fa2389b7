// What the monitoring tests need to know about PromQL and the metrics it may read: the metric names
// an expression reads (without a parser: PromQL's grammar is small enough for this), the series
// the agent and the hub export (from their registries, not from a list), and promtool itself.

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../tools/harness/binaries.ts';
import { metrics } from '../../scripts/docs-reference.ts';

/** kube-state-metrics series the alerts read (documented in docs/operations.md); no other outside metric. */
export const OUTSIDE_METRICS = ['kube_daemonset_status_desired_number_scheduled', 'kube_daemonset_status_number_available', 'kube_node_info'];

/** Labels Prometheus adds to every scraped series (the Prometheus Operator's target labels). */
export const TARGET_LABELS = ['namespace', 'pod', 'container', 'endpoint', 'job', 'instance'];

const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'inf', 'nan']);

/** Every series name nodemend exports, with the labels of each (histograms: _bucket has le too). */
export function exportedSeries(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of metrics()) {
    if (m.type === 'histogram') {
      out.set(`${m.name}_bucket`, [...m.labels, 'le']);
      out.set(`${m.name}_sum`, m.labels);
      out.set(`${m.name}_count`, m.labels);
    } else {
      out.set(m.name, m.labels);
    }
  }
  return out;
}

/** Grafana's variables replaced by values promtool can parse. */
export const withoutGrafanaVariables = (expr: string) =>
  expr.replaceAll('$__rate_interval', '5m').replaceAll('$__interval', '1m').replaceAll('$__range', '1d').replace(/\$\{?node\}?/g, '.*');

/** The metrics an expression reads, each with the label names its matchers use. */
export function selectors(expr: string): { metric: string; labels: string[] }[] {
  let s = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  s = s.replace(/\[[^\]]*\]/g, ' ').replace(/\boffset\s+[0-9a-z]+/g, ' ');
  s = s.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const out: { metric: string; labels: string[] }[] = [];
  const re = /([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?(\s*\()?/g;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const [, name, braces, call] = m;
    const prev = s[m.index - 1] ?? ' ';
    if (call || KEYWORDS.has(name) || /[0-9.]/.test(prev)) continue;
    const labels = braces ? [...braces.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]) : [];
    out.push({ metric: name, labels });
  }
  return out;
}

let bin: string | undefined;

/** promtool, built from tools/promtool on first use (scripts/promtool-build.sh, cached). */
export function promtool(): string {
  bin ??= join(
    execFileSync('bash', [join(repoRoot, 'scripts/promtool-build.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!,
    'promtool',
  );
  return bin;
}
