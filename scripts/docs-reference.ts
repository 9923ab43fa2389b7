// Writes the reference tables of the operator docs from the code they describe, between markers,
// so the docs cannot drift from what the binaries accept and export:
//   docs/configuration.md  the agent's flags (backend/agent/config/flags.ts) and the hub's
//                          (backend/hub/config.ts, its usage text)
//   docs/operations.md     every metric of the agent and the hub, with its type and labels
// test/docs/reference.test.ts fails while a table is out of date, and checks that every flag,
// metric, Event reason and phase is documented.
//   node scripts/docs-reference.ts           rewrite the tables
//   node scripts/docs-reference.ts --check   exit 1 if one is out of date

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FLAGS, envName } from '../backend/agent/config/flags.ts';
import { USAGE as HUB_USAGE } from '../backend/hub/config.ts';
import { AgentMetrics } from '../backend/agent/metrics/metrics.ts';
import { HubMetrics } from '../backend/hub/metrics.ts';

export const root = fileURLToPath(new URL('..', import.meta.url));

// Pipes would end the cell; <name> would be taken for an HTML tag.
const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
const code = (s: string) => `\`${s.replaceAll('|', '\\|')}\``;

/** The agent's flags: flag, variables, default, meaning. */
export function agentFlagTable(): string {
  const rows = FLAGS.map((f) => {
    const vars = [envName('NODEMEND', f.name), ...(f.kured ? [envName('KURED', f.name)] : [])].map(code).join(', ');
    const def = f.kind === 'list' ? 'none' : f.def === undefined ? '—' : f.def === '' ? '`""`' : code(f.def);
    const kind = f.kind === 'list' ? ' Repeatable.' : f.kind === 'bool' ? ' A bare flag means true.' : '';
    return `| \`--${f.name}\` | ${vars} | ${def} | ${cell(f.help)}.${kind} |`;
  });
  return ['| flag | environment | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

export interface HubFlag {
  names: string[];
  def: string;
  help: string;
}

/** The hub's flags as its usage text lists them: `--name=default   help`, help lines continued below. */
export function hubFlags(usage = HUB_USAGE): HubFlag[] {
  const out: HubFlag[] = [];
  for (const line of usage.split('\n').slice(1)) {
    const m = /^ {2}(--\S.*?)(?: {2,}(.*))?$/.exec(line);
    if (m) {
      const names: string[] = [];
      let def = '';
      for (const part of m[1].split(/,\s*/)) {
        const p = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(part.trim());
        if (!p) throw new Error(`hub usage: cannot read ${JSON.stringify(part)}`);
        names.push(p[1]);
        def = p[2] ?? '';
      }
      out.push({ names, def, help: (m[2] ?? '').trim() });
    } else if (/^ {20,}\S/.test(line) && out.length) {
      const last = out[out.length - 1];
      last.help = `${last.help} ${line.trim()}`.trim();
    } else if (line.trim()) {
      throw new Error(`hub usage: unexpected line ${JSON.stringify(line)}`);
    }
  }
  return out;
}

export function hubFlagTable(): string {
  const rows = hubFlags().map((f) => {
    const vars = f.names.map((n) => code(envName('NODEMEND_HUB', n))).join(', ');
    const def = f.def === '' ? '`""`' : f.def === 'PATH' ? '—' : code(f.def);
    return `| ${f.names.map((n) => `\`--${n}\``).join(', ')} | ${vars} | ${def} | ${cell(f.help)} |`;
  });
  return ['| flag | environment | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

export interface MetricDoc {
  name: string;
  type: string;
  labels: string[];
  help: string;
  /** Which binaries export it: "agent", "hub" or "agent, hub". */
  from: string;
}

/** Every metric the agent and the hub register (their own, not Node.js's process metrics). */
export function metrics(): MetricDoc[] {
  const read = (reg: AgentMetrics['registry'], from: string) =>
    reg.getMetricsAsArray().map((m) => ({
      name: m.name,
      type: String(m.type),
      labels: [...((m as unknown as { labelNames?: string[] }).labelNames ?? [])],
      help: m.help,
      from,
    }));
  const byName = new Map<string, MetricDoc>();
  for (const m of [...read(new AgentMetrics('n').registry, 'agent'), ...read(new HubMetrics(false).registry, 'hub')]) {
    const seen = byName.get(m.name);
    if (seen) seen.from = `${seen.from}, ${m.from}`;
    else byName.set(m.name, m);
  }
  return [...byName.values()];
}

export function metricTable(): string {
  const rows = metrics().map((m) => {
    const series = m.type === 'histogram' ? ` (\`_bucket\` with \`le\`, \`_sum\`, \`_count\`)` : '';
    const labels = m.labels.length ? m.labels.map(code).join(', ') : '—';
    return `| \`${m.name}\` | ${m.from} | ${m.type}${series} | ${labels} | ${cell(m.help)} |`;
  });
  return ['| metric | from | type | labels | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** Each generated section: the file it is in, its marker name, and its content. */
export function sections(): { file: string; name: string; text: string }[] {
  return [
    { file: 'docs/configuration.md', name: 'agent-flags', text: agentFlagTable() },
    { file: 'docs/configuration.md', name: 'hub-flags', text: hubFlagTable() },
    { file: 'docs/operations.md', name: 'metrics', text: metricTable() },
  ];
}

export const start = (name: string) => `<!-- ${name}:start (generated by scripts/docs-reference.ts; do not edit) -->`;
export const end = (name: string) => `<!-- ${name}:end -->`;

/** The document with the named section replaced. */
export function replaceSection(doc: string, name: string, text: string): string {
  const a = doc.indexOf(start(name));
  const b = doc.indexOf(end(name));
  if (a < 0 || b < a) throw new Error(`the markers ${start(name)} … ${end(name)} are missing`);
  return `${doc.slice(0, a + start(name).length)}\n${text}\n${doc.slice(b)}`;
}

/** Each doc file as it should be: path -> [now, wanted]. */
export function renderDocs(): Map<string, [string, string]> {
  const out = new Map<string, [string, string]>();
  for (const s of sections()) {
    const path = join(root, s.file);
    const [now, want] = out.get(path) ?? [readFileSync(path, 'utf8'), readFileSync(path, 'utf8')];
    out.set(path, [now, replaceSection(want, s.name, s.text)]);
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const stale = [...renderDocs()].filter(([, [now, want]]) => now !== want);
  if (process.argv.includes('--check')) {
    if (stale.length) {
      console.error(`out of date: ${stale.map(([p]) => p).join(', ')}; run node scripts/docs-reference.ts`);
      process.exit(1);
    }
  } else {
    for (const [path, [, want]] of stale) writeFileSync(path, want);
    console.log(`docs: ${stale.length} file(s) rewritten`);
  }
}
