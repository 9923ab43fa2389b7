// Why a connection to the hub failed, in words a person can act on, and what the view should
// show: "no-backend" (offer Deploy Backend), "connecting" (it is coming up, keep trying) or
// "error". Pure: from the HTTP status and body of a refused WebSocket upgrade, or a socket error.

import { statusMessage } from '../kube/errors.ts';
import { HUB_SERVICE, type HubMode } from './settings.ts';

export type ConnState = 'disconnected' | 'connecting' | 'connected' | 'no-backend' | 'error';

/**
 * What kind of trouble, so the welcome view can offer the action that fixes it. not-approved: the
 * person did not approve the direct hub URL (connection/approval.ts), so nothing was sent.
 */
export type Problem = 'kubeconfig' | 'credentials' | 'forbidden' | 'unreachable' | 'not-approved' | 'other';

export interface Failure {
  state: Exclude<ConnState, 'connected' | 'disconnected'>;
  detail: string;
  problem?: Problem;
  /** Worth retrying soon (the cause may clear by itself) rather than at the slowest pace. */
  transient: boolean;
}

export interface Where {
  mode: HubMode;
  context: string;
  namespace: string;
}

export function httpFailure(status: number, body: string, w: Where): Failure {
  const server = statusMessage(body) ?? '';
  const svc = `Service ${HUB_SERVICE.name} in namespace "${w.namespace}"`;
  if (status === 404 && w.mode !== 'url') {
    return { state: 'no-backend', detail: `nodemend is not installed in context "${w.context}" (no ${svc}).`, transient: false };
  }
  if (status === 503 && /no endpoints available|connection refused|dial tcp/i.test(server + body)) {
    return { state: 'connecting', detail: `The hub is not ready yet (${svc} has no ready pod); retrying.`, transient: true };
  }
  if (status === 503) {
    // The hub itself: starting (cluster state not synced yet) or full. Both pass by themselves.
    return { state: 'connecting', detail: `The hub is not ready${server ? `: ${server}` : ''}; retrying.`, transient: true };
  }
  if (status === 401) {
    return { state: 'error', problem: 'credentials', detail: `${w.mode === 'url' ? 'The hub' : 'The API server'} rejected your credentials for context "${w.context}" (401). Log in again or refresh the token.${w.mode === 'url' ? ' In url mode the hub needs a bearer token (token or exec user in the kubeconfig).' : ''}`, transient: false };
  }
  if (status === 403) {
    const need = w.mode === 'proxy' ? `"get" on "services/proxy" in namespace "${w.namespace}"` : w.mode === 'port-forward' ? `"create" on "pods/portforward" in namespace "${w.namespace}"` : 'permission to list nodes (the hub checks it)';
    return { state: 'error', problem: 'forbidden', detail: `Not allowed to read the nodemend stream with context "${w.context}": your credentials lack ${need}.`, transient: false };
  }
  return { state: 'error', problem: 'other', detail: `The hub connection was refused (HTTP ${status})${server ? `: ${server}` : ''}; retrying.`, transient: status >= 500 };
}

export function socketFailure(err: Error & { code?: string }, url: string): Failure {
  const where = safeUrl(url);
  if (err.code === 'ECONNREFUSED' || err.code === 'EHOSTUNREACH' || err.code === 'ENOTFOUND' || err.code === 'ETIMEDOUT') {
    return { state: 'error', problem: 'unreachable', detail: `Cannot reach ${where} (${err.code}); retrying.`, transient: true };
  }
  return { state: 'error', problem: 'other', detail: `Connection to ${where} failed: ${err.message.split('\n')[0]}; retrying.`, transient: true };
}

/** A URL fit for messages: no credentials, no query. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
