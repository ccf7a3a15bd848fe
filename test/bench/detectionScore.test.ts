import { strict as assert } from 'node:assert';
import type { DetectedObject } from '../../common/detection';
import { chooseThreshold, scoreDetections, type ScoredPicture } from '../../bench/detectionScore';

// A 100×100 picture makes pixel boxes and fraction boxes easy to read side by side.
function picture(objects: ScoredPicture['item']['objects'], detections: DetectedObject[], split: 'tuning' | 'heldout' = 'tuning'): ScoredPicture {
  return { item: { source: 'p.jpg', width: 100, height: 100, split, objects }, detections };
}
const person = (score: number, x: number, y: number, w: number, h: number): DetectedObject => ({ label: 'person', cocoClass: 'person', score, box: [x / 100, y / 100, w / 100, h / 100] });

describe('detectionScore: the scorer of detections against the labelled sample', () => {
  it('counts a detection at IoU ≥ 0.5 as found, a far one as false, an unfound label as a miss', () => {
    const s = scoreDetections([
      picture(
        [
          { label: 'person', box: [10, 10, 20, 40] },
          { label: 'person', box: [60, 10, 20, 40] },
        ],
        [person(0.9, 12, 12, 20, 40), person(0.8, 40, 60, 10, 10)],
      ),
    ]).tuning.person;
    assert.deepEqual([s.tp, s.fp, s.fn], [1, 1, 1]);
    assert.equal(s.precision, 0.5);
    assert.equal(s.recall, 0.5);
    assert.deepEqual(s.misses, [{ picture: 'p.jpg', box: [60, 10, 20, 40] }]);
    assert.deepEqual(s.falsePositives.map((f) => f.box), [[40, 60, 10, 10]]);
  });

  it('refuses a match under IoU 0.5 (a box half the size of the label)', () => {
    const s = scoreDetections([picture([{ label: 'person', box: [10, 10, 20, 40] }], [person(0.9, 10, 10, 20, 19)])]).tuning.person;
    assert.deepEqual([s.tp, s.fp, s.fn], [0, 1, 1]);
  });

  it('matches greedily by score: two detections of one person make one find and one false positive', () => {
    const s = scoreDetections([picture([{ label: 'person', box: [10, 10, 20, 40] }], [person(0.5, 10, 10, 20, 40), person(0.9, 11, 11, 20, 40)])]).tuning.person;
    assert.deepEqual([s.tp, s.fp, s.fn], [1, 1, 0]);
    assert.equal(s.falsePositives[0]?.score, 0.5, 'the lower-scored duplicate is the false positive');
  });

  it('does not count a detection of an ignored object, either way', () => {
    const s = scoreDetections([picture([{ label: 'person', box: [10, 10, 10, 30], ignore: true }], [person(0.9, 10, 11, 10, 30)])]).tuning.person;
    assert.deepEqual([s.tp, s.fp, s.fn], [0, 0, 0]);
    assert.equal(s.precision, null);
    assert.equal(s.recall, null);
  });

  it('does not count a detection lying mostly inside a crowd region, but counts one half out', () => {
    const crowd = { label: 'person' as const, box: [0, 0, 50, 50] as [number, number, number, number], ignore: true, crowd: true };
    const inside = scoreDetections([picture([crowd], [person(0.9, 30, 30, 20, 20)])]).tuning.person;
    assert.deepEqual([inside.tp, inside.fp, inside.fn], [0, 0, 0], 'wholly inside');
    const mostly = scoreDetections([picture([crowd], [person(0.9, 40, 30, 20, 20)])]).tuning.person;
    assert.equal(mostly.fp, 0, '50 % inside is ignored');
    const out = scoreDetections([picture([crowd], [person(0.9, 45, 30, 20, 20)])]).tuning.person;
    assert.equal(out.fp, 1, '25 % inside is a false positive');
  });

  it('keeps classes and splits apart, and drops detections under the threshold', () => {
    const van = { label: 'vehicle' as const, box: [50, 50, 40, 30] as [number, number, number, number] };
    const truck: DetectedObject = { label: 'vehicle', cocoClass: 'truck', score: 0.6, box: [0.5, 0.5, 0.4, 0.3] };
    const s = scoreDetections([picture([van], [truck, person(0.7, 50, 50, 40, 30)], 'heldout'), picture([{ label: 'person', box: [0, 0, 10, 40] }], [person(0.2, 0, 0, 10, 40)])], 0.5);
    assert.deepEqual([s.heldout.vehicle.tp, s.heldout.vehicle.fp], [1, 0]);
    assert.deepEqual([s.heldout.person.tp, s.heldout.person.fp], [0, 1], 'a person box on the van is a false person');
    assert.deepEqual([s.tuning.person.tp, s.tuning.person.fn], [0, 1], 'under the threshold, so missed');
    assert.equal(s.tuning.vehicle.precision, null);
  });

  it('chooses the threshold with the best F1 on the tuning split only', () => {
    const labels = [{ label: 'person' as const, box: [10, 10, 20, 40] as [number, number, number, number] }];
    const tuning = picture(labels, [person(0.8, 10, 10, 20, 40), person(0.4, 60, 60, 10, 10)]);
    // A held-out picture whose best threshold would be lower must not move the choice.
    const heldout = picture(labels, [person(0.2, 10, 10, 20, 40)], 'heldout');
    assert.deepEqual(chooseThreshold([tuning, heldout]), { threshold: 0.8, f1: 1 });
  });
});
