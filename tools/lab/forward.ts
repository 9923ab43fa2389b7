// A byte-for-byte TCP/unix-socket forwarder, how the host reaches the lab's control plane without
// any address outside its network namespace: one copy runs inside the namespace and forwards a
// unix socket (a file, visible from the host) to the API server's address there; a second runs on
// the host and forwards 127.0.0.1:PORT to that socket. TLS passes through untouched.
//   node tools/lab/forward.ts unix:/path/api.sock tcp:10.77.0.1:6443     (inside the namespace)
//   node tools/lab/forward.ts tcp:127.0.0.1:40123 unix:/path/api.sock    (on the host)

import { connect, createServer, type Socket } from 'node:net';
import { rmSync } from 'node:fs';

type End = { path: string } | { host: string; port: number };

export function parseEnd(s: string): End {
  if (s.startsWith('unix:') && s.length > 5) return { path: s.slice(5) };
  const m = /^tcp:(.+):(\d{1,5})$/.exec(s);
  if (m && Number(m[2]) > 0 && Number(m[2]) < 65536) return { host: m[1]!, port: Number(m[2]) };
  throw new Error(`forward: ${JSON.stringify(s)} is neither unix:PATH nor tcp:HOST:PORT`);
}

function pipe(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  // Either side failing or closing ends both: the client sees the connection drop, as it would.
  const end = () => {
    a.destroy();
    b.destroy();
  };
  a.on('error', end).on('close', end);
  b.on('error', end).on('close', end);
}

export function forward(from: End, to: End): Promise<() => Promise<void>> {
  const server = createServer((client) => pipe(client, connect(to as never)));
  if ('path' in from) rmSync(from.path, { force: true });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const ready = () => resolve(() => new Promise((r) => server.close(() => r())));
    if ('path' in from) server.listen(from.path, ready);
    else server.listen(from.port, from.host, ready);
  });
}

if (import.meta.main) {
  const [from, to] = process.argv.slice(2);
  if (!from || !to) {
    console.error('usage: node tools/lab/forward.ts FROM TO   (each unix:PATH or tcp:HOST:PORT)');
    process.exit(2);
  }
  await forward(parseEnd(from), parseEnd(to));
  console.log(`forward: ${from} -> ${to}`);
}
