// API load from the API server's audit log: every request carries the user that made it, so an
// agent's requests are counted exactly (by its ServiceAccount), without subtracting the control
// plane's own background traffic, and broken down by verb and resource so a figure can be
// explained. apiserver_request_total has no user label; the audit log is how a cluster admin would
// answer "who is calling my API server" too.

import { openSync, readSync, closeSync, statSync } from 'node:fs';

export interface AuditCount {
  /** Distinct requests received in the window. */
  requests: number;
  /** Requests by "verb resource[/subresource]", most first. */
  byVerbResource: Record<string, number>;
}

/**
 * Counts the requests of `user` received in [fromMs, toMs) in audit JSON lines. A request appears
 * once per stage (a watch: when its response starts and again when it ends), so requests are
 * distinct audit IDs, placed in time by when they were received. Unreadable lines are skipped.
 */
export function countAudit(lines: string, user: string, fromMs: number, toMs: number): AuditCount {
  const seen = new Map<string, string>();
  for (const line of lines.split('\n')) {
    if (!line.includes(user)) continue; // cheap filter: the log holds every component's traffic
    let e: AuditLine;
    try {
      e = JSON.parse(line) as AuditLine;
    } catch {
      continue;
    }
    if (e.user?.username !== user || typeof e.auditID !== 'string' || seen.has(e.auditID)) continue;
    const t = Date.parse(e.requestReceivedTimestamp ?? '');
    if (!(t >= fromMs && t < toMs)) continue;
    const r = e.objectRef;
    const what = r?.resource ? `${r.resource}${r.subresource ? `/${r.subresource}` : ''}` : (e.requestURI ?? '?').split('?')[0];
    seen.set(e.auditID, `${e.verb ?? '?'} ${what}`);
  }
  const by: Record<string, number> = {};
  for (const k of seen.values()) by[k] = (by[k] ?? 0) + 1;
  return { requests: seen.size, byVerbResource: Object.fromEntries(Object.entries(by).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) };
}

interface AuditLine {
  auditID?: string;
  verb?: string;
  requestURI?: string;
  requestReceivedTimestamp?: string;
  user?: { username?: string };
  objectRef?: { resource?: string; subresource?: string };
}

/** The log's size now: read from here later to see only what came after. */
export function auditOffset(path: string): number {
  return statSync(path).size;
}

/** The log's text from `offset` to its end. */
export function readAuditFrom(path: string, offset: number): string {
  const size = statSync(path).size;
  if (size <= offset) return '';
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(size - offset);
    readSync(fd, buf, 0, buf.length, offset);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}
