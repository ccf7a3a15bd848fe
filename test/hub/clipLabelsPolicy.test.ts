import { strict as assert } from 'node:assert';
import type { Polygon } from '../../common/config';
import type { DetectedObject } from '../../common/detection';
import { defaultDetectionSettings, type DetectionSettings } from '../../common/detectionSettings';
import { countedLabels, keepArrivingClip, type ClipEvent } from '../../hub/clipLabels';
import type { Sighting } from '../../hub/objectAlertPolicy';
import { parseLabels, parseTimelineQuery, TimelineQueryError } from '../../hub/timelineQuery';

/* A clip's labels and whether an arriving clip is kept, as pure functions; the label filter's parsing. */

const detection = (change: Partial<DetectionSettings> = {}): DetectionSettings => ({ ...defaultDetectionSettings(), ...change });
const seen = (label: DetectedObject['label'], score: number, box: DetectedObject['box'] = [0.6, 0.4, 0.2, 0.5], frameAt = 1): Sighting => ({ object: { label, cocoClass: label, score, box }, frameAt });
/** The right half of the frame. */
const right: Polygon = [
  [0.5, 0],
  [1, 0],
  [1, 1],
  [0.5, 1],
];
const event = (change: Partial<ClipEvent> = {}): ClipEvent => ({ at: 1000, answered: true, ended: true, sightings: [], ...change });

describe('clip labels (pure)', () => {
  it('shows the best counted score per label, person first, and nothing the settings do not count', () => {
    const sightings = [seen('vehicle', 0.7, undefined, 5), seen('person', 0.6, undefined, 2), seen('person', 0.9, undefined, 3), seen('animal', 0.4)];
    const labels = countedLabels(sightings, { detection: detection(), zones: [] });
    assert.deepEqual(labels.map((l) => [l.label, l.score, l.frameAt]), [['person', 0.9, 3], ['vehicle', 0.7, 5]], 'the animal is below the 0.5 minimum');
    assert.deepEqual(countedLabels(sightings, { detection: detection({ classes: ['vehicle'] }), zones: [] }).map((l) => l.label), ['vehicle'], 'a class switched off is not shown');
    const outside = seen('person', 0.95, [0.1, 0.2, 0.2, 0.5]);
    assert.deepEqual(countedLabels([outside], { detection: detection(), zones: [right] }), [], 'standing outside the zones');
    assert.deepEqual(countedLabels([], { detection: detection(), zones: [] }), []);
  });

  it('drops an arriving clip only when every event was looked at, has ended, and nothing counted', () => {
    const objectsOnly = { detection: detection({ recordWithoutObject: false }), zones: [right] };
    assert.equal(keepArrivingClip([event()], objectsOnly), false);
    assert.equal(keepArrivingClip([event({ sightings: [seen('person', 0.3)] })], objectsOnly), false, 'a person below the minimum');
    assert.equal(keepArrivingClip([event({ sightings: [seen('person', 0.9, [0.1, 0.2, 0.2, 0.5])] })], objectsOnly), false, 'a person outside the zones');
    assert.equal(keepArrivingClip([event(), event({ at: 2000, sightings: [seen('person', 0.9)] })], objectsOnly), true, 'one event with a person keeps it');
    assert.equal(keepArrivingClip([event({ answered: false })], objectsOnly), true, 'never looked at: kept on doubt');
    assert.equal(keepArrivingClip([event({ ended: false })], objectsOnly), true, 'still going: a later picture may hold a person');
    assert.equal(keepArrivingClip([event(), event({ at: 2000, answered: false })], objectsOnly), true);
    assert.equal(keepArrivingClip([], objectsOnly), true, 'no motion in the clip');
    assert.equal(keepArrivingClip([event()], { detection: detection(), zones: [] }), true, 'recordWithoutObject on');
    assert.equal(keepArrivingClip([event()], { detection: detection({ recordWithoutObject: false, classes: [], alertOn: [] }), zones: [] }), true, 'detection off on the camera');
  });

  it('takes one label or several, each once, and names a bad one', () => {
    assert.deepEqual(parseLabels('person'), ['person']);
    assert.deepEqual(parseLabels('animal, person,animal'), ['animal', 'person']);
    assert.deepEqual(parseTimelineQuery({ labels: 'vehicle' }, 'UTC').labels, ['vehicle']);
    assert.deepEqual(parseTimelineQuery({}, 'UTC').labels, []);
    for (const [raw, name] of [['people', '"people"'], ['', '""'], ['person,', '""'], ['Person', '"Person"']] as const) {
      assert.throws(
        () => parseTimelineQuery({ labels: raw }, 'UTC'),
        (err: Error) => err instanceof TimelineQueryError && err.message === `labels must be person, vehicle, animal or several of them separated by commas; ${name} is not one`,
        raw,
      );
    }
  });
});
