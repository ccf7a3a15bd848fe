import { strict as assert } from 'node:assert';
import { isValidTimeZone, lastTransition, nextTransition, occurrences, validateRule, zonedInstant, type ScheduleRule, type WeeklyRule } from '../../../hub/arming/schedule';

// Instants are written as ISO strings with their offset, so every expectation below is
// independent of the conversion under test.
const t = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();
const DAY = 86_400_000;
const EVERY_DAY = [0, 1, 2, 3, 4, 5, 6];

const rule = (id: string, at: string, days = EVERY_DAY): ScheduleRule => ({ id, days, at, mode: 'armed_home' });

// Compared as ISO strings so a failure reads as a time, not a 13-digit number.
function fired(rules: WeeklyRule[], zone: string, from: string, to: string): Array<[string, string]> {
  return occurrences(rules, zone, t(from), t(to)).map((o) => [o.rule.id, iso(o.at)]);
}

describe('arming schedule: local wall time to instants', () => {
  interface InstantCase {
    name: string;
    zone: string;
    local: [number, number, number, number, number];
    expected: string;
  }
  const cases: InstantCase[] = [
    { name: 'Berlin, winter', zone: 'Europe/Berlin', local: [2024, 1, 15, 8, 0], expected: '2024-01-15T08:00+01:00' },
    { name: 'Berlin, summer', zone: 'Europe/Berlin', local: [2024, 7, 15, 8, 0], expected: '2024-07-15T08:00+02:00' },
    { name: 'Berlin, 02:30 in the spring gap → 03:00 CEST', zone: 'Europe/Berlin', local: [2024, 3, 31, 2, 30], expected: '2024-03-31T03:00+02:00' },
    { name: 'Berlin, 02:00 (start of the gap) → 03:00 CEST', zone: 'Europe/Berlin', local: [2024, 3, 31, 2, 0], expected: '2024-03-31T03:00+02:00' },
    { name: 'Berlin, 01:45 just before the gap', zone: 'Europe/Berlin', local: [2024, 3, 31, 1, 45], expected: '2024-03-31T01:45+01:00' },
    { name: 'Berlin, 02:30 in the repeated hour → the first (CEST)', zone: 'Europe/Berlin', local: [2024, 10, 27, 2, 30], expected: '2024-10-27T02:30+02:00' },
    { name: 'Berlin, 03:00 after the repeated hour', zone: 'Europe/Berlin', local: [2024, 10, 27, 3, 0], expected: '2024-10-27T03:00+01:00' },
    { name: 'New York, 02:30 in the spring gap → 03:00 EDT', zone: 'America/New_York', local: [2024, 3, 10, 2, 30], expected: '2024-03-10T03:00-04:00' },
    { name: 'New York, 01:30 in the repeated hour → the first (EDT)', zone: 'America/New_York', local: [2024, 11, 3, 1, 30], expected: '2024-11-03T01:30-04:00' },
    { name: 'New York, 02:00 after the repeated hour', zone: 'America/New_York', local: [2024, 11, 3, 2, 0], expected: '2024-11-03T02:00-05:00' },
    { name: 'Tokyo has no DST: 02:30 on Berlin\'s spring night is just 02:30', zone: 'Asia/Tokyo', local: [2024, 3, 31, 2, 30], expected: '2024-03-31T02:30+09:00' },
    { name: 'Lord Howe, half-hour DST gap: 02:15 → 02:30', zone: 'Australia/Lord_Howe', local: [2024, 10, 6, 2, 15], expected: '2024-10-06T02:30+11:00' },
    { name: 'Lord Howe, half-hour repeat: 01:45 → the first', zone: 'Australia/Lord_Howe', local: [2024, 4, 7, 1, 45], expected: '2024-04-07T01:45+11:00' },
    { name: 'Sydney, southern spring gap in October', zone: 'Australia/Sydney', local: [2024, 10, 6, 2, 30], expected: '2024-10-06T03:00+11:00' },
    { name: 'midnight at the turn of the year', zone: 'America/New_York', local: [2024, 12, 31, 0, 0], expected: '2024-12-31T00:00-05:00' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(iso(zonedInstant(...c.local, c.zone)), iso(t(c.expected)));
    });
  }
});

describe('arming schedule: occurrences across DST', function () {
  this.timeout(20_000); // the year sweeps format ~35,000 instants each
  it('Berlin spring: the 02:30 rule fires exactly once that night, at 03:00 CEST', () => {
    assert.deepEqual(fired([rule('r', '02:30')], 'Europe/Berlin', '2024-03-30T00:00+01:00', '2024-04-02T00:00+02:00'), [
      ['r', iso(t('2024-03-30T02:30+01:00'))],
      ['r', iso(t('2024-03-31T03:00+02:00'))],
      ['r', iso(t('2024-04-01T02:30+02:00'))],
    ]);
  });

  it('New York spring: the 02:30 rule fires exactly once that night, at 03:00 EDT', () => {
    assert.deepEqual(fired([rule('r', '02:30')], 'America/New_York', '2024-03-09T00:00-05:00', '2024-03-12T00:00-04:00'), [
      ['r', iso(t('2024-03-09T02:30-05:00'))],
      ['r', iso(t('2024-03-10T03:00-04:00'))],
      ['r', iso(t('2024-03-11T02:30-04:00'))],
    ]);
  });

  it('New York autumn: the 01:30 rule fires once, at the first 01:30', () => {
    assert.deepEqual(fired([rule('r', '01:30')], 'America/New_York', '2024-11-02T00:00-04:00', '2024-11-05T00:00-05:00'), [
      ['r', iso(t('2024-11-02T01:30-04:00'))],
      ['r', iso(t('2024-11-03T01:30-04:00'))],
      ['r', iso(t('2024-11-04T01:30-05:00'))],
    ]);
  });

  it('Berlin autumn: the 02:30 rule (Berlin\'s repeated hour) fires once, at the first 02:30; 01:30 is ordinary there', () => {
    assert.deepEqual(fired([rule('a', '01:30'), rule('b', '02:30')], 'Europe/Berlin', '2024-10-26T12:00+02:00', '2024-10-28T00:00+01:00'), [
      ['a', iso(t('2024-10-27T01:30+02:00'))],
      ['b', iso(t('2024-10-27T02:30+02:00'))],
    ]);
  });

  it('a window that starts between the two 01:30s does not fire the rule again', () => {
    assert.deepEqual(fired([rule('r', '01:30')], 'America/New_York', '2024-11-03T01:31-04:00', '2024-11-03T23:00-05:00'), []);
  });

  it('rules that collapse onto 03:00 on the spring night come out in local-time order, whatever the list order', () => {
    const rules = [rule('three', '03:00'), rule('two-thirty', '02:30'), rule('two', '02:00')];
    assert.deepEqual(fired(rules, 'Europe/Berlin', '2024-03-31T00:00+01:00', '2024-03-31T04:00+02:00'), [
      ['two', iso(t('2024-03-31T03:00+02:00'))],
      ['two-thirty', iso(t('2024-03-31T03:00+02:00'))],
      ['three', iso(t('2024-03-31T03:00+02:00'))],
    ]);
    assert.equal(lastTransition(rules, 'Europe/Berlin', t('2024-03-31T03:10+02:00'))?.rule.id, 'three');
    assert.equal(nextTransition(rules, 'Europe/Berlin', t('2024-03-31T01:10+01:00'))?.rule.id, 'three', 'the next one is the one that takes effect');
  });

  it('two rules at the same time: the later in the list comes last', () => {
    const rules = [rule('first', '22:00'), rule('second', '22:00')];
    assert.deepEqual(
      fired(rules, 'Asia/Tokyo', '2024-06-05T00:00+09:00', '2024-06-06T00:00+09:00').map(([id]) => id),
      ['first', 'second'],
    );
  });

  it('the window is [from, to): an occurrence at from is in, one at to is out', () => {
    assert.deepEqual(fired([rule('r', '07:00')], 'Asia/Tokyo', '2024-06-05T07:00+09:00', '2024-06-06T07:00+09:00'), [['r', iso(t('2024-06-05T07:00+09:00'))]]);
  });

  it('only on the rule\'s local weekdays, even where the UTC date differs (Tokyo Monday 06:00 is Sunday in UTC)', () => {
    // 2024-06-03 is a Monday.
    assert.deepEqual(fired([rule('mon', '06:00', [1])], 'Asia/Tokyo', '2024-06-01T00:00+09:00', '2024-06-15T00:00+09:00'), [
      ['mon', iso(t('2024-06-03T06:00+09:00'))],
      ['mon', iso(t('2024-06-10T06:00+09:00'))],
    ]);
  });

  it('a day listed twice fires once', () => {
    assert.equal(fired([rule('r', '07:00', [3, 3])], 'Europe/Berlin', '2024-06-01T00:00+02:00', '2024-06-08T00:00+02:00').length, 1);
  });

  it('an empty window or no rules gives nothing', () => {
    assert.deepEqual(fired([rule('r', '07:00')], 'Europe/Berlin', '2024-06-05T07:00+02:00', '2024-06-05T07:00+02:00'), []);
    assert.deepEqual(fired([], 'Europe/Berlin', '2024-06-01T00:00+02:00', '2024-06-08T00:00+02:00'), []);
  });

  it('an invalid rule or zone throws a RangeError naming it', () => {
    assert.throws(() => occurrences([rule('bad', '07:10')], 'Europe/Berlin', 0, DAY), { name: 'RangeError', message: /"bad".*15-minute/ });
    assert.throws(() => occurrences([rule('r', '07:00')], 'Mars/Olympus', 0, DAY), { name: 'RangeError', message: /Mars\/Olympus/ });
  });

  // Every 15-minute step, every day of 2024, in each zone: each rule fires exactly once per
  // local day, at its own wall time, or (only in a spring gap) at the first instant after it,
  // and never at a second, later copy of a repeated time.
  for (const zone of ['Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'Australia/Lord_Howe']) {
    it(`a whole year of every 15-minute step in ${zone}`, () => {
      const rules: WeeklyRule[] = [];
      for (let m = 0; m < 24 * 60; m += 15) rules.push({ id: `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`, days: EVERY_DAY, at: '' });
      for (const r of rules) r.at = r.id;
      const fmt = new Intl.DateTimeFormat('en-CA', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
      const local = (ms: number) => {
        const p = Object.fromEntries(fmt.formatToParts(ms).map((x) => [x.type, x.value]));
        return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
      };
      const from = zonedInstant(2024, 1, 1, 0, 0, zone);
      const to = zonedInstant(2025, 1, 1, 0, 0, zone);
      const all = occurrences(rules, zone, from, to);
      assert.equal(all.length, 96 * 366);

      const perDay = new Set<string>();
      let gaps = 0;
      for (const o of all) {
        const here = local(o.at);
        const key = `${here.date} ${o.rule.id}`;
        assert.ok(!perDay.has(key), `${key} fired twice`);
        perDay.add(key);
        if (here.time !== o.rule.at) {
          // Only allowed in a gap: one minute earlier the clock showed a time before the rule's.
          gaps++;
          assert.ok(here.time > o.rule.at, `${key} fired at ${here.time}`);
          assert.ok(local(o.at - 60_000).time < o.rule.at, `${key} at ${here.time} is not the end of a gap`);
        }
        // DST moves clocks by 30 or 60 minutes, so an earlier copy of a repeated time would be there.
        for (const back of [30, 60]) {
          const earlier = local(o.at - back * 60_000);
          assert.ok(!(earlier.date === here.date && earlier.time === o.rule.at), `${key} is not the first ${o.rule.at}`);
        }
      }
      const expectedGaps = { 'Europe/Berlin': 4, 'America/New_York': 4, 'Asia/Tokyo': 0, 'Australia/Lord_Howe': 2 }[zone];
      assert.equal(gaps, expectedGaps, 'rules that fell into a spring gap');
    });
  }
});

describe('arming schedule: last and next transition', () => {
  const weekly = [rule('mon', '07:00', [1])];
  it('last looks back almost a week, next looks ahead across the week boundary', () => {
    const now = t('2024-06-10T06:59+02:00'); // Monday, a minute before the rule
    assert.equal(iso(lastTransition(weekly, 'Europe/Berlin', now)!.at), iso(t('2024-06-03T07:00+02:00')));
    assert.equal(iso(nextTransition(weekly, 'Europe/Berlin', now)!.at), iso(t('2024-06-10T07:00+02:00')));
  });
  it('an occurrence exactly at now is the last one, not the next one', () => {
    const now = t('2024-06-10T07:00+02:00');
    assert.equal(iso(lastTransition(weekly, 'Europe/Berlin', now)!.at), iso(now));
    assert.equal(iso(nextTransition(weekly, 'Europe/Berlin', now)!.at), iso(t('2024-06-17T07:00+02:00')));
  });
  it('no rules: null both ways', () => {
    assert.equal(lastTransition([], 'Europe/Berlin', t('2024-06-10T07:00+02:00')), null);
    assert.equal(nextTransition([], 'Europe/Berlin', t('2024-06-10T07:00+02:00')), null);
  });
});

describe('arming schedule: validateRule', () => {
  const ok: ScheduleRule = { id: 'night', days: [1, 2, 3, 4, 5], at: '22:00', mode: 'armed_home' };
  const cases: Array<{ name: string; rule: unknown; message: RegExp | null }> = [
    { name: 'a good home rule', rule: ok, message: null },
    { name: 'a good camera rule', rule: { id: 'porch-off', cameraId: 'porch', days: [0], at: '23:45', motion: false }, message: null },
    { name: 'midnight', rule: { ...ok, at: '00:00' }, message: null },
    { name: 'not an object', rule: 'night', message: /must be an object/ },
    { name: 'no id', rule: { ...ok, id: '' }, message: /id/ },
    { name: 'a time without leading zero', rule: { ...ok, at: '7:00' }, message: /"night".*"7:00".*HH:MM/ },
    { name: 'a time that is no time of day', rule: { ...ok, at: '24:00' }, message: /"night".*24:00.*not a time of day/ },
    { name: 'minutes out of range', rule: { ...ok, at: '12:60' }, message: /not a time of day/ },
    { name: 'not a 15-minute step', rule: { ...ok, at: '07:10' }, message: /"night".*07:10.*15-minute step/ },
    { name: 'no days', rule: { ...ok, days: [] }, message: /"night".*at least one day/ },
    { name: 'days missing', rule: { id: 'x', at: '07:00', mode: 'disarmed' }, message: /at least one day/ },
    { name: 'day 7', rule: { ...ok, days: [1, 7] }, message: /"night".*day 7 is not a day of the week \(0 = Sunday … 6 = Saturday\)/ },
    { name: 'day -1', rule: { ...ok, days: [-1] }, message: /day -1/ },
    { name: 'a fractional day', rule: { ...ok, days: [1.5] }, message: /day 1\.5/ },
    { name: 'a day as a string', rule: { ...ok, days: ['1'] }, message: /day "1"/ },
    { name: 'an unknown mode', rule: { ...ok, mode: 'away' }, message: /"night".*unknown mode "away".*disarmed, armed_home, armed_away, privacy/ },
    { name: 'a camera rule without motion', rule: { id: 'c', cameraId: 'porch', days: [0], at: '23:45' }, message: /motion must be true or false/ },
    { name: 'a camera rule without a camera', rule: { id: 'c', cameraId: '', days: [0], at: '23:45', motion: true }, message: /camera/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const message = validateRule(c.rule);
      if (c.message === null) assert.equal(message, null);
      else assert.match(message ?? '(null)', c.message);
    });
  }
});

describe('arming schedule: isValidTimeZone', () => {
  for (const [zone, valid] of [
    ['Europe/Berlin', true],
    ['America/New_York', true],
    ['Asia/Tokyo', true],
    ['UTC', true],
    ['Mars/Olympus', false],
    ['', false],
    ['Europe/Berlin; DROP TABLE', false],
  ] as const) {
    it(`${JSON.stringify(zone)} → ${valid}`, () => assert.equal(isValidTimeZone(zone), valid));
  }
});
