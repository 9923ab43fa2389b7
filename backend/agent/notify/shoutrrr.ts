// --notify-url as Kured takes it: a shoutrrr service URL (Kured 1.23 sends through
// github.com/containrrr/shoutrrr v0.8), read once at start-up into a NotifyTarget that says
// exactly where and what to send, or an error naming the part that is wrong and the fix.
// Kured reports a bad URL only when it first sends (and then never notifies); nodemend refuses it
// before it starts. Besides shoutrrr's services, a plain http(s) URL is nodemend's own webhook.
//
//   slack://[botname@]T…/B…/X…  (legacy)   slack://hook:T…-B…-X…@webhook   webhook
//   slack://xoxb:<token>@<channel>                                          Slack's bot API
//   teams://?host=<Power Automate workflow URL>[&title=…&color=…]           Teams Workflows
//   generic://host/path?…  generic+https://host/path?…  generic+http://…   any HTTP endpoint
//   smtp://[user:password@]host[:port]/?from=…&to=a,b[&subject=…]          e-mail

export type SlackTarget = {
  kind: 'slack';
  /** Webhook token A/B/C (sent to hooks.slack.com/services/A/B/C), or the bot API token. */
  token: { type: 'hook'; path: string } | { type: 'api'; bearer: string };
  /** Bot API only: the channel to post to. */
  channel?: string;
  botName?: string;
  icon?: string;
  color?: string;
  title?: string;
  threadTs?: string;
};

export type TeamsTarget = { kind: 'teams'; url: string; title?: string; color?: string };

export type GenericTarget = {
  kind: 'generic';
  url: string;
  method: string;
  contentType: string;
  /** raw: the message is the body (shoutrrr's default); json: {<messageKey>: message, ...extra}. */
  template: 'raw' | 'json';
  messageKey: string;
  headers: Record<string, string>;
  extra: Record<string, string>;
};

export type SmtpTarget = {
  kind: 'smtp';
  host: string;
  port: number;
  username: string;
  password: string;
  from: string;
  fromName: string;
  to: string[];
  subject: string;
  auth: 'none' | 'plain' | 'crammd5' | 'oauth2';
  /** auto: implicit TLS on port 465, else STARTTLS when the server offers it and startTls is on. */
  encryption: 'none' | 'explicittls' | 'implicittls' | 'auto';
  startTls: boolean;
  html: boolean;
  clientHost: string;
};

export type WebhookTarget = { kind: 'webhook'; url: string; format: 'json' | 'slack' | 'auto' };

export type NotifyTarget = WebhookTarget | SlackTarget | TeamsTarget | GenericTarget | SmtpTarget;

type R<T> = { ok: true; value: T } | { ok: false; error: string };
const ok = <T>(value: T): R<T> => ({ ok: true, value });
const no = <T>(error: string): R<T> => ({ ok: false, error });

/** Kured's stripQuotes: one pair of matching ' or " around a value longer than 2 goes. */
export function stripQuotes(s: string): string {
  if (s.length > 2 && s[0] === s[s.length - 1] && (s[0] === '"' || s[0] === "'")) return s.slice(1, -1);
  return s;
}

/** The services nodemend sends to; every other shoutrrr scheme is refused by name. */
export const NOTIFY_SCHEMES = ['slack', 'teams', 'generic', 'generic+https', 'generic+http', 'smtp', 'http', 'https'] as const;

// shoutrrr's other services (v0.8 and the maintained fork): refused with the way round.
const OTHER_SHOUTRRR = ['bark', 'discord', 'gotify', 'googlechat', 'hangouts', 'ifttt', 'join', 'lark', 'matrix', 'mattermost', 'ntfy', 'opsgenie', 'pushbullet', 'pushover', 'rocketchat', 'signal', 'telegram', 'wecom', 'zulip'];

const FIX = 'nodemend sends to slack://, teams://, generic://, smtp:// and plain http(s) webhooks; for another service put its webhook behind generic://';

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** shoutrrr's boolean words. */
function yesNo(key: string, v: string): R<boolean> {
  const s = v.trim().toLowerCase();
  if (['true', '1', 'yes', 'y'].includes(s)) return ok(true);
  if (['false', '0', 'no', 'n'].includes(s)) return ok(false);
  return no(`${key}=${JSON.stringify(v)} is not yes or no`);
}

/** Query keys lower-cased (shoutrrr matches them so), first value of each. */
function query(u: URL): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of u.searchParams) if (!m.has(k.toLowerCase())) m.set(k.toLowerCase(), v);
  return m;
}

function unknownKeys(service: string, q: Map<string, string>, known: readonly string[]): string | undefined {
  const bad = [...q.keys()].filter((k) => !known.includes(k));
  return bad.length ? `${service}: unknown query key ${bad.map((b) => JSON.stringify(b)).join(', ')}; ${service} takes ${known.join(', ')}` : undefined;
}

// shoutrrr's token pattern: parts of at least 9, 9 and 24 characters, one separator throughout.
const SLACK_TOKEN = /(?:(xox.|hook)[-:]|:?)([A-Z0-9]{9,})([-/,])([A-Z0-9]{9,})([-/,])([A-Za-z0-9]{24,})/;

function slack(u: URL): R<SlackTarget> {
  const q = query(u);
  const bad = unknownKeys('slack', q, ['botname', 'username', 'icon', 'icon_emoji', 'icon_url', 'color', 'title', 'thread_ts']);
  if (bad) return no(bad);
  const legacy = u.pathname.length > 1;
  // Legacy slack://[botname@]A/B/C: the token is host + path. New: slack://<type>:<token>@<channel>.
  const raw = legacy ? u.hostname + u.pathname : `${decode(u.username)}${u.password ? ':' + decode(u.password) : ''}`;
  const m = SLACK_TOKEN.exec(raw);
  if (!m) return no('slack: no Slack token in the URL; expected slack://hook:<A>-<B>-<C>@webhook (from the webhook URL https://hooks.slack.com/services/<A>/<B>/<C>) or slack://xoxb:<token>@<channel>');
  if (m[3] !== m[5]) return no('slack: the token parts are separated by different characters; use one of - / , throughout');
  const type = m[1] ?? 'hook';
  const target: SlackTarget = {
    kind: 'slack',
    token: type === 'hook' ? { type: 'hook', path: `${m[2]}/${m[4]}/${m[6]}` } : { type: 'api', bearer: `${type}-${m[2]}-${m[4]}-${m[6]}` },
  };
  const channel = legacy ? 'webhook' : u.hostname;
  if (target.token.type === 'api') {
    if (!channel || channel === 'webhook') return no('slack: a bot token needs a channel: slack://xoxb:<token>@<channel id>');
    target.channel = channel;
  }
  const botName = q.get('botname') ?? q.get('username') ?? (legacy && u.username ? decode(u.username) : undefined);
  if (botName) target.botName = botName;
  const icon = q.get('icon') ?? q.get('icon_emoji') ?? q.get('icon_url');
  if (icon) target.icon = icon;
  if (q.get('color')) target.color = q.get('color');
  if (q.get('title')) target.title = q.get('title');
  if (q.get('thread_ts')) target.threadTs = q.get('thread_ts');
  return ok(target);
}

function teams(u: URL): R<TeamsTarget> {
  const q = query(u);
  const host = q.get('host') ?? '';
  if (!/^https?:\/\//i.test(host)) {
    // shoutrrr v0.8's teams://group@tenant/altId/groupOwner?host=….webhook.office.com is an
    // Office 365 connector: Microsoft retired them, such a URL no longer delivers anything.
    return no('teams: Office 365 connector URLs (teams://group@tenant/…) no longer deliver (Microsoft retired the connectors); create a Teams Workflow ("When a Teams webhook request is received") and write teams://?host=<its URL, percent-encoded>');
  }
  const bad = unknownKeys('teams', q, ['host', 'title', 'color']);
  if (bad) return no(bad);
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    return no('teams: host= is not a URL; give the Workflow URL, percent-encoded');
  }
  const t: TeamsTarget = { kind: 'teams', url: url.toString() };
  if (q.get('title')) t.title = q.get('title');
  if (q.get('color')) t.color = q.get('color');
  return ok(t);
}

const GENERIC_KEYS = ['contenttype', 'disabletls', 'template', 'title', 'titlekey', 'messagekey', 'method'];

function generic(u: URL, scheme: string): R<GenericTarget> {
  const q = query(u);
  const headers: Record<string, string> = {};
  const extra: Record<string, string> = {};
  const rest = new URLSearchParams();
  for (const [k, v] of u.searchParams) {
    // @Header=value becomes a request header, $key=value an extra JSON field; shoutrrr's own
    // keys configure it; any other key stays in the endpoint's query.
    if (k.startsWith('@')) headers[headerKey(k.slice(1))] = v;
    else if (k.startsWith('$')) extra[k.slice(1)] = v;
    else if (!GENERIC_KEYS.includes(k.toLowerCase())) rest.append(k, v);
  }
  let tls = scheme !== 'generic+http';
  if (q.has('disabletls')) {
    const d = yesNo('generic: disabletls', q.get('disabletls')!);
    if (!d.ok) return d;
    tls = !d.value;
  }
  const tpl = q.get('template') ?? '';
  if (tpl !== '' && tpl.toLowerCase() !== 'json') return no(`generic: template=${JSON.stringify(tpl)} is not available; use template=json or leave it out (the message is the body)`);
  if (!u.host) return no('generic: no host; expected generic://host/path or generic+https://host/path');
  const qs = rest.toString();
  // user:password@ stays (shoutrrr's Go client sends it as Basic auth; so does request()).
  const userinfo = u.username || u.password ? `${u.username}${u.password ? ':' + u.password : ''}@` : '';
  const url = `${tls ? 'https' : 'http'}://${userinfo}${u.host}${u.pathname}${qs ? '?' + qs : ''}`;
  const method = (q.get('method') ?? 'POST').toUpperCase();
  if (!/^[A-Z]+$/.test(method)) return no(`generic: method=${JSON.stringify(q.get('method'))} is not an HTTP method such as POST`);
  return ok({
    kind: 'generic',
    url,
    method,
    contentType: q.get('contenttype') ?? 'application/json',
    template: tpl === '' ? 'raw' : 'json',
    messageKey: q.get('messagekey') ?? 'message',
    headers,
    extra,
  });
}

/** shoutrrr's header key normalisation: x-api-key and XApiKey both become X-Api-Key. */
function headerKey(key: string): string {
  let out = '';
  for (let i = 0; i < key.length; i++) {
    const c = key[i];
    if (c >= 'A' && c <= 'Z') out += i > 0 && key[i - 1] !== '-' ? '-' + c : c;
    else out += i === 0 || key[i - 1] === '-' ? c.toUpperCase() : c;
  }
  return out;
}

const SMTP_KEYS = ['fromaddress', 'from', 'fromname', 'toaddresses', 'to', 'subject', 'title', 'auth', 'encryption', 'usestarttls', 'starttls', 'usehtml', 'clienthost'];

function smtp(u: URL): R<SmtpTarget> {
  const q = query(u);
  const bad = unknownKeys('smtp', q, SMTP_KEYS);
  if (bad) return no(bad);
  if (!u.hostname) return no('smtp: no server; expected smtp://[user:password@]host[:port]/?from=…&to=…');
  const port = u.port ? Number(u.port) : 25;
  // shoutrrr reads "+" in the query as a blank and puts it back in addresses (user+tag@…).
  const addr = (s: string) => s.trim().replaceAll(' ', '+');
  const from = addr(q.get('fromaddress') ?? q.get('from') ?? '');
  const to = (q.get('toaddresses') ?? q.get('to') ?? '').split(',').map(addr).filter(Boolean);
  if (!from) return no('smtp: from= is missing; add ?from=nodemend@example.com');
  if (!to.length) return no('smtp: to= is missing; add &to=ops@example.com (several: a,b)');
  const username = decode(u.username);
  const enumOf = <T extends string>(key: string, values: readonly T[], def: T): R<T> => {
    const v = q.get(key);
    if (v === undefined) return ok(def);
    const hit = values.find((x) => x === v.trim().toLowerCase());
    return hit ? ok(hit) : no(`smtp: ${key}=${JSON.stringify(v)} is not one of ${values.join(', ')}`);
  };
  // shoutrrr's "Unknown" auth: Plain when a user is given, else None.
  const auth = enumOf('auth', ['none', 'plain', 'crammd5', 'oauth2', 'unknown'] as const, 'unknown');
  const encryption = enumOf('encryption', ['none', 'explicittls', 'implicittls', 'auto'] as const, 'auto');
  const startTls = yesNo('smtp: usestarttls', q.get('usestarttls') ?? q.get('starttls') ?? 'yes');
  const html = yesNo('smtp: usehtml', q.get('usehtml') ?? 'no');
  if (!auth.ok) return no(auth.error);
  if (!encryption.ok) return no(encryption.error);
  if (!startTls.ok) return no(startTls.error);
  if (!html.ok) return no(html.error);
  return ok({
    kind: 'smtp',
    host: u.hostname,
    port,
    username,
    password: decode(u.password),
    from,
    fromName: q.get('fromname') ?? '',
    to,
    subject: q.get('subject') ?? q.get('title') ?? '',
    auth: auth.value === 'unknown' ? (username ? 'plain' : 'none') : auth.value,
    encryption: encryption.value,
    startTls: startTls.value,
    html: html.value,
    clientHost: q.get('clienthost') ?? 'localhost',
  });
}

/**
 * Reads a notify URL (quotes already stripped). `format` applies to plain http(s) webhooks only.
 * Errors say what is wrong and how to write it; they never repeat the URL (it carries secrets).
 */
export function parseNotifyUrl(raw: string, format: WebhookTarget['format'] = 'auto'): R<NotifyTarget> {
  const s = raw.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(s)?.[1].toLowerCase();
  if (!scheme) return no(`not a URL; ${FIX}`);
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return no(`cannot read this ${scheme}:// URL; ${FIX}`);
  }
  switch (scheme) {
    case 'http':
    case 'https':
      return ok({ kind: 'webhook', url: u.toString(), format });
    case 'slack':
      return slack(u);
    case 'teams':
      return teams(u);
    case 'generic':
    case 'generic+https':
    case 'generic+http':
      return generic(u, scheme);
    case 'smtp':
      return smtp(u);
    default:
      return no(
        OTHER_SHOUTRRR.includes(scheme.split('+')[0])
          ? `shoutrrr's ${scheme}:// service is not supported; ${FIX} (e.g. generic+https://<the service's webhook URL without https://>)`
          : `${scheme}:// is not a notification service nodemend knows; ${FIX}`,
      );
  }
}

/** The host a target sends to, for logs (URLs and tokens stay out of them). */
export function targetHost(t: NotifyTarget): string {
  switch (t.kind) {
    case 'slack':
      return t.token.type === 'hook' ? 'hooks.slack.com' : 'slack.com';
    case 'smtp':
      return `${t.host}:${t.port}`;
    default:
      return new URL(t.url).host;
  }
}
