import { strict as assert } from 'node:assert';
import type { DetectedObject } from '../../common/detection';
import { defaultDetectionSettings } from '../../common/detectionSettings';
import { EventObjects, labelsSensor } from '../../hub/eventObjects';
import type { ObjectRules } from '../../hub/objectAlertPolicy';
import type { ObjectsNotice } from '../../hub/motionLabels';

const person = (score: number, y = 0.2): DetectedObject => ({ label: 'person', cocoClass: 'person', score, box: [0.1, y, 0.1, 0.4] });
const dog = (score: number): DetectedObject => ({ label: 'animal', cocoClass: 'dog', score, box: [0.5, 0.5, 0.2, 0.2] });
const notice = (eventAt: number, frameAt: number, objects: DetectedObject[], deviceId = 'cam1'): ObjectsNotice => ({ deviceId, deviceName: 'porch', eventAt, frameAt, objects });
const rules = (over: Partial<ObjectRules> = {}): ObjectRules => ({ detection: defaultDetectionSettings(), zones: [], ...over });

describe("hub: a camera's counted objects per motion event (for Home Assistant)", () => {
  it('turns a class on once per event, keeps its best object, and forgets it when the event ends', () => {
    const e = new EventObjects();
    e.start('cam1', 1000);
    assert.deepEqual(e.add(notice(1000, 1100, [person(0.6)]), rules()), {
      turnedOn: ['person'],
      summary: { eventAt: 1000, labels: ['person'], objects: [{ label: 'person', cocoClass: 'person', score: 0.6, box: [0.1, 0.2, 0.1, 0.4], frameAt: 1100 }] },
    });
    assert.equal(e.isOn('cam1', 'person'), true);
    const better = e.add(notice(1000, 2100, [person(0.9), dog(0.7)]), rules());
    assert.deepEqual(better?.turnedOn, ['animal'], 'person was already on');
    assert.deepEqual(better?.summary?.objects.map((o) => [o.label, o.score, o.frameAt]), [['person', 0.9, 2100], ['animal', 0.7, 2100]]);
    assert.deepEqual(e.add(notice(1000, 3100, [person(0.7)]), rules()), { turnedOn: [], summary: null }, 'a lower score changes nothing');
    const end = e.end('cam1');
    assert.deepEqual(end?.labels, ['person', 'animal']);
    assert.equal(e.isOn('cam1', 'person'), false);
    assert.equal(e.isOn('cam1', 'animal'), false);
  });

  it('counts only what the policy counts: below the minimum score, outside the zones, a class not detected', () => {
    const e = new EventObjects();
    e.start('cam1', 1000);
    assert.deepEqual(e.add(notice(1000, 1100, [person(0.3)]), rules()), { turnedOn: [], summary: null });
    const noAnimals = { ...defaultDetectionSettings(), classes: ['person' as const] };
    assert.deepEqual(e.add(notice(1000, 1200, [dog(0.9)]), rules({ detection: noAnimals })), { turnedOn: [], summary: null });
    // A zone in the top half: a person standing at y = 0.6 is outside it.
    const zones = [[[0, 0], [1, 0], [1, 0.5], [0, 0.5]]] as ObjectRules['zones'];
    assert.deepEqual(e.add(notice(1000, 1300, [person(0.9)]), rules({ zones })), { turnedOn: [], summary: null });
    assert.deepEqual(e.add(notice(1000, 1400, [person(0.9, 0)]), rules({ zones }))?.turnedOn, ['person']);
  });

  it('ends an event the detector answered with nothing counted as "none", and one it never answered with nothing known', () => {
    const e = new EventObjects();
    e.start('cam1', 1000);
    e.add(notice(1000, 1100, []), rules());
    const none = e.end('cam1');
    assert.deepEqual(none, { eventAt: 1000, labels: [], objects: [] });
    assert.deepEqual(labelsSensor(none), { state: 'none', attributes: { event_at: new Date(1000).toISOString(), objects: [] } });
    e.start('cam1', 5000);
    assert.equal(e.end('cam1'), null, 'no answer during the event');
    e.start('cam1', 9000);
    e.add(notice(9000, 9100, [person(0.9)]), rules({ detection: { ...defaultDetectionSettings(), classes: [] } }));
    assert.equal(e.end('cam1'), null, 'a camera that detects no classes says nothing about objects');
    assert.equal(e.end('cam1'), null, 'no open event');
  });

  it('ignores an answer for an event that ended or is not the open one, and adopts a newer one after a restart', () => {
    const e = new EventObjects();
    e.start('cam1', 1000);
    e.end('cam1');
    assert.equal(e.add(notice(1000, 1500, [person(0.9)]), rules()), null, 'answered after its event ended');
    e.start('cam1', 2000);
    assert.equal(e.add(notice(1000, 2100, [person(0.9)]), rules()), null, 'an older event');
    assert.equal(e.isOn('cam1', 'person'), false);
    const fresh = new EventObjects();
    assert.deepEqual(fresh.add(notice(7000, 7100, [person(0.9)], 'cam2'), rules())?.turnedOn, ['person'], 'mid-event after a restart');
    assert.equal(fresh.isOn('cam2', 'person'), true);
    assert.deepEqual(fresh.end('cam2')?.labels, ['person']);
  });

  it('writes the labels sensor as "person, vehicle" with class, score, box and time', () => {
    const s = labelsSensor({
      eventAt: 1000,
      labels: ['person', 'vehicle'],
      objects: [
        { label: 'person', cocoClass: 'person', score: 0.9, box: [0.1, 0.2, 0.1, 0.4], frameAt: 2000 },
        { label: 'vehicle', cocoClass: 'car', score: 0.8, box: [0.5, 0.5, 0.3, 0.2], frameAt: 3000 },
      ],
    });
    assert.equal(s.state, 'person, vehicle');
    assert.deepEqual(s.attributes.objects, [
      { label: 'person', class: 'person', score: 0.9, box: [0.1, 0.2, 0.1, 0.4], time: new Date(2000).toISOString() },
      { label: 'vehicle', class: 'car', score: 0.8, box: [0.5, 0.5, 0.3, 0.2], time: new Date(3000).toISOString() },
    ]);
  });
});
