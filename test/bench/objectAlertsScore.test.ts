import { strict as assert } from 'node:assert';
import { afterCooldown, countAlerts, eventOf, wasPerson, type CandidateAlert } from '../../bench/objectAlertsScore';

const alert = (at: number, eventStart = at, eventEnd: number | null = at + 5): CandidateAlert => ({ at, eventStart, eventEnd });

describe('objectAlertsScore: which alerts reach a user, and which were people', () => {
  it('keeps every alert with no cooldown, and one per cooldown window with one, as the hub does', () => {
    const alerts = [alert(0), alert(100), alert(299), alert(301), alert(700)];
    assert.deepEqual(afterCooldown(alerts, 0).map((a) => a.at), [0, 100, 299, 301, 700]);
    // The window restarts from the last alert sent, not from the last alert suppressed.
    assert.deepEqual(afterCooldown(alerts, 300).map((a) => a.at), [0, 301, 700]);
  });

  it('judges alerts in time order whatever order they come in', () => {
    assert.deepEqual(afterCooldown([alert(400), alert(0), alert(200)], 300).map((a) => a.at), [0, 400]);
  });

  it('refuses a negative or non-number cooldown by name', () => {
    assert.throws(() => afterCooldown([], -1), /cooldownSeconds must be 0 or more/);
    assert.throws(() => afterCooldown([], NaN), /cooldownSeconds/);
  });

  it('counts an alert as a person when its event meets a person span, within the tolerance', () => {
    const persons = [{ start: 8, end: 14 }];
    assert.equal(wasPerson(alert(9, 9, 10), persons, 30), true);
    assert.equal(wasPerson(alert(15, 14.5, 16), persons, 30), true, 'just after the walker left, within 1 s');
    assert.equal(wasPerson(alert(20, 20, 22), persons, 30), false);
    assert.equal(wasPerson(alert(2, 2, 6.5), persons, 30), false, 'ended 1.5 s before the walker came');
    // An event that never ended runs to the end of the footage.
    assert.equal(wasPerson(alert(3, 3, null), persons, 30), true);
    assert.equal(wasPerson(alert(3, 3, null), [], 30), false);
  });

  it('counts alerts and people after the cooldown', () => {
    const persons = [{ start: 0, end: 10 }];
    assert.deepEqual(countAlerts([alert(1), alert(20), alert(400)], persons, 500, 0), { alerts: 3, people: 1 });
    assert.deepEqual(countAlerts([alert(1), alert(20), alert(400)], persons, 500, 300), { alerts: 2, people: 1 });
  });

  it('finds the event an alert is about: the latest started at or before it', () => {
    const events = [{ start: 1 }, { start: 10 }, { start: 30 }];
    assert.deepEqual(eventOf(events, 12), { start: 10 });
    assert.deepEqual(eventOf(events, 30), { start: 30 });
    assert.equal(eventOf(events, 0.5), null);
  });
});
