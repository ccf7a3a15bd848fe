import { strict as assert } from 'node:assert';
import { lastTransition } from '../../hub/arming/schedule';
import {
  daySegments,
  describeDays,
  localDate,
  quarterHours,
  scheduleWeek,
  SLOTS_PER_DAY,
  weekStart,
  type CameraMotionRule,
  type DayColumn,
  type HomeRule,
} from '../../hub/ui/src/scheduleGrid';

const cell = (days: DayColumn[], day: number, time: string) => {
  const c = days[day]!.cells.find((x) => x.time === time);
  assert.ok(c, `no cell ${time}`);
  return c;
};

/** The grid must show what the hub's own decision would find at each quarter-hour. */
function assertAgreesWithHub(days: DayColumn[], rules: HomeRule[], tz: string): void {
  for (const d of days) {
    for (const c of d.cells) {
      if (c.missing) continue;
      assert.equal(c.mode, lastTransition(rules, tz, c.at)?.rule.mode ?? null, `${d.date.year}-${d.date.month}-${d.date.day} ${c.time}`);
    }
  }
}

describe('schedule grid: the week the Schedules page draws', () => {
  const MON_2025_03_24 = { year: 2025, month: 3, day: 24 };

  it('has 7 days of 96 quarter-hours, all without a mode when there are no home rules', () => {
    const days = scheduleWeek([], [], 'UTC', MON_2025_03_24);
    assert.equal(days.length, 7);
    assert.deepEqual(days.map((d) => d.weekday), [1, 2, 3, 4, 5, 6, 0]);
    for (const d of days) {
      assert.equal(d.cells.length, SLOTS_PER_DAY);
      assert.ok(d.cells.every((c) => c.mode === null && !c.missing && c.fires.length === 0));
    }
    assert.deepEqual(daySegments(days[0]!), [{ from: '00:00', to: '24:00', mode: null }]);
    assert.deepEqual(quarterHours().slice(0, 3), ['00:00', '00:15', '00:30']);
    assert.equal(quarterHours().at(-1), '23:45');
  });

  it("carries Friday night's mode over the weekend into Monday morning, and spans midnight", () => {
    const rules: HomeRule[] = [
      { id: 'night', days: [1, 2, 3, 4, 5], at: '22:00', mode: 'armed_home' },
      { id: 'morning', days: [1, 2, 3, 4, 5], at: '07:00', mode: 'disarmed' },
    ];
    const days = scheduleWeek(rules, [], 'UTC', MON_2025_03_24);
    assert.equal(cell(days, 0, '00:00').mode, 'armed_home', "Monday's small hours come from Friday's 22:00 the week before");
    assert.equal(cell(days, 0, '06:45').mode, 'armed_home');
    assert.equal(cell(days, 0, '07:00').mode, 'disarmed');
    assert.deepEqual(cell(days, 0, '07:00').fires, ['morning']);
    assert.equal(cell(days, 0, '21:45').mode, 'disarmed');
    assert.equal(cell(days, 0, '22:00').mode, 'armed_home');
    assert.ok(days[5]!.cells.every((c) => c.mode === 'armed_home'), 'Saturday stays armed: no rule fires on weekends');
    assert.deepEqual(daySegments(days[0]!), [
      { from: '00:00', to: '07:00', mode: 'armed_home' },
      { from: '07:00', to: '22:00', mode: 'disarmed' },
      { from: '22:00', to: '24:00', mode: 'armed_home' },
    ]);
    assertAgreesWithHub(days, rules, 'UTC');
  });

  it('marks where camera rules fire without letting them change the home mode', () => {
    const home: HomeRule[] = [{ id: 'h', days: [0, 1, 2, 3, 4, 5, 6], at: '00:00', mode: 'armed_away' }];
    const cams: CameraMotionRule[] = [{ id: 'cam-off', cameraId: 'c1', days: [2], at: '08:15', motion: false }];
    const days = scheduleWeek(home, cams, 'UTC', MON_2025_03_24);
    assert.deepEqual(cell(days, 1, '08:15').fires, ['cam-off']);
    assert.equal(cell(days, 1, '08:15').mode, 'armed_away');
    assert.deepEqual(cell(days, 2, '08:15').fires, [], 'Wednesday has no camera rule');
  });

  it('Europe/Berlin, spring forward (30 March 2025): 02:00–02:45 do not exist, and a 02:30 rule shows at 03:00', () => {
    const tz = 'Europe/Berlin';
    const rules: HomeRule[] = [
      { id: 'midnight', days: [0, 1, 2, 3, 4, 5, 6], at: '00:00', mode: 'disarmed' },
      { id: 'gap', days: [0], at: '02:30', mode: 'armed_away' },
    ];
    const days = scheduleWeek(rules, [], tz, MON_2025_03_24);
    const sunday = days[6]!;
    assert.deepEqual(sunday.date, { year: 2025, month: 3, day: 30 });
    assert.deepEqual(sunday.cells.filter((c) => c.missing).map((c) => c.time), ['02:00', '02:15', '02:30', '02:45']);
    assert.ok(days.slice(0, 6).every((d) => d.cells.every((c) => !c.missing)), 'only the Sunday has a gap');
    assert.equal(cell(days, 6, '01:45').mode, 'disarmed');
    assert.equal(cell(days, 6, '03:00').mode, 'armed_away');
    assert.deepEqual(cell(days, 6, '03:00').fires, ['gap'], 'the rule fires once, right after the gap');
    assert.equal(cell(days, 6, '03:00').at, Date.UTC(2025, 2, 30, 1, 0), '03:00 CEST');
    assert.equal(cell(days, 6, '01:45').at, Date.UTC(2025, 2, 30, 0, 45), '01:45 CET');
    assert.deepEqual(daySegments(sunday), [
      { from: '00:00', to: '02:00', mode: 'disarmed' },
      { from: '03:00', to: '24:00', mode: 'armed_away' },
    ]);
    assertAgreesWithHub(days, rules, tz);
  });

  it('Europe/Berlin, fall back (26 October 2025): the repeated hour is drawn once and a 02:30 rule fires on its first pass', () => {
    const tz = 'Europe/Berlin';
    const rules: HomeRule[] = [
      { id: 'home', days: [0], at: '02:00', mode: 'armed_home' },
      { id: 'away', days: [0], at: '02:30', mode: 'armed_away' },
      { id: 'off', days: [1, 2, 3, 4, 5, 6], at: '08:00', mode: 'disarmed' },
    ];
    const days = scheduleWeek(rules, [], tz, { year: 2025, month: 10, day: 20 });
    assert.ok(days.every((d) => d.cells.length === SLOTS_PER_DAY && d.cells.every((c) => !c.missing)));
    const at0230 = cell(days, 6, '02:30');
    assert.equal(at0230.at, Date.UTC(2025, 9, 26, 0, 30), 'the first 02:30, still CEST');
    assert.deepEqual(at0230.fires, ['away']);
    assert.equal(cell(days, 6, '02:45').mode, 'armed_away');
    assert.deepEqual(cell(days, 6, '02:45').fires, [], 'nothing fires again in the second pass of the hour');
    assert.equal(cell(days, 6, '03:00').at, Date.UTC(2025, 9, 26, 2, 0), '03:00 CET, two hours and a quarter after 00:45 UTC');
    assert.equal(cell(days, 6, '03:00').mode, 'armed_away');
    assertAgreesWithHub(days, rules, tz);
  });

  it("finds today's date and the week's first day in the home's zone, not the browser's", () => {
    const lateSaturdayUtc = Date.UTC(2025, 2, 29, 23, 30); // already Sunday in Berlin
    assert.deepEqual(localDate(lateSaturdayUtc, 'Europe/Berlin'), { year: 2025, month: 3, day: 30 });
    assert.deepEqual(localDate(lateSaturdayUtc, 'America/New_York'), { year: 2025, month: 3, day: 29 });
    assert.deepEqual(weekStart({ year: 2025, month: 3, day: 30 }, 1), MON_2025_03_24);
    assert.deepEqual(weekStart({ year: 2025, month: 3, day: 30 }, 0), { year: 2025, month: 3, day: 30 });
    assert.deepEqual(weekStart({ year: 2025, month: 3, day: 2 }, 1), { year: 2025, month: 2, day: 24 }, 'across a month end');
  });

  it('names days the way a person reads them', () => {
    assert.equal(describeDays([0, 1, 2, 3, 4, 5, 6]), 'every day');
    assert.equal(describeDays([1, 2, 3, 4, 5]), 'weekdays');
    assert.equal(describeDays([6, 0]), 'weekends');
    assert.equal(describeDays([0, 3, 1]), 'Mon, Wed, Sun');
  });
});
