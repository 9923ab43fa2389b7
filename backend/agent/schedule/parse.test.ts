import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCronWindow, parseDays, parseTimeOfDay, parseWindow, parseZone } from './parse.ts';

const days: { raw: string; want?: number[]; err?: RegExp }[] = [
  { raw: 'mon-fri', want: [1, 2, 3, 4, 5] },
  { raw: 'su,sat', want: [0, 6] },
  { raw: 'Sunday,MONDAY', want: [0, 1] },
  { raw: '0,6', want: [0, 6] },
  { raw: 'fri-mon', want: [0, 1, 5, 6] },
  { raw: '*', want: [0, 1, 2, 3, 4, 5, 6] },
  { raw: 'tue-tue', want: [2] },
  { raw: 'funday', err: /--reboot-days: "funday" is not a weekday or range; expected weekdays such as mon-fri/ },
  { raw: '7', err: /"7" is not a weekday/ },
  { raw: 'mon-tue-wed', err: /"mon-tue-wed" is not a weekday or range/ },
  { raw: '', err: /no weekday given/ },
];
for (const c of days) {
  test(`days ${JSON.stringify(c.raw)}`, () => {
    const r = parseDays('--reboot-days', c.raw);
    if (c.want) {
      assert.ok(r.ok, r.ok ? '' : r.error);
      assert.deepEqual([...r.value].sort(), c.want);
    } else {
      assert.ok(!r.ok);
      assert.match(r.error, c.err!);
    }
  });
}

const times: { raw: string; end?: boolean; want?: number; err?: boolean }[] = [
  { raw: '22:00', want: 79_200 },
  { raw: '6:05', want: 21_900 },
  { raw: '23:59:59', want: 86_399 },
  { raw: '0:00', want: 0 },
  { raw: '10pm', want: 79_200 },
  { raw: '12am', want: 0 },
  { raw: '12:30pm', want: 45_000 },
  { raw: '24:00', end: true, want: 86_399 },
  { raw: '24:00', err: true },
  { raw: '25:00', err: true },
  { raw: '12:60', err: true },
  { raw: '13pm', err: true },
  { raw: '22', err: true },
  { raw: 'noon', err: true },
];
for (const c of times) {
  test(`time of day ${c.raw}${c.end ? ' (end)' : ''}`, () => {
    const r = parseTimeOfDay('--start-time', c.raw, c.end);
    if (c.err) {
      assert.ok(!r.ok);
      assert.match(r.error, /--start-time: .* is not a time of day; expected HH:MM/);
    } else {
      assert.deepEqual(r, { ok: true, value: c.want });
    }
  });
}

// Kured's --start-time/--end-time (pkg/timewindow parseTime) try the Go layouts 15:04, 15:04:05,
// 03:04pm, 15, 03pm and 3pm: a lone hour is a time there, and nodemend takes it the same way.
const kuredTimes: [string, number][] = [
  ['22', 79_200],
  ['6', 21_600],
  ['0', 0],
  ['23', 82_800],
  ['6:00', 21_600],
  ['22:30:15', 81_015],
  ['10:30pm', 81_000],
  ['03pm', 54_000],
  ['3pm', 54_000],
  ['12am', 0],
];
for (const [raw, want] of kuredTimes) {
  test(`Kured time of day ${raw}`, () => assert.deepEqual(parseTimeOfDay('--start-time', raw, false, true), { ok: true, value: want }));
}
test('Kured time of day: a lone hour out of range or a word is still refused, naming the flag', () => {
  for (const raw of ['25', '99', 'noon', '', '22h']) {
    const r = parseTimeOfDay('--end-time', raw, true, true);
    assert.ok(!r.ok, raw);
    assert.match(r.error, /^--end-time: .* is not a time of day; expected HH:MM .*a lone hour such as 22/);
  }
});

test('zones', () => {
  assert.deepEqual(parseZone('--time-zone', 'Europe/Berlin'), { ok: true, value: 'Europe/Berlin' });
  const r = parseZone('--time-zone', 'Mars/Olympus');
  assert.ok(!r.ok && /--time-zone: "Mars\/Olympus" is not an IANA time zone; expected e.g. UTC/.test(r.error));
});

const windows: { raw: string; want?: { days: number[]; start: number; end: number; zone: string }; err?: RegExp }[] = [
  { raw: 'mon-fri 22:00-06:00 Europe/Berlin', want: { days: [1, 2, 3, 4, 5], start: 79_200, end: 21_600, zone: 'Europe/Berlin' } },
  { raw: '22:00-06:00', want: { days: [0, 1, 2, 3, 4, 5, 6], start: 79_200, end: 21_600, zone: 'America/Chicago' } },
  { raw: ' sat,sun  10pm - 4am ', want: { days: [0, 6], start: 79_200, end: 14_400, zone: 'America/Chicago' } },
  { raw: '1-5 22:00-6:00', want: { days: [1, 2, 3, 4, 5], start: 79_200, end: 21_600, zone: 'America/Chicago' } },
  { raw: 'sat 02:00-04:00 UTC', want: { days: [6], start: 7200, end: 14_400, zone: 'UTC' } },
  { raw: 'mon-fri', err: /--window: cannot read "mon-fri"; expected "\[days\] HH:MM-HH:MM \[zone\]"/ },
  { raw: 'mon-fri 22:00-06:00 Europe/Berlin extra', err: /--window: cannot read/ },
  { raw: 'someday 22:00-06:00', err: /--window: "someday" is not a weekday/ },
  { raw: 'mon 22:00-26:00', err: /--window: "26:00" is not a time of day/ },
  { raw: 'mon 22:00-22:00', err: /start and end are both 22:00; for a whole day write 00:00-24:00/ },
  { raw: 'mon 22:00-06:00 Berlin', err: /--window: "Berlin" is not an IANA time zone/ },
];
for (const c of windows) {
  test(`--window ${JSON.stringify(c.raw)}`, () => {
    const r = parseWindow('--window', c.raw, 'America/Chicago');
    if (c.want) {
      assert.ok(r.ok, r.ok ? '' : r.error);
      assert.deepEqual({ days: [...r.value.days].sort(), start: r.value.start, end: r.value.end, zone: r.value.zone }, c.want);
      assert.equal(r.value.anchor, 'open');
    } else {
      assert.ok(!r.ok);
      assert.match(r.error, c.err!);
    }
  });
}

const crons: { raw: string; want?: { durationMs: number; zone: string }; err?: RegExp }[] = [
  { raw: '0 2 * * 6', want: { durationMs: 7_200_000, zone: 'UTC' } },
  { raw: '0 2 * * sat for 4h', want: { durationMs: 14_400_000, zone: 'UTC' } },
  { raw: '0 2 * * sat for 1h30m Europe/Berlin', want: { durationMs: 5_400_000, zone: 'Europe/Berlin' } },
  { raw: '*/15 1-4 * * mon-fri America/New_York', want: { durationMs: 7_200_000, zone: 'America/New_York' } },
  { raw: '0 2 * *', err: /--window-cron: "0 2 \* \*" has fewer than five cron fields/ },
  { raw: '61 2 * * *', err: /--window-cron: invalid cron expression "61 2 \* \* \*"/ },
  { raw: '0 2 * * 6 for soon', err: /--window-cron: after "for" expected a duration/ },
  { raw: '0 2 * * 6 for 0', err: /must be longer than 0/ },
  { raw: '0 0 2 * * 6', err: /"6" is not an IANA time zone.*sixth cron field, which is not supported/ },
  { raw: '0 2 * * 6 UTC more', err: /unexpected "UTC more"/ },
  { raw: '0 0 30 2 *', err: /never matches a date/ },
];
for (const c of crons) {
  test(`--window-cron ${JSON.stringify(c.raw)}`, () => {
    const r = parseCronWindow('--window-cron', c.raw, 7_200_000, 'UTC');
    if (c.want) {
      assert.ok(r.ok, r.ok ? '' : r.error);
      assert.deepEqual({ durationMs: r.value.durationMs, zone: r.value.zone }, c.want);
    } else {
      assert.ok(!r.ok);
      assert.match(r.error, c.err!);
    }
  });
}
