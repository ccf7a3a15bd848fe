import { strict as assert } from 'node:assert';
import type { DetectedObject } from '../../common/detection';
import { iou, mergeDetections, toFractions } from '../../hub/objectDetection/boxes';
import { toDetectedObjects } from '../../hub/objectDetection/detectPicture';
import { cropRgb, tileGrid, touchesInnerEdge } from '../../hub/objectDetection/tiles';

const close = (a: readonly number[], b: readonly number[]) => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-9, `${a.join(',')} vs ${b.join(',')}`));

describe('object detection boxes and tiles', () => {
  it('turns pixel boxes into fractions, clamped to the picture', () => {
    close(toFractions([100, 50, 200, 100], 400, 200), [0.25, 0.25, 0.5, 0.5]);
    close(toFractions([-20, -10, 60, 30], 400, 200), [0, 0, 0.1, 0.1]);
    close(toFractions([380, 190, 50, 50], 400, 200), [0.95, 0.95, 0.05, 0.05]);
    close(toFractions([10, 10, 20, 20], 400, 200, [200, 100]), [0.525, 0.55, 0.05, 0.1]);
  });

  it('keeps alert classes over the minimum score, drops other classes and boxes wholly outside', () => {
    const objects = toDetectedObjects(
      [
        { label: 'truck', score: 0.6, box: [0, 0, 100, 50] },
        { label: 'person', score: 0.2, box: [0, 0, 10, 10] },
        { label: 'cup', score: 0.9, box: [0, 0, 10, 10] },
        { label: 'dog', score: 0.5, box: [500, 0, 10, 10] },
      ],
      200,
      100,
      0.3,
    );
    assert.deepEqual(objects, [{ label: 'vehicle', cocoClass: 'truck', score: 0.6, box: [0, 0, 0.5, 0.5] }]);
  });

  it('measures IoU', () => {
    assert.equal(iou([0, 0, 0.2, 0.2], [0, 0, 0.2, 0.2]), 1);
    assert.equal(iou([0, 0, 0.2, 0.2], [0.3, 0, 0.2, 0.2]), 0);
    assert.ok(Math.abs(iou([0, 0, 0.2, 0.2], [0.1, 0, 0.2, 0.2]) - 1 / 3) < 1e-9);
  });

  it('merges looks: keeps the best of overlapping same-class boxes and of a part inside a whole, keeps other classes', () => {
    const d = (label: DetectedObject['label'], score: number, box: DetectedObject['box']): DetectedObject => ({ label, cocoClass: label === 'person' ? 'person' : 'car', score, box });
    const merged = mergeDetections([d('person', 0.5, [0.1, 0.1, 0.1, 0.3]), d('person', 0.7, [0.11, 0.1, 0.1, 0.3]), d('person', 0.6, [0.1, 0.1, 0.1, 0.1]), d('vehicle', 0.4, [0.1, 0.1, 0.1, 0.3]), d('person', 0.3, [0.5, 0.5, 0.1, 0.3])]);
    assert.deepEqual(
      merged.map((m) => [m.label, m.score]),
      [
        ['person', 0.7],
        ['vehicle', 0.4],
        ['person', 0.3],
      ],
    );
  });

  it('lays out four overlapping tiles that cover the picture, refusing a share that leaves gaps', () => {
    const tiles = tileGrid(768, 576);
    assert.deepEqual(tiles, [
      [0, 0, 461, 346],
      [307, 0, 461, 346],
      [0, 230, 461, 346],
      [307, 230, 461, 346],
    ]);
    assert.throws(() => tileGrid(768, 576, 0.5), /more than 0.5/);
  });

  it('tells a box cut by a tile\'s inner edge from one that touches the picture\'s own edge', () => {
    const tile: [number, number, number, number] = [0, 0, 461, 346];
    assert.equal(touchesInnerEdge([440, 100, 21, 50], tile, 768, 576), true, 'cut by the right edge, inside the picture');
    assert.equal(touchesInnerEdge([0, 100, 21, 50], tile, 768, 576), false, 'the left edge is the picture\'s');
    assert.equal(touchesInnerEdge([100, 100, 21, 50], tile, 768, 576), false);
    assert.equal(touchesInnerEdge([100, 300, 21, 46], tile, 768, 576), true, 'cut by the bottom edge');
  });

  it('crops a tile out of packed RGB', () => {
    const rgb = Uint8Array.from({ length: 4 * 3 * 3 }, (_, i) => i);
    assert.deepEqual([...cropRgb(rgb, 4, [1, 1, 2, 2])], [15, 16, 17, 18, 19, 20, 27, 28, 29, 30, 31, 32]);
  });
});
