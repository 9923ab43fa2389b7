// HTTP front doors of the hub: /healthz, /readyz, /metrics, and the WebSocket stream at /stream
// (also at /, for clients that connect to the bare service proxy URL). Authentication happens on
// the upgrade request, before any WebSocket exists: a refused client gets a plain HTTP status and
// a JSON reason, and costs the hub nothing more. In order: a web page (Origin header) 403, not
// synced 503, too many clients 503, the door's decision (401/403/503), too many streams of this
// user 429.

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { MAX_FRAME_BYTES, SUBPROTOCOL } from '../../protocol/messages.ts';
import { bearerToken, browserOrigin, type AuthDecision } from './auth.ts';
import type { FlowLimits } from './flow.ts';
import type { Hub } from './hub.ts';
import type { JsonLogger } from '../shared/log.ts';
import type { HubMetrics } from './metrics.ts';
import { Session, type Grant } from './session.ts';

export interface Door {
  name: 'direct' | 'trusted';
  host: string;
  port: number;
  /** Decides on the upgrade request. */
  authorize(req: IncomingMessage, token: string | undefined): Promise<AuthDecision>;
  /** Decides again for an open token session, without the cache (reauth.ts). */
  recheck?(token: string): Promise<AuthDecision>;
  /** PEM certificate and key: this door speaks TLS. */
  tls?: { cert: string; key: string };
}

export interface ServerDeps {
  hub: Hub;
  metrics: HubMetrics;
  log: JsonLogger;
  ready: () => boolean;
  healthy: () => boolean;
  maxClients: number;
  /** Streams per Grant.key (a user, a client address, all port-forwards); default no limit. */
  maxClientsPerUser?: number;
  flow?: FlowLimits;
  now?: () => number;
}

const STREAM_PATHS = new Set(['/', '/stream']);

export interface Listening {
  server: Server | TlsServer;
  port: number;
  /** Swaps the certificate and key of a TLS door (rotation); new connections use them. */
  setTls(tls: { cert: string; key: string }): void;
  close(): Promise<void>;
}

export async function listen(door: Door, deps: ServerDeps): Promise<Listening> {
  // Frames up to twice the protocol limit are read and answered with a too-large error; beyond
  // that ws closes the connection (1009) without buffering more.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 2 * MAX_FRAME_BYTES,
    perMessageDeflate: false,
    handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });
  const handler = async (req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      // Liveness is the process answering. Failing watches (API server outage) are reported but
      // do not fail it: restarting the hub would not bring the API server back.
      res.writeHead(200, { 'content-type': 'text/plain' }).end(deps.healthy() ? 'ok\n' : 'ok (watches failing, retrying; serving the last known state)\n');
    } else if (path === '/readyz') {
      const ok = deps.ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ready\n' : 'cluster state not synced yet\n');
    } else if (path === '/metrics') {
      try {
        const body = await deps.metrics.registry.metrics();
        res.writeHead(200, { 'content-type': deps.metrics.registry.contentType }).end(body);
      } catch {
        res.writeHead(500).end();
      }
    } else if (STREAM_PATHS.has(path)) {
      res.writeHead(426, { 'content-type': 'application/json', upgrade: 'websocket' }).end(JSON.stringify({ error: 'this is a WebSocket endpoint; connect with Upgrade: websocket' }));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `no such path; use /stream, /healthz, /readyz or /metrics` }));
    }
  };
  const tlsServer = door.tls ? createTlsServer({ cert: door.tls.cert, key: door.tls.key }, handler) : undefined;
  const server: Server | TlsServer = tlsServer ?? createServer(handler);

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    upgrade(req, socket, head).catch((e) => {
      deps.log.error('upgrade failed', { error: e instanceof Error ? e.message : String(e) });
      refuse(socket, 500, 'internal error');
    });
  });

  async function upgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (!STREAM_PATHS.has(path)) return refuse(socket, 404, 'no such path; the stream is at /stream');
    // A browser always sends Origin on a WebSocket; the extension (Node's ws) never does. Without
    // this, any web page could read the stream through a port-forward on the viewer's machine.
    const origin = browserOrigin(req.headers);
    if (origin !== undefined) {
      deps.metrics.authDenied.inc({ status: '403' });
      deps.log.warn('connection refused', { door: door.name, status: 403, reason: 'web page origin', origin: origin.slice(0, 200), remote: req.socket.remoteAddress });
      return refuse(socket, 403, `WebSocket from a web page (Origin ${JSON.stringify(origin.slice(0, 200))}) refused: the stream is for the nodemend extension and other non-browser clients`);
    }
    if (!deps.ready()) return refuse(socket, 503, 'cluster state not synced yet; retry shortly');
    if (deps.hub.sessions.size >= deps.maxClients) return refuse(socket, 503, `too many clients (${deps.maxClients}); retry later`);
    const d = await door.authorize(req, bearerToken(req.headers));
    if (!d.ok) {
      deps.metrics.authDenied.inc({ status: String(d.status) });
      deps.log.warn('connection refused', { door: door.name, status: d.status, reason: d.reason, remote: req.socket.remoteAddress });
      return refuse(socket, d.status, d.reason);
    }
    if (socket.destroyed) return;
    const key = d.key ?? `user ${d.user}`;
    let mine = 0;
    for (const s of deps.hub.sessions) if (s.grant.key === key) mine++;
    // --auth=none identifies nobody (everyone is "anonymous"): --max-clients and the send budget
    // still bound it, a per-user cap would only cap everyone together.
    const cap = d.via === 'auth-disabled' ? Infinity : (deps.maxClientsPerUser ?? Infinity);
    if (mine >= cap) {
      deps.metrics.authDenied.inc({ status: '429' });
      deps.log.warn('connection refused', { door: door.name, status: 429, reason: 'per-user limit', key, remote: req.socket.remoteAddress });
      return refuse(socket, 429, `${key} already has ${mine} streams open (--max-clients-per-user=${cap}); close one, or raise the limit`);
    }
    const now = (deps.now ?? Date.now)();
    const token = bearerToken(req.headers);
    const grant: Grant = { kind: d.via === 'token' ? 'token' : d.via === 'trusted-source' ? 'trusted' : 'open', key, openedAt: now, confirmedAt: now };
    if (d.via === 'token' && token && door.recheck) grant.recheck = () => door.recheck!(token);
    // handleUpgrade completes synchronously here (no verifyClient), so the count above and the
    // add below happen in one turn: two upgrades of one user cannot both pass a full cap.
    wss.handleUpgrade(req, socket, head, (ws) => {
      const s = new Session(randomUUID().slice(0, 8), d.user, ws, deps.hub, deps.flow, grant);
      deps.hub.add(s);
      deps.log.info('client connected', { door: door.name, session: s.id, user: d.user, via: d.via, remote: req.socket.remoteAddress });
      ws.on('close', (code) => deps.log.info('client disconnected', { session: s.id, code }));
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(door.port, door.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    setTls: (tls) => tlsServer?.setSecureContext({ cert: tls.cert, key: tls.key }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const STATUS_TEXT: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' };

function refuse(socket: Socket, status: number, reason: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error: reason });
  const extra = status === 401 ? 'WWW-Authenticate: Bearer\r\n' : '';
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`,
  );
}
