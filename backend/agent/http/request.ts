// The agent's outbound HTTP (webhooks, Slack, Teams, generic endpoints, Prometheus), one way:
// - credentials in the URL (user:password@) travel as a Basic Authorization header, never in
//   the URL given to fetch (fetch refuses them, and its error quoted the whole URL);
// - redirects are not followed: a 3xx is an error, so neither the credentials nor the body go to
//   wherever a redirect points;
// - an answer is read up to a cap and the rest cancelled, so an endless or huge body neither
//   fills the agent's memory nor holds it;
// - every error names the URL through redactUrl, the one redaction used wherever the agent shows
//   an outbound URL.

import { errMsg } from '../../shared/log.ts';

const HIDDEN = '***';

/** A path segment that looks like a key: long, or mixing letters and digits. */
function tokenLike(seg: string): boolean {
  return seg.length >= 24 || (seg.length >= 8 && /[a-z]/i.test(seg) && /\d/.test(seg));
}

/**
 * The URL as it may be shown: credentials and every query value replaced by ***, no fragment,
 * and each path segment hidden too: a webhook's key is its path (Slack's /services/T…/B…/X…,
 * Teams' and Power Automate's /webhookb2/…, /workflows/<id>/…, any /hooks/<key>), and no rule
 * tells a key from a word there. With showPath (a Prometheus route prefix such as /prometheus,
 * which is no secret) the path stays, but for segments that look like keys. What is left says
 * where the agent sent without saying how to send there again.
 */
export function redactUrl(url: string | URL, showPath = false): string {
  let u: URL;
  try {
    u = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return '<not a URL>';
  }
  const userinfo = u.username || u.password ? `${HIDDEN}@` : '';
  const path = u.pathname
    .split('/')
    .map((seg) => (seg === '' || (showPath && !tokenLike(decode(seg))) ? seg : HIDDEN))
    .join('/');
  const query = [...u.searchParams.keys()].map((k) => `${encodeURIComponent(k)}=${HIDDEN}`).join('&');
  return `${u.protocol}//${userinfo}${u.host}${path}${query ? '?' + query : ''}`;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export interface OutboundRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Bytes of the answer read at most; a longer answer is an error (AnswerTooLarge). */
  maxBytes: number;
  /** Errors show the URL's path (redactUrl's showPath): for Prometheus, not for webhooks. */
  showPath?: boolean;
}

export interface OutboundAnswer {
  status: number;
  text: string;
}

/** The answer was longer than maxBytes: the rest was not read. */
export class AnswerTooLarge extends Error {}

/**
 * Sends one request the safe way (see the header). Resolves with the status and the text of a
 * non-redirect answer; rejects with an error naming the redacted URL otherwise.
 */
export async function request(r: OutboundRequest): Promise<OutboundAnswer> {
  const shown = redactUrl(r.url, r.showPath);
  const method = r.method ?? 'GET';
  const fail = (why: string, tooLarge = false) => new (tooLarge ? AnswerTooLarge : Error)(`${method} ${shown}: ${why}`);
  let u: URL;
  try {
    u = new URL(r.url);
  } catch {
    throw fail('not a URL');
  }
  const headers: Record<string, string> = { ...r.headers };
  if (u.username || u.password) {
    // As Go's HTTP client does for Kured: userinfo becomes Basic auth, unless a header says otherwise.
    const has = Object.keys(headers).some((k) => k.toLowerCase() === 'authorization');
    if (!has) headers.authorization = `Basic ${Buffer.from(`${decode(u.username)}:${decode(u.password)}`).toString('base64')}`;
    u.username = '';
    u.password = '';
  }
  const clean = u.toString();
  let res: Response;
  try {
    res = await fetch(clean, { method, headers, body: r.body, redirect: 'manual', signal: AbortSignal.timeout(r.timeoutMs) });
  } catch (e) {
    throw fail(scrub(e, clean, shown));
  }
  if ((res.status >= 300 && res.status < 400) || res.type === 'opaqueredirect') {
    await res.body?.cancel().catch(() => undefined);
    const to = res.headers.get('location');
    let where = '';
    try {
      if (to) where = ` to ${redactUrl(new URL(to, clean), r.showPath)}`;
    } catch {
      where = ' to a Location that is not a URL';
    }
    throw fail(`answered ${res.status} (a redirect${where}); redirects are not followed: use the final URL`);
  }
  try {
    return { status: res.status, text: await readCapped(res, r.maxBytes) };
  } catch (e) {
    if (e instanceof AnswerTooLarge) throw fail(e.message, true);
    throw fail(scrub(e, clean, shown));
  }
}

/** Reads at most max bytes of the body as UTF-8, cancelling the stream past it. */
async function readCapped(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.byteLength;
    if (n > max) {
      await reader.cancel().catch(() => undefined);
      throw new AnswerTooLarge(`the answer is larger than ${size(max)}; not read further`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function size(b: number): string {
  return b >= 1 << 20 ? `${b / (1 << 20)} MiB` : b >= 1024 ? `${b / 1024} KiB` : `${b} bytes`;
}

/** An error's message (and its cause's, where fetch puts the reason) with the URL redacted. */
function scrub(e: unknown, clean: string, shown: string): string {
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message : '';
  const msg = errMsg(e) + (cause && !errMsg(e).includes(cause) ? ` (${cause})` : '');
  return msg.replaceAll(clean, shown);
}
