import type { ObjectLabel } from '../../common/detection';

/*
 * Which of COCO's 80 classes an alert can be about. A homeowner is told about people, vehicles
 * and animals; a cup, a bench or a potted plant the model also recognises is never worth an
 * alert, so those are dropped rather than passed on under a vague "other" label.
 */

const VEHICLES = new Set(['bicycle', 'car', 'motorcycle', 'bus', 'truck']);
const ANIMALS = new Set(['bird', 'cat', 'dog', 'horse', 'sheep', 'cow', 'bear', 'zebra', 'giraffe', 'elephant']);

/** The alert class of a COCO class name, or undefined for a class no alert is about. */
export function alertLabelOf(cocoClass: string): ObjectLabel | undefined {
  if (cocoClass === 'person') return 'person';
  if (VEHICLES.has(cocoClass)) return 'vehicle';
  if (ANIMALS.has(cocoClass)) return 'animal';
  return undefined;
}

/** The COCO classes that map to each alert class (for documentation and the settings' help text). */
export const COCO_CLASSES_OF: Readonly<Record<ObjectLabel, readonly string[]>> = {
  person: ['person'],
  vehicle: [...VEHICLES],
  animal: [...ANIMALS],
};
