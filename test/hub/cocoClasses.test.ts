import { strict as assert } from 'node:assert';
import { alertLabelOf, COCO_CLASSES_OF } from '../../hub/objectDetection/cocoClasses';

describe('cocoClasses: COCO class → alert class', () => {
  it('maps a person, the road vehicles and the animals, and drops everything else', () => {
    assert.equal(alertLabelOf('person'), 'person');
    for (const c of ['bicycle', 'car', 'motorcycle', 'bus', 'truck']) assert.equal(alertLabelOf(c), 'vehicle', c);
    for (const c of ['bird', 'cat', 'dog', 'horse', 'sheep', 'cow', 'bear', 'zebra', 'giraffe', 'elephant']) assert.equal(alertLabelOf(c), 'animal', c);
    // Vehicles nobody parks at a porch, and the objects the model also knows, are not alerts.
    for (const c of ['airplane', 'train', 'boat', 'teddy bear', 'potted plant', 'umbrella', 'bench', 'fire hydrant', 'Person', '']) assert.equal(alertLabelOf(c), undefined, c);
  });

  it('lists each alert class\'s COCO classes', () => {
    assert.deepEqual(COCO_CLASSES_OF.person, ['person']);
    assert.equal(COCO_CLASSES_OF.vehicle.length, 5);
    assert.equal(COCO_CLASSES_OF.animal.length, 10);
  });
});
