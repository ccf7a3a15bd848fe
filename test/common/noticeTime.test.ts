import { strict as assert } from 'node:assert';
import { alertTime, noticeDateTime, repeatedWallClock, zoneAbbreviation } from '../../common/noticeTime';

describe("notice times: the home's wall clock through Intl, naming the zone where a time could be read two ways", () => {
  const NY = 'America/New_York';
  const cases: Array<[string, number, string | null, string, string]> = [
    // what, instant, zone, alertTime, noticeDateTime
    ['a winter afternoon in New York', Date.UTC(2026, 11, 6, 19, 32), NY, '14:32', 'Sun, 6 Dec 2026, 14:32 EST'],
    ['a summer afternoon in New York', Date.UTC(2026, 6, 1, 18, 32), NY, '14:32', 'Wed, 1 Jul 2026, 14:32 EDT'],
    ['the first 01:30 of the night clocks go back (EDT)', Date.UTC(2026, 10, 1, 5, 30), NY, '01:30 EDT', 'Sun, 1 Nov 2026, 01:30 EDT'],
    ['the second 01:30, an hour later (EST)', Date.UTC(2026, 10, 1, 6, 30), NY, '01:30 EST', 'Sun, 1 Nov 2026, 01:30 EST'],
    ['00:30 that night is not repeated', Date.UTC(2026, 10, 1, 4, 30), NY, '00:30', 'Sun, 1 Nov 2026, 00:30 EDT'],
    ['02:30 that night is not repeated', Date.UTC(2026, 10, 1, 7, 30), NY, '02:30', 'Sun, 1 Nov 2026, 02:30 EST'],
    ['the spring gap: 03:30 right after 01:59', Date.UTC(2026, 2, 8, 7, 30), NY, '03:30', 'Sun, 8 Mar 2026, 03:30 EDT'],
    ['Berlin in summer', Date.UTC(2026, 6, 1, 12), 'Europe/Berlin', '14:00', 'Wed, 1 Jul 2026, 14:00 CEST'],
    ['Berlin\'s repeated 02:30 in October', Date.UTC(2026, 9, 25, 0, 30), 'Europe/Berlin', '02:30 CEST', 'Sun, 25 Oct 2026, 02:30 CEST'],
    ['Kolkata (half-hour offset, no DST)', Date.UTC(2026, 11, 6, 9, 2), 'Asia/Kolkata', '14:32', 'Sun, 6 Dec 2026, 14:32 GMT+5:30'],
    ['a hub that does not know its zone says UTC', Date.UTC(2026, 11, 6, 19, 32), null, '19:32 UTC', 'Sun, 6 Dec 2026, 19:32 UTC'],
    ['an unknown zone name: UTC, not a guess', Date.UTC(2026, 11, 6, 19, 32), 'Mars/Olympus_Mons', '19:32 UTC', 'Sun, 6 Dec 2026, 19:32 UTC'],
  ];
  for (const [what, at, zone, short, full] of cases) {
    it(what, () => {
      assert.equal(alertTime(at, zone), short);
      assert.equal(noticeDateTime(at, zone), full);
    });
  }

  it('finds the repeated hour in both directions and nowhere else on that day', () => {
    const start = Date.UTC(2026, 10, 1, 0, 0);
    const repeated: string[] = [];
    for (let t = start; t < start + 24 * 3_600_000; t += 15 * 60_000) if (repeatedWallClock(t, NY)) repeated.push(alertTime(t, NY));
    assert.deepEqual(repeated, ['01:00 EDT', '01:15 EDT', '01:30 EDT', '01:45 EDT', '01:00 EST', '01:15 EST', '01:30 EST', '01:45 EST']);
  });

  it('names zones the way their people do, else by offset', () => {
    assert.equal(zoneAbbreviation(Date.UTC(2026, 0, 1), 'Europe/London'), 'GMT');
    assert.equal(zoneAbbreviation(Date.UTC(2026, 6, 1), 'Europe/London'), 'BST');
    assert.equal(zoneAbbreviation(Date.UTC(2026, 0, 1), 'America/Los_Angeles'), 'PST');
    assert.equal(zoneAbbreviation(Date.UTC(2026, 0, 1), 'Australia/Sydney'), 'GMT+11');
  });
});
