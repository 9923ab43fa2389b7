// Plumbing of the security tests: real nodemend processes whose whole output is kept, local HTTP
// servers on 127.0.0.1 (a webhook, a Prometheus), kubeconfigs carrying a given token, and the
// parts of a secret worth searching for.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { TestCluster } from '../../tools/harness/index.ts';

const MAIN = new URL('../../backend/main.ts', import.meta.url).pathname;

export interface Logged {
  name: string;
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  stop(): Promise<void>;
}

/** `node backend/main.ts <args>` with stdout and stderr captured in memory. */
export function spawnLogged(name: string, args: string[], env: Record<string, string> = {}): Logged {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const chunks: string[] = [];
  child.stdout!.on('data', (d) => chunks.push(String(d)));
  child.stderr!.on('data', (d) => chunks.push(String(d)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    name,
    child,
    output: () => chunks.join(''),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** An HTTP server on 127.0.0.1 (nothing in the tests listens elsewhere). */
export async function httpServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ port: number; close: () => Promise<void> }> {
  const s = createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const addr = s.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { port, close: () => new Promise((r) => s.close(() => r())) };
}

/** A kubeconfig for this cluster whose user is the given bearer token. */
export function kubeconfigWith(c: TestCluster, path: string, token: string): string {
  const ca = readFileSync(c.cp.info.caPath).toString('base64');
  writeFileSync(path, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'sec',
    clusters: [{ name: 'sec', cluster: { server: c.server, 'certificate-authority-data': ca } }],
    users: [{ name: 'sec', user: { token } }],
    contexts: [{ name: 'sec', context: { cluster: 'sec', user: 'sec' } }],
  }), { mode: 0o600 });
  return path;
}

/**
 * The whole secret and the parts that give it away on their own: a JWT's signature, and for any
 * token its base64 forms (a bearer token sent as a WebSocket subprotocol is base64url-encoded).
 */
export function secretParts(secret: string): string[] {
  const parts = [secret, Buffer.from(secret).toString('base64url'), Buffer.from(secret).toString('base64').replace(/=+$/, '')];
  const jwt = secret.split('.');
  if (jwt.length === 3 && jwt[2].length >= 16) parts.push(jwt[2]);
  return [...new Set(parts)];
}
