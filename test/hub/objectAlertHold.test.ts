import { strict as assert } from 'node:assert';
import type { DetectedObject } from '../../common/detection';
import { defaultDetectionSettings, type DetectionSettings } from '../../common/detectionSettings';
import { alertTime } from '../../hub/alerts';
import { decideObjectAlert, type Sighting } from '../../hub/objectAlertPolicy';
import { eventKey, ObjectAlertHold } from '../../hub/objectAlertHold';

const person: DetectedObject = { label: 'person', cocoClass: 'person', score: 0.9, box: [0.4, 0.3, 0.1, 0.4] };
const car: DetectedObject = { label: 'vehicle', cocoClass: 'car', score: 0.8, box: [0.1, 0.5, 0.3, 0.2] };
const porch = { deviceId: 'cam-1', deviceName: 'porch', eventAt: 1_000 };
const key = eventKey(porch.deviceId, porch.eventAt);
const seen = (...objects: DetectedObject[]): Sighting[] => objects.map((object) => ({ object }));
const judge = (detection: DetectionSettings = defaultDetectionSettings()) => (all: Sighting[]) => decideObjectAlert({ camera: 'porch', detection, zones: [], sightings: all });

describe('object alert hold: one alert per held motion event, object or plain', () => {
  it('the first answer that counts an alerting object sends the object alert, once', () => {
    const hold = new ObjectAlertHold();
    hold.hold(porch);
    assert.equal(hold.answer(key, [], judge()), null, 'an empty answer sends nothing');
    const first = hold.answer(key, seen(person), judge());
    assert.equal(first?.kind, 'objects');
    assert.equal(first?.kind === 'objects' && first.decision.words, 'Person at the porch');
    assert.deepEqual(first?.motion, porch);
    assert.equal(hold.answer(key, seen(person, car), judge()), null, 'one alert per event');
    assert.equal(hold.expire(key), null, 'the hold running out after the alert adds nothing');
    assert.deepEqual(hold.end('cam-1'), [null]);
    assert.equal(hold.isHeld(key), false, 'an ended event is forgotten');
  });

  it('names every alerting class counted so far', () => {
    const hold = new ObjectAlertHold();
    hold.hold(porch);
    const detection = { ...defaultDetectionSettings(), alertOn: ['vehicle' as const] };
    assert.equal(hold.answer(key, seen(person), judge(detection)), null, 'a person on a camera alerting on vehicles only');
    const out = hold.answer(key, seen(car), judge(detection));
    assert.equal(out?.kind === 'objects' && out.decision.words, 'Vehicle at the porch');
  });

  it('no answer by the end of the hold or the event: the plain motion alert, once', () => {
    const hold = new ObjectAlertHold();
    hold.hold(porch);
    assert.deepEqual(hold.expire(key), { kind: 'motion', motion: porch });
    assert.equal(hold.expire(key), null);
    assert.equal(hold.answer(key, seen(person), judge()), null, 'a late person after the plain alert is not a second alert');
    const other = { ...porch, eventAt: 9_000 };
    hold.hold(other);
    assert.deepEqual(hold.end('cam-1'), [null, { kind: 'motion', motion: other }], 'the end settles each of the camera’s held events');
    assert.deepEqual(hold.end('cam-1'), []);
  });

  it('answers that counted nothing: no alert at the end or when the hold runs out', () => {
    const hold = new ObjectAlertHold();
    hold.hold(porch);
    assert.equal(hold.answer(key, [], judge()), null);
    assert.equal(hold.answer(key, seen({ ...person, score: 0.1 }), judge()), null, 'below the minimum score');
    assert.equal(hold.expire(key), null);
    assert.deepEqual(hold.end('cam-1'), [null]);
  });

  it('answers for events never held, and other cameras’ ends, change nothing', () => {
    const hold = new ObjectAlertHold();
    hold.hold(porch);
    assert.equal(hold.answer(eventKey('cam-2', 1_000), seen(person), judge()), null);
    assert.deepEqual(hold.end('cam-2'), []);
    assert.equal(hold.isHeld(key), true);
  });

  it('forgets the oldest events past its bound, so lost ends cannot grow it forever', () => {
    const hold = new ObjectAlertHold();
    for (let i = 0; i < 300; i++) hold.hold({ ...porch, eventAt: i });
    assert.equal(hold.isHeld(eventKey('cam-1', 0)), false);
    assert.equal(hold.isHeld(eventKey('cam-1', 299)), true);
    assert.equal(hold.end('cam-1').length, 256);
  });

  it('says the time in the home’s time zone, or UTC plainly', () => {
    const at = Date.UTC(2026, 6, 1, 12, 32);
    assert.equal(alertTime(at, 'Europe/London'), '13:32');
    assert.equal(alertTime(at, 'America/New_York'), '08:32');
    assert.equal(alertTime(at, null), '12:32 UTC');
    assert.equal(alertTime(at, 'Not/AZone'), '12:32 UTC');
  });
});
