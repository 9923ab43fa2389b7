// shoutrrr URLs in, targets or named errors out. The URLs and their meaning come from shoutrrr's
// own documentation and code (containrrr/shoutrrr v0.8.0, the version Kured 1.23 ships, and the
// maintained fork's Teams Workflows format), not from nodemend's parser.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNotifyUrl, stripQuotes, type NotifyTarget } from './shoutrrr.ts';

const A = 'T00000000';
const B = 'B00000000';
const C = 'XXXXXXXXXXXXXXXXXXXXXXXX';

const good: [string, Partial<NotifyTarget> & Record<string, unknown>][] = [
  // Slack: the legacy form Kured's --slack-hook-url produces, with a bot name as user.
  [`slack://${A}/${B}/${C}`, { kind: 'slack', token: { type: 'hook', path: `${A}/${B}/${C}` } }],
  [`slack://kured@${A}/${B}/${C}`, { kind: 'slack', token: { type: 'hook', path: `${A}/${B}/${C}` }, botName: 'kured' }],
  // The documented webhook example, with its query.
  [
    'slack://hook:WNA3PBYV6-F20DUQND3RQ-Webc4MAvoacrpPakR8phF0zi@webhook?color=good&title=Great+News&icon=man-scientist&botname=Shoutrrrbot',
    { kind: 'slack', token: { type: 'hook', path: 'WNA3PBYV6/F20DUQND3RQ/Webc4MAvoacrpPakR8phF0zi' }, color: 'good', title: 'Great News', icon: 'man-scientist', botName: 'Shoutrrrbot' },
  ],
  // The documented bot API example.
  [
    'slack://xoxb:123456789012-1234567890123-4mt0t4l1YL3g1T5L4cK70k3N@C001CH4NN3L?color=good',
    { kind: 'slack', token: { type: 'api', bearer: 'xoxb-123456789012-1234567890123-4mt0t4l1YL3g1T5L4cK70k3N' }, channel: 'C001CH4NN3L', color: 'good' },
  ],
  // Teams Workflows: the fork's documented example.
  [
    'teams://?host=https%3A%2F%2Fprod-00.westus.logic.azure.com%3A443%2Fworkflows%2Fabc123%2Ftriggers%2Fmanual%2Fpaths%2Finvoke%3Fapi-version%3D2016-06-00%26sp%3D%2Ftriggers%2Fmanual%2Frun%26sv%3D1.0%26sig%3DXXXXXXXX&title=Alert',
    { kind: 'teams', url: 'https://prod-00.westus.logic.azure.com/workflows/abc123/triggers/manual/paths/invoke?api-version=2016-06-00&sp=/triggers/manual/run&sv=1.0&sig=XXXXXXXX', title: 'Alert' },
  ],
  // Generic: https unless disabletls or generic+http; shoutrrr's keys leave the query, others stay.
  ['generic://example.com/hook?token=abc', { kind: 'generic', url: 'https://example.com/hook?token=abc', method: 'POST', contentType: 'application/json', template: 'raw', messageKey: 'message', headers: {}, extra: {} }],
  ['generic+https://example.com:8443/api/notify', { kind: 'generic', url: 'https://example.com:8443/api/notify' }],
  // user:password@ stays in the URL (shoutrrr's Go client sends it as Basic auth; so does the agent's request()).
  ['generic://bot:p%40ss@example.com/hook', { kind: 'generic', url: 'https://bot:p%40ss@example.com/hook' }],
  ['generic+http://127.0.0.1:9000/x?disabletls=no', { kind: 'generic', url: 'https://127.0.0.1:9000/x' }],
  ['generic://example.com/x?disabletls=yes&template=json&messagekey=text&method=PUT&@X-Api-Key=k1&@authorization=Bearer+t&$channel=ops', {
    kind: 'generic',
    url: 'http://example.com/x',
    method: 'PUT',
    template: 'json',
    messageKey: 'text',
    headers: { 'X-Api-Key': 'k1', Authorization: 'Bearer t' },
    extra: { channel: 'ops' },
  }],
  // SMTP: from/to required; Unknown auth = Plain with a user, None without; port 25 by default.
  ['smtp://mail.example.com/?from=kured@example.com&to=ops@example.com', { kind: 'smtp', host: 'mail.example.com', port: 25, auth: 'none', encryption: 'auto', startTls: true, from: 'kured@example.com', to: ['ops@example.com'], subject: '', clientHost: 'localhost' }],
  [
    'smtp://user%40example.com:p%40ss@smtp.example.com:587/?fromAddress=a+b@example.com&toAddresses=x@example.com,y+tag@example.com&subject=Reboots&fromName=Kured&useStartTLS=no&auth=CRAMMD5',
    { kind: 'smtp', port: 587, username: 'user@example.com', password: 'p@ss', from: 'a+b@example.com', to: ['x@example.com', 'y+tag@example.com'], subject: 'Reboots', fromName: 'Kured', startTls: false, auth: 'crammd5' },
  ],
  ['smtp://u:p@smtp.example.com:465/?from=a@example.com&to=b@example.com&title=T', { kind: 'smtp', port: 465, auth: 'plain', subject: 'T' }],
  // nodemend's own webhook.
  ['https://hooks.example.com/x', { kind: 'webhook', url: 'https://hooks.example.com/x', format: 'auto' }],
];

for (const [url, want] of good) {
  test(`notify URL ${url.slice(0, 60)}`, () => {
    const r = parseNotifyUrl(url);
    assert.ok(r.ok, r.ok ? '' : r.error);
    for (const [k, v] of Object.entries(want)) assert.deepEqual((r.value as Record<string, unknown>)[k], v, k);
  });
}

const bad: [string, RegExp][] = [
  ['slack://token@channel', /^slack: no Slack token in the URL; expected slack:\/\/hook:<A>-<B>-<C>@webhook/],
  [`slack://hook:${A}-${B},${C}@webhook`, /^slack: the token parts are separated by different characters/],
  [`slack://xoxb:${A}-${B}-${C}@webhook`, /^slack: a bot token needs a channel/],
  [`slack://${A}/${B}/${C}?colour=red`, /^slack: unknown query key "colour"; slack takes botname, /],
  // Kured 1.23's shoutrrr v0.8 Teams URL: an Office 365 connector, retired by Microsoft.
  ['teams://11111111-4444-4444-8888-222222222222@33333333-4444-4444-8888-444444444444/0123456789abcdef0123456789abcdef/55555555-4444-4444-8888-666666666666?host=example.webhook.office.com', /^teams: Office 365 connector URLs .* no longer deliver .*teams:\/\/\?host=<its URL, percent-encoded>/],
  ['generic://example.com/x?template=mytpl', /^generic: template="mytpl" is not available; use template=json/],
  ['generic://example.com/x?disabletls=maybe', /^generic: disabletls="maybe" is not yes or no/],
  ['smtp://mail.example.com/?to=ops@example.com', /^smtp: from= is missing; add \?from=/],
  ['smtp://mail.example.com/?from=a@example.com', /^smtp: to= is missing/],
  ['smtp://mail.example.com/?from=a@example.com&to=b@example.com&auth=kerberos', /^smtp: auth="kerberos" is not one of none, plain, crammd5, oauth2/],
  ['smtp://mail.example.com/?from=a@example.com&to=b@example.com&cc=c@example.com', /^smtp: unknown query key "cc"/],
  ['discord://token@id', /^shoutrrr's discord:\/\/ service is not supported; nodemend sends to slack:\/\/, teams:\/\/, generic:\/\/, smtp:\/\/ and plain http\(s\) webhooks; for another service put its webhook behind generic:\/\//],
  ['telegram://token@telegram?chats=@x', /^shoutrrr's telegram:\/\/ service is not supported/],
  ['ftp://example.com', /^ftp:\/\/ is not a notification service nodemend knows/],
  ['hooks.slack.com/services/x', /^not a URL/],
];
for (const [url, re] of bad) {
  test(`notify URL refused: ${url.slice(0, 60)}`, () => {
    const r = parseNotifyUrl(url);
    assert.ok(!r.ok, 'expected an error');
    assert.match(r.error, re);
    // Errors never repeat a URL's secrets.
    assert.ok(!r.error.includes('XXXXXXXX') && !r.error.includes('p@ss'));
  });
}

test("stripQuotes is Kured's: one matching pair around more than two characters", () => {
  assert.equal(stripQuotes('"slack://a/b/c"'), 'slack://a/b/c');
  assert.equal(stripQuotes("'x y'"), 'x y');
  assert.equal(stripQuotes('"ab\''), '"ab\'');
  assert.equal(stripQuotes('""'), '""');
  assert.equal(stripQuotes('"a"b"'), 'a"b');
});
