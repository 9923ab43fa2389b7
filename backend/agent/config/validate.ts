import { splitCommand } from '../../shared/command.ts';

// Small validators for flag values. Each returns the value or an error text without the flag name;
// config.ts prefixes the name (and the environment variable, when the value came from there).

export type V<T> = { ok: true; value: T } | { ok: false; error: string };
const ok = <T>(value: T): V<T> => ({ ok: true, value });
const no = <T>(error: string): V<T> => ({ ok: false, error });

export function int(raw: string, min: number, max: number): V<number> {
  const s = raw.trim();
  const n = /^-?\d+$/.test(s) ? Number(s) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) return no(`expected a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return ok(n);
}

/** Go's strconv.ParseBool words (Kured's booleans) and yes/no, on/off. */
export function bool(raw: string): V<boolean> {
  const s = raw.trim().toLowerCase();
  if (['true', 't', '1', 'yes', 'on'].includes(s)) return ok(true);
  if (['false', 'f', '0', 'no', 'off'].includes(s)) return ok(false);
  return no(`expected true or false, got ${JSON.stringify(raw)}`);
}

export function oneOf<T extends string>(raw: string, allowed: readonly T[]): V<T> {
  const s = raw.trim().toLowerCase();
  return (allowed as readonly string[]).includes(s) ? ok(s as T) : no(`expected ${allowed.join(' or ')}, got ${JSON.stringify(raw)}`);
}

/** An absolute http(s) URL (never logged: it may carry a token); `hint` says what fits this flag. */
export function httpUrl(raw: string, hint: string): V<string> {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return no(`expected an http:// or https:// URL (${hint})`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    return no(`expected an http:// or https:// URL, got a ${u.protocol}// URL (${hint})`);
  }
  return ok(u.toString());
}

export function regexp(raw: string): V<RegExp> {
  try {
    return ok(new RegExp(raw));
  } catch (e) {
    return no(`not a valid regular expression (${e instanceof Error ? e.message : String(e)})`);
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function dnsLabel(raw: string): V<string> {
  return DNS_LABEL.test(raw) ? ok(raw) : no(`${JSON.stringify(raw)} is not a valid name (lower case letters, digits and '-', at most 63)`);
}

export function dnsSubdomain(raw: string): V<string> {
  return DNS_SUBDOMAIN.test(raw) ? ok(raw) : no(`${JSON.stringify(raw)} is not a valid node name (lower case letters, digits, '-' and '.')`);
}

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** A label key: [prefix/]name, as Kubernetes checks it. */
export function labelKey(raw: string): V<string> {
  const k = raw.trim();
  const slash = k.lastIndexOf('/');
  const prefix = slash >= 0 ? k.slice(0, slash) : undefined;
  const name = slash >= 0 ? k.slice(slash + 1) : k;
  if ((prefix !== undefined && !DNS_SUBDOMAIN.test(prefix)) || !NAME.test(name)) {
    return no(`${JSON.stringify(raw)} is not a valid label key such as topology.kubernetes.io/zone`);
  }
  return ok(k);
}

function labelValue(v: string): boolean {
  return v === '' || NAME.test(v);
}

/** k=v pairs, from several values each holding a comma list. */
export function labels(raws: readonly string[]): V<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const raw of raws) {
    for (const item of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
      const eq = item.indexOf('=');
      const k = eq > 0 ? labelKey(item.slice(0, eq)) : no<string>('');
      const v = eq > 0 ? item.slice(eq + 1).trim() : '';
      if (!k.ok || !labelValue(v)) return no(`${JSON.stringify(item)} is not a label such as example.com/rebooting=true`);
      out[k.value] = v;
    }
  }
  return ok(out);
}

/**
 * A label selector as kubectl takes it: comma separated requirements `k`, `!k`, `k=v`, `k==v`,
 * `k!=v`, `k in (a,b)`, `k notin (a,b)`. Checked here so a typo stops start-up instead of
 * silently matching nothing (a blocker that never blocks).
 */
export function labelSelector(raw: string): V<string> {
  const s = raw.trim();
  if (s === '') return no('empty selector; give e.g. app=critical');
  const reqs: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      reqs.push(cur);
      cur = '';
    } else cur += ch;
  }
  reqs.push(cur);
  const key = String.raw`([a-z0-9.-]+/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`;
  const val = String.raw`[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`;
  const forms = [
    new RegExp(`^!?${key}$`),
    new RegExp(`^${key}\\s*(=|==|!=)\\s*(${val})?$`),
    new RegExp(`^${key}\\s+(in|notin)\\s+\\(\\s*(${val})?(\\s*,\\s*${val})*\\s*\\)$`),
  ];
  for (const r of reqs) {
    if (!forms.some((f) => f.test(r.trim()))) return no(`${JSON.stringify(r.trim())} is not a selector requirement such as app=x, tier in (a,b) or !canary`);
  }
  return ok(s);
}

/**
 * A command line split into words as Kured splits it (shell quoting, google/shlex), never run
 * through a shell: `sh -c "! needs-restarting --reboothint"` is sh, -c and the script.
 */
export function command(raw: string): V<string[]> {
  let argv: string[];
  try {
    argv = splitCommand(raw);
  } catch (e) {
    return no(`${e instanceof Error ? e.message : String(e)}; quote as a shell would, e.g. sh -c "test -f /var/run/reboot-required"`);
  }
  if (!argv.length) return no('empty command');
  // The whole line quoted once more (a YAML arg such as '"sh -c x"') names a program that does not exist.
  if (/\s/.test(argv[0])) return no(`the program name ${JSON.stringify(argv[0])} contains blanks: the whole command is quoted as one word; remove the outer quotes`);
  return ok(argv);
}
