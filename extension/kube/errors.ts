// Turns a failed Kubernetes call into one sentence a person can act on: what was refused, which
// permission is missing (for a 403, named as verb + resource + namespace, the way RBAC rules are
// written), and what to do next. Pure: takes the error as thrown by @kubernetes/client-node
// (ApiException {code, body}) or by the network layer, plus what was being attempted.

export interface Attempt {
  /** What the user tried, as a phrase: "schedule a reboot of node n-1". */
  what: string;
  verb: string;
  /** Plural resource, e.g. "nodes" or "daemonsets". */
  resource: string;
  /** API group, "" for core. */
  group?: string;
  namespace?: string;
  name?: string;
  /** Kubeconfig context in use, named in the message so the user knows which credentials. */
  context?: string;
}

type ErrLike = { code?: unknown; body?: unknown; message?: unknown; cause?: unknown };

/** The Status message the API server sent, if any (body is a JSON string or an object). */
export function statusMessage(body: unknown): string | undefined {
  let b: unknown = body;
  if (typeof body === 'string') {
    try {
      b = JSON.parse(body);
    } catch {
      return body.trim() ? body.trim().slice(0, 300) : undefined;
    }
  }
  // Kubernetes Status objects carry `message`; the hub's refusals carry `error`.
  if (b && typeof b === 'object') {
    const o = b as { message?: unknown; error?: unknown };
    if (typeof o.message === 'string') return o.message;
    if (typeof o.error === 'string') return o.error;
  }
  return undefined;
}

const NETWORK_CODES = ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'];

function networkCode(e: ErrLike): string | undefined {
  for (let cur: unknown = e, i = 0; cur && typeof cur === 'object' && i < 4; cur = (cur as ErrLike).cause, i++) {
    const c = (cur as ErrLike).code;
    if (typeof c === 'string' && NETWORK_CODES.includes(c)) return c;
  }
  return undefined;
}

export function resourceName(a: Attempt): string {
  return a.group ? `${a.resource}.${a.group}` : a.resource;
}

function where(a: Attempt): string {
  return a.namespace ? ` in namespace "${a.namespace}"` : ' (cluster-wide)';
}

export function describeKubeError(err: unknown, a: Attempt): string {
  const e = (err && typeof err === 'object' ? err : { message: String(err) }) as ErrLike;
  const ctx = a.context ? ` for context "${a.context}"` : '';
  const server = statusMessage(e.body);
  const tail = server ? ` (API server: ${server})` : '';
  const code = typeof e.code === 'number' ? e.code : undefined;
  switch (code) {
    case 403:
      return (
        `Not allowed to ${a.what}: your credentials${ctx} lack permission "${a.verb}" on "${resourceName(a)}"${where(a)}. ` +
        `Ask a cluster admin for a Role or ClusterRole granting it.`
      );
    case 401:
      return `The API server rejected your credentials${ctx} (401 Unauthorized). Log in again or refresh the token, then retry.`;
    case 404:
      return `Could not ${a.what}: ${a.resource} ${a.name ? `"${a.name}" ` : ''}not found${a.namespace ? ` in namespace "${a.namespace}"` : ''}.${tail}`;
    case 409:
      return `Could not ${a.what}: the object changed at the same time (409 Conflict). Retry.`;
    case 400:
    case 422:
      return `The API server refused to ${a.what}${tail || ` (${code})`}.`;
    case 429:
      return `The API server is throttling requests (429); could not ${a.what}. Retry in a moment.`;
  }
  if (code !== undefined && code >= 500) return `The API server failed to ${a.what} (${code})${tail}. Retry in a moment.`;
  const net = networkCode(e);
  if (net) return `Cannot reach the API server${ctx} (${net}); could not ${a.what}. Check that the cluster is up and the kubeconfig points at it.`;
  const msg = typeof e.message === 'string' && e.message ? e.message.split('\n')[0] : 'unknown error';
  return `Could not ${a.what}: ${msg}`;
}
