import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from './config.ts';

const ok: { name: string; argv: string[]; env?: Record<string, string>; want: Record<string, unknown> }[] = [
  { name: 'defaults', argv: [], want: { namespace: 'nodemend', daemonset: 'nodemend-agent', listen: { host: '0.0.0.0', port: 8080 }, listenTrusted: { host: '0.0.0.0', port: 8081 }, auth: 'tokenreview', heartbeatMs: 15_000, maxClients: 1000 } },
  { name: 'flags with = and with a separate value', argv: ['--namespace=ops', '--listen', '127.0.0.1:0', '--heartbeat=500ms'], want: { namespace: 'ops', listen: { host: '127.0.0.1', port: 0 }, heartbeatMs: 500 } },
  { name: 'trusted listener off, IPv6 listen', argv: ['--listen-trusted=off', '--listen=[::1]:9000'], want: { listenTrusted: undefined, listen: { host: '::1', port: 9000 } } },
  { name: 'env fills in, flag wins over env', argv: ['--auth=tokenreview'], env: { NODEMEND_HUB_AUTH: 'none', NODEMEND_HUB_NAMESPACE: 'fromenv' }, want: { auth: 'tokenreview', namespace: 'fromenv' } },
  { name: 'auth none only when asked', argv: ['--auth=none'], want: { auth: 'none' } },
  { name: 'cidrs', argv: ['--trusted-proxy-cidrs=10.0.0.0/8, 192.168.1.7,fd00::/8'], want: { trustedCidrs: ['10.0.0.0/8', '192.168.1.7', 'fd00::/8'] } },
  { name: 'minutes', argv: ['--heartbeat=1m', '--kubeconfig=/tmp/kc'], want: { heartbeatMs: 60_000, kubeconfig: '/tmp/kc' } },
  { name: 'access defaults', argv: [], want: { tokenAudiences: [], maxClientsPerUser: 32, maxBuffered: 192 << 20, reauthMs: 300_000, maxSessionAgeMs: 3_600_000 } },
  {
    name: 'access limits set',
    argv: ['--token-audiences=nodemend-hub, other', '--max-clients-per-user=4', '--max-buffered=1Gi', '--reauth-interval=30s', '--max-session-age=2h'],
    want: { tokenAudiences: ['nodemend-hub', 'other'], maxClientsPerUser: 4, maxBuffered: 1 << 30, reauthMs: 30_000, maxSessionAgeMs: 7_200_000 },
  },
  { name: 'TLS off by default', argv: [], want: { tls: undefined } },
  { name: 'TLS files', argv: ['--tls-cert-file=/c.pem', '--tls-key-file=/k.pem'], want: { tls: { certFile: '/c.pem', keyFile: '/k.pem' } } },
];
for (const c of ok) {
  test(`config ok: ${c.name}`, () => {
    const r = parseConfig(c.argv, c.env ?? {});
    assert.ok(r.ok, r.ok ? '' : r.error);
    for (const [k, v] of Object.entries(c.want)) assert.deepEqual((r.config as unknown as Record<string, unknown>)[k], v, k);
  });
}

const bad: { argv: string[]; match: RegExp }[] = [
  { argv: ['--auth=maybe'], match: /--auth: expected tokenreview or none/ },
  { argv: ['--listen=8080'], match: /--listen: expected HOST:PORT/ },
  { argv: ['--listen=example.com:80'], match: /--listen: expected HOST:PORT with an IP/ },
  { argv: ['--listen=127.0.0.1:70000'], match: /--listen/ },
  { argv: ['--heartbeat=fast'], match: /--heartbeat: expected a duration/ },
  { argv: ['--heartbeat=1ms'], match: /--heartbeat: must be between/ },
  { argv: ['--max-clients=0'], match: /--max-clients/ },
  { argv: ['--namespace=Bad_NS'], match: /--namespace/ },
  { argv: ['--trusted-proxy-cidrs=10.0.0.0/33'], match: /--trusted-proxy-cidrs: "10.0.0.0\/33" is not a CIDR/ },
  { argv: ['--colour=red'], match: /unknown flag --colour/ },
  { argv: ['stray'], match: /unexpected argument "stray"/ },
  { argv: ['--namespace'], match: /--namespace: missing value/ },
  { argv: ['--log-level=loud'], match: /--log-level/ },
  { argv: ['--max-clients-per-user=0'], match: /--max-clients-per-user: expected an integer/ },
  { argv: ['--max-buffered=lots'], match: /--max-buffered: expected a size such as 512Ki/ },
  { argv: ['--max-buffered=1Mi'], match: /--max-buffered: must be between 16Mi and 16Gi/ },
  { argv: ['--reauth-interval=5'], match: /--reauth-interval: expected a duration such as 30s/ },
  { argv: ['--reauth-interval=2h'], match: /--reauth-interval: must be between 1s and 1h/ },
  { argv: ['--max-session-age=0s'], match: /--max-session-age: must be between/ },
  { argv: ['--token-audiences=a b'], match: /--token-audiences: "a b" is not an audience/ },
  { argv: ['--token-audiences=x', '--auth=none'], match: /--token-audiences: has no effect with --auth=none/ },
  { argv: ['--tls-cert-file=/c.pem'], match: /--tls-cert-file and --tls-key-file: give both .* got only --tls-cert-file/ },
];
for (const c of bad) {
  test(`config refuses ${c.argv.join(' ')}`, () => {
    const r = parseConfig(c.argv, {});
    assert.ok(!r.ok);
    assert.match(r.error, c.match);
  });
}
