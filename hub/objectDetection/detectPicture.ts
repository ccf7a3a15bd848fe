import type { DetectedObject } from '../../common/detection';
import { alertLabelOf } from './cocoClasses';
import { mergeDetections, toFractions } from './boxes';
import { cropRgb, tileGrid, touchesInnerEdge } from './tiles';
import type { RawObject } from './humanModel';

/*
 * One picture through the model by a strategy: "whole" is one look at the whole frame scaled
 * to the model's input; "tiles" adds four overlapping quarters (tiles.ts) and merges the five
 * looks. docs/detection.md gives the measured comparison that picks the default.
 */

export const STRATEGIES = ['whole', 'tiles'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** Runs the model on packed RGB: what detectRaw does is HumanModel.detect. */
export type RawDetect = (rgb: Uint8Array, width: number, height: number) => Promise<RawObject[]>;

/** The model's objects as alert classes with fraction boxes (other classes and low scores dropped). */
export function toDetectedObjects(raw: readonly RawObject[], width: number, height: number, minScore: number, offset: readonly [number, number] = [0, 0]): DetectedObject[] {
  const out: DetectedObject[] = [];
  for (const o of raw) {
    const label = alertLabelOf(o.label);
    if (!label || !(o.score >= minScore)) continue;
    const box = toFractions(o.box, width, height, offset);
    if (box[2] <= 0 || box[3] <= 0) continue;
    out.push({ label, cocoClass: o.label, score: o.score, box });
  }
  return out;
}

export async function detectPicture(detectRaw: RawDetect, rgb: Uint8Array, width: number, height: number, strategy: Strategy, minScore: number): Promise<DetectedObject[]> {
  const whole = toDetectedObjects(await detectRaw(rgb, width, height), width, height, minScore);
  if (strategy === 'whole') return whole;
  const found = [...whole];
  for (const tile of tileGrid(width, height)) {
    const raw = await detectRaw(cropRgb(rgb, width, tile), tile[2], tile[3]);
    const uncut = raw.filter((o) => !touchesInnerEdge(o.box, tile, width, height));
    found.push(...toDetectedObjects(uncut, width, height, minScore, [tile[0], tile[1]]));
  }
  return mergeDetections(found);
}
