import { strict as assert } from 'node:assert';
import type { DetectedObject } from '../../common/detection';
import { defaultDetectionSettings } from '../../common/detectionSettings';
import { detectionFilter } from '../../hub/detectionPictureJpeg';
import { betterRank, countedInPicture, pictureRank, pixelBox, scaledHeight } from '../../hub/detectionThumbnailPolicy';
import type { ObjectRules } from '../../hub/objectAlertPolicy';

const person = (score: number, box: DetectedObject['box'] = [0.1, 0.2, 0.1, 0.4]): DetectedObject => ({ label: 'person', cocoClass: 'person', score, box });
const cat = (score: number): DetectedObject => ({ label: 'animal', cocoClass: 'cat', score, box: [0.5, 0.5, 0.2, 0.2] });
const rules = (over: Partial<ObjectRules> = {}): ObjectRules => ({ detection: defaultDetectionSettings(), zones: [], ...over });

describe('hub: which detection picture becomes the thumbnail, and where its boxes go', () => {
  it('counts only what the camera counts: minimum score, zones, the motion region', () => {
    assert.deepEqual(countedInPicture([person(0.2), person(0.8)], rules()), [person(0.8)], 'below the minimum score: not counted');
    const porch = rules({ zones: [[[0, 0], [0.5, 0], [0.5, 1], [0, 1]]] });
    assert.deepEqual(countedInPicture([person(0.9, [0.7, 0.1, 0.1, 0.3])], porch), [], 'standing outside the zone');
    assert.deepEqual(countedInPicture([person(0.9)], rules(), [0.8, 0.8, 0.1, 0.1]), [], 'away from where motion was');
    assert.deepEqual(countedInPicture([person(0.9)], rules({ detection: { ...defaultDetectionSettings(), classes: [], alertOn: [] } })), [], 'a camera that detects nothing counts nothing');
    assert.deepEqual(countedInPicture([person(0.5), person(0.9, [0.3, 0.2, 0.1, 0.4])], rules()).map((o) => o.score), [0.9, 0.5], 'best first');
  });

  it('ranks a picture with an alerting object above any without one, then by score', () => {
    const alertOn = defaultDetectionSettings().alertOn;
    assert.deepEqual(alertOn, ['person', 'vehicle'], 'the default this test reasons with');
    const catOnly = pictureRank([cat(0.95)], alertOn)!;
    const personLow = pictureRank([person(0.5)], alertOn)!;
    const personHigh = pictureRank([person(0.7), cat(0.99)], alertOn)!;
    assert.deepEqual(catOnly, { alerting: false, score: 0.95 });
    assert.deepEqual(personHigh, { alerting: true, score: 0.7 }, "the cat's score does not lift a person picture");
    assert.equal(pictureRank([], alertOn), null, 'nothing counted: no detection picture');
    assert.equal(betterRank(personLow, catOnly), true);
    assert.equal(betterRank(catOnly, personLow), false);
    assert.equal(betterRank(personHigh, personLow), true);
    assert.equal(betterRank(personLow, { ...personLow }), false, 'a tie keeps the earlier picture');
    assert.equal(betterRank(catOnly, null), true);
    assert.deepEqual(pictureRank([cat(0.6)], []), { alerting: false, score: 0.6 }, 'a camera that alerts on nothing still ranks by score');
  });

  it('puts boxes on even pixels inside the picture, at least an outline wide', () => {
    assert.deepEqual(pixelBox([0.25, 0.25, 0.25, 0.5], 320, 180, 4), { x: 80, y: 46, w: 80, h: 90 });
    assert.deepEqual(pixelBox([0.99, 0.99, 0.001, 0.001], 320, 180, 4), { x: 312, y: 172, w: 8, h: 8 }, 'a tiny box at the corner stays a visible frame inside');
    assert.deepEqual(pixelBox([0, 0, 1, 1], 320, 180, 4), { x: 0, y: 0, w: 320, h: 180 });
    assert.equal(scaledHeight(640, 360, 320), 180);
    assert.equal(scaledHeight(768, 576, 320), 240);
    assert.equal(scaledHeight(1280, 722, 320), 180, 'even, as scale=W:-2');
  });

  it("builds ffmpeg's filter: scale, then the boxes, weakest first so the best is drawn on top", () => {
    assert.equal(
      detectionFilter({ width: 640, height: 360 }, [person(0.9, [0.25, 0.25, 0.25, 0.5]), cat(0.6)], 320),
      'scale=320:180,drawbox=x=160:y=90:w=64:h=36:color=0x30d158:t=4,drawbox=x=80:y=46:w=80:h=90:color=0xffd60a:t=4',
    );
  });
});
