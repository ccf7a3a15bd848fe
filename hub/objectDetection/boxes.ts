import type { Box, DetectedObject } from '../../common/detection';

/*
 * Box arithmetic for the detector: boxes are [x, y, width, height] as fractions of the
 * picture, the contract's unit, so a box means the same at any detection size.
 */

/** Overlap of two boxes over their union (0 when they do not touch). */
export function iou(a: Box, b: Box): number {
  const inter = intersection(a, b);
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

/** Area shared by two boxes. */
export function intersection(a: Box, b: Box): number {
  const w = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * A box in pixels of a picture (or of a crop of it placed at `offset`) as fractions of the
 * whole picture, clamped to it: the model's boxes may reach a little past the edges.
 */
export function toFractions(pixels: readonly number[], width: number, height: number, offset: readonly [number, number] = [0, 0]): Box {
  const [x = 0, y = 0, w = 0, h = 0] = pixels;
  const x0 = Math.min(Math.max((x + offset[0]) / width, 0), 1);
  const y0 = Math.min(Math.max((y + offset[1]) / height, 0), 1);
  const x1 = Math.min(Math.max((x + w + offset[0]) / width, 0), 1);
  const y1 = Math.min(Math.max((y + h + offset[1]) / height, 0), 1);
  return [x0, y0, Math.max(x1 - x0, 0), Math.max(y1 - y0, 0)];
}

/**
 * Non-maximum suppression across detections from several looks at one picture (the whole
 * frame and its tiles): of two same-class detections that overlap at IoU ≥ `iouThreshold`, or
 * where the smaller lies mostly (≥ `containThreshold` of its area) inside the larger — a tile's
 * view of part of an object the whole frame saw whole — only the higher-scored is kept.
 */
export function mergeDetections(detections: readonly DetectedObject[], iouThreshold = 0.5, containThreshold = 0.7): DetectedObject[] {
  const sorted = [...detections].sort((a, b) => b.score - a.score);
  const kept: DetectedObject[] = [];
  for (const d of sorted) {
    const duplicate = kept.some((k) => {
      if (k.label !== d.label) return false;
      if (iou(k.box, d.box) >= iouThreshold) return true;
      const smaller = Math.min(k.box[2] * k.box[3], d.box[2] * d.box[3]);
      return smaller > 0 && intersection(k.box, d.box) / smaller >= containThreshold;
    });
    if (!duplicate) kept.push(d);
  }
  return kept;
}
