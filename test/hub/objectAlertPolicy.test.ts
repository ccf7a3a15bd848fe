import { strict as assert } from 'node:assert';
import type { Polygon } from '../../common/config';
import type { Box, DetectedObject, ObjectLabel } from '../../common/detection';
import { defaultDetectionSettings, type DetectionSettings } from '../../common/detectionSettings';
import { pointOnOutline } from '../../common/polygon';
import { alertWords, decideObjectAlert, footPoint, keepClip, standsInZones, type Sighting } from '../../hub/objectAlertPolicy';

const COCO: Record<ObjectLabel, string> = { person: 'person', vehicle: 'car', animal: 'dog' };
const seen = (label: ObjectLabel, score: number, box: Box, extra: Partial<Sighting> = {}): Sighting => ({ object: { label, cocoClass: COCO[label], score, box } satisfies DetectedObject, ...extra });
const settings = (change: Partial<DetectionSettings> = {}): DetectionSettings => ({ ...defaultDetectionSettings(), ...change });

/** The porch: the right half of the frame, from a third of the way down to the bottom. */
const porch: Polygon = [
  [0.5, 0.3],
  [1, 0.3],
  [1, 1],
  [0.5, 1],
];
/** A person standing on the porch: feet at (0.7, 0.9). */
const onPorch: Box = [0.65, 0.4, 0.1, 0.5];
/** A person on the pavement left of the porch whose box reaches well into it: feet at (0.4, 0.9). */
const onPavement: Box = [0.2, 0.3, 0.4, 0.6];

describe('object alert policy: which objects count, whether the event alerts, what it says', () => {
  it('a person standing in the porch zone alerts "Person at the porch"', () => {
    const d = decideObjectAlert({ camera: 'porch', detection: settings(), zones: [porch], sightings: [seen('person', 0.8, onPorch)] });
    assert.equal(d.basis, 'objects');
    assert.equal(d.alert, true);
    assert.deepEqual(d.labels, ['person']);
    assert.deepEqual(d.alertLabels, ['person']);
    assert.equal(d.words, 'Person at the porch');
    assert.equal(d.counted.length, 1);
    assert.deepEqual(d.rejected, []);
  });

  it('a person on the pavement outside the zone does not count, though most of the box overlaps the zone', () => {
    const s = seen('person', 0.95, onPavement);
    const [fx, fy] = footPoint(onPavement);
    assert.ok(Math.abs(fx - 0.4) < 1e-12 && Math.abs(fy - 0.9) < 1e-12, `feet at ${fx},${fy}`);
    const d = decideObjectAlert({ camera: 'porch', detection: settings(), zones: [porch], sightings: [s] });
    assert.equal(d.alert, false);
    assert.equal(d.words, null);
    assert.deepEqual(d.counted, []);
    assert.deepEqual(d.rejected, [{ sighting: s, reason: 'outside the zones' }]);
    // The same person once they step onto the porch counts.
    const later = decideObjectAlert({ camera: 'porch', detection: settings(), zones: [porch], sightings: [s, seen('person', 0.9, [0.5, 0.3, 0.2, 0.6])] });
    assert.equal(later.words, 'Person at the porch');
  });

  it('counts an object anywhere in the frame when the camera has no zones', () => {
    for (const box of [onPavement, onPorch, [0, 0, 0.05, 0.05] as Box, [0.9, 0.9, 0.2, 0.2] as Box]) {
      const d = decideObjectAlert({ camera: 'drive', detection: settings(), zones: [], sightings: [seen('vehicle', 0.6, box)] });
      assert.equal(d.words, 'Vehicle at the drive', JSON.stringify(box));
    }
  });

  it('a score just below the minimum does not count; exactly at it does', () => {
    const detection = settings({ minScore: { person: 0.62, vehicle: 0.5, animal: 0.5 } });
    const below = decideObjectAlert({ camera: 'porch', detection, zones: [], sightings: [seen('person', 0.6199999, onPorch)] });
    assert.equal(below.alert, false);
    assert.equal(below.rejected[0]?.reason, 'score below minimum');
    const at = decideObjectAlert({ camera: 'porch', detection, zones: [], sightings: [seen('person', 0.62, onPorch)] });
    assert.equal(at.alert, true);
    // Each class has its own minimum: 0.55 is enough for a vehicle here, not for a person.
    const mixed = decideObjectAlert({ camera: 'drive', detection, zones: [], sightings: [seen('person', 0.55, onPorch), seen('vehicle', 0.55, onPavement)] });
    assert.deepEqual(mixed.labels, ['vehicle']);
    // A score that is not a number never counts.
    assert.equal(decideObjectAlert({ camera: 'porch', detection, zones: [], sightings: [seen('person', Number.NaN, onPorch)] }).alert, false);
  });

  it('an object of a class the camera does not detect does not count, whatever its score', () => {
    const detection = settings({ classes: ['person', 'animal'], alertOn: ['person'] });
    const d = decideObjectAlert({ camera: 'drive', detection, zones: [], sightings: [seen('vehicle', 0.99, onPorch)] });
    assert.equal(d.alert, false);
    assert.deepEqual(d.labels, []);
    assert.equal(d.rejected[0]?.reason, 'class not detected');
  });

  it('an animal is counted (a label on the clip) but does not alert when alert-on leaves animals out', () => {
    const d = decideObjectAlert({ camera: 'garden', detection: settings(), zones: [], sightings: [seen('animal', 0.9, onPorch)] });
    assert.deepEqual(d.labels, ['animal']);
    assert.deepEqual(d.alertLabels, []);
    assert.equal(d.alert, false);
    assert.equal(d.words, null);
    assert.equal(keepClip(settings({ recordWithoutObject: false }), [d]), true, 'a counted animal keeps the clip');
    const withAnimals = decideObjectAlert({ camera: 'garden', detection: settings({ alertOn: ['person', 'vehicle', 'animal'] }), zones: [], sightings: [seen('animal', 0.9, onPorch)] });
    assert.equal(withAnimals.words, 'Animal at the garden');
  });

  it('names every alerting class, person first, and leaves out counted classes that do not alert', () => {
    const sightings = [seen('vehicle', 0.7, onPorch), seen('animal', 0.9, onPorch), seen('person', 0.8, onPorch), seen('person', 0.6, onPorch)];
    const d = decideObjectAlert({ camera: 'drive', detection: settings(), zones: [], sightings });
    assert.deepEqual(d.labels, ['person', 'vehicle', 'animal']);
    assert.equal(d.words, 'Person and vehicle at the drive');
    // The best sighting of each class: the labels and the thumbnail of the event.
    assert.deepEqual(d.best.map((s) => [s.object.label, s.object.score]), [['person', 0.8], ['vehicle', 0.7], ['animal', 0.9]]);
    const all = decideObjectAlert({ camera: 'drive', detection: settings({ alertOn: ['person', 'vehicle', 'animal'] }), zones: [], sightings });
    assert.equal(all.words, 'Person, vehicle and animal at the drive');
    assert.equal(alertWords(['vehicle', 'animal'], 'The back gate'), 'Vehicle and animal at The back gate');
    assert.equal(alertWords(['person'], '  front door '), 'Person at the front door');
  });

  it('a bottom-centre exactly on a zone edge counts, on every edge and corner (the even-odd rule alone is not sure of them)', () => {
    const detection = settings();
    // Feet on the left edge (x = 0.5), the top edge (y = 0.3), the bottom edge (y = 1) and a corner.
    const feetAt = (x: number, y: number): Box => [x - 0.05, y - 0.2, 0.1, 0.2];
    for (const [x, y] of [[0.5, 0.6], [0.75, 0.3], [0.75, 1], [1, 0.6], [0.5, 0.3]] as Array<[number, number]>) {
      const box = feetAt(x, y);
      const [fx, fy] = footPoint(box);
      assert.ok(pointOnOutline(porch, fx, fy), `feet at ${fx},${fy} are on the outline`);
      assert.equal(standsInZones(box, [porch]), true, `on the edge at ${x},${y}`);
      assert.equal(decideObjectAlert({ camera: 'porch', detection, zones: [porch], sightings: [seen('person', 0.9, box)] }).alert, true);
    }
    // A hair outside the left edge is outside.
    assert.equal(standsInZones(feetAt(0.4999, 0.6), [porch]), false);
    // A box running past the bottom of the frame stands on the bottom edge.
    assert.deepEqual(footPoint([0.6, 0.7, 0.2, 0.5]), [0.7, 1]);
    assert.equal(standsInZones([0.6, 0.7, 0.2, 0.5], [porch]), true);
  });

  it('counts an object standing in any of several zones, including a slanted one', () => {
    const path: Polygon = [[0, 0.6], [0.3, 0.5], [0.35, 1], [0, 1]];
    assert.equal(standsInZones([0.05, 0.5, 0.1, 0.3], [porch, path]), true);
    assert.equal(standsInZones([0.05, 0.2, 0.1, 0.3], [porch, path]), false);
  });

  it('an object away from where motion was seen in its picture does not count (the car parked beside a swaying hedge)', () => {
    const parked = seen('vehicle', 0.9, [0.1, 0.6, 0.3, 0.3], { motionRegion: [0.7, 0.0, 0.3, 0.3] });
    const d = decideObjectAlert({ camera: 'drive', detection: settings(), zones: [], sightings: [parked] });
    assert.equal(d.alert, false);
    assert.equal(d.rejected[0]?.reason, 'away from the motion');
    const arriving = seen('vehicle', 0.9, [0.1, 0.6, 0.3, 0.3], { motionRegion: [0.3, 0.5, 0.3, 0.3], frameAt: 1234 });
    const later = decideObjectAlert({ camera: 'drive', detection: settings(), zones: [], sightings: [parked, arriving] });
    assert.equal(later.words, 'Vehicle at the drive');
    assert.equal(later.best[0]?.frameAt, 1234);
  });

  it('with no objects at all the event does not alert, and its clip is kept or dropped by recordWithoutObject', () => {
    const empty = decideObjectAlert({ camera: 'porch', detection: settings(), zones: [porch], sightings: [] });
    assert.equal(empty.basis, 'objects');
    assert.equal(empty.alert, false);
    assert.equal(keepClip(settings(), [empty]), true, 'recorded by default');
    assert.equal(keepClip(settings({ recordWithoutObject: false }), [empty]), false, 'dropped when the household records objects only');
    const outside = decideObjectAlert({ camera: 'porch', detection: settings(), zones: [porch], sightings: [seen('person', 0.9, onPavement)] });
    assert.equal(keepClip(settings({ recordWithoutObject: false }), [empty, outside]), false, 'a person outside the zones does not keep it either');
    const person = decideObjectAlert({ camera: 'porch', detection: settings(), zones: [porch], sightings: [seen('person', 0.9, onPorch)] });
    assert.equal(keepClip(settings({ recordWithoutObject: false }), [empty, person]), true, 'one event of the clip with a person keeps it');
    assert.equal(keepClip(settings({ recordWithoutObject: false }), []), true, 'a clip without a decision is kept');
  });

  it('with detection off (no classes) every motion alerts as motion, and its clip is kept', () => {
    const detection = settings({ classes: [], alertOn: [], recordWithoutObject: false });
    const d = decideObjectAlert({ camera: 'porch', detection, zones: [porch], sightings: [seen('person', 0.9, onPavement)] });
    assert.equal(d.basis, 'motion');
    assert.equal(d.alert, true);
    assert.equal(d.words, 'Motion at the porch');
    assert.equal(keepClip(detection, [d]), true);
  });

  it('when the detector gave no answer the event alerts as motion (unless the camera alerts on nothing) and the clip is kept', () => {
    const d = decideObjectAlert({ camera: 'porch', detection: settings({ recordWithoutObject: false }), zones: [], sightings: null });
    assert.equal(d.basis, 'motion');
    assert.equal(d.words, 'Motion at the porch');
    assert.equal(keepClip(settings({ recordWithoutObject: false }), [d]), true);
    const quiet = decideObjectAlert({ camera: 'porch', detection: settings({ alertOn: [] }), zones: [], sightings: null });
    assert.equal(quiet.alert, false);
    assert.equal(quiet.words, null);
  });
});
