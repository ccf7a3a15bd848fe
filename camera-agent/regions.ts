/*
 * Connected regions of a binary mask, and the pixel mask of zones and ignore masks.
 * Plain typed-array code: these steps branch per pixel, which tensors do badly.
 */

import type { Polygon } from '../common/config';
import { pointInPolygon as inside } from '../common/polygon';

/** A moving region; coordinates and area are fractions of the frame. */
export interface Region {
  x: number;
  y: number;
  w: number;
  h: number;
  area: number;
}

/**
 * Regions of pixels whose level is at least `cut`, with at least `minPixels` of them.
 * Pixels up to `reach` apart (in x and y) join one region — at 2, exactly as if the mask
 * had been dilated 3×3 before labelling it — but only the changed pixels themselves count
 * towards a region's size, so a sprinkle of raindrops joined into one region stays small.
 * `work` and `seen` are scratch space of the frame's size, reused between frames.
 */
export function findRegions(
  levels: ArrayLike<number>,
  width: number,
  height: number,
  cut: number,
  minPixels: number,
  work: Int32Array,
  seen: Uint8Array,
  reach = 2,
): Region[] {
  seen.fill(0);
  const regions: Region[] = [];
  for (let start = 0; start < levels.length; start++) {
    if (levels[start]! < cut || seen[start]) continue;
    let top = 0;
    work[top++] = start;
    seen[start] = 1;
    let count = 0;
    let minX = width;
    let maxX = 0;
    let minY = height;
    let maxY = 0;
    while (top > 0) {
      const p = work[--top]!;
      count += 1;
      const x = p % width;
      const y = (p - x) / width;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
      const y0 = Math.max(0, y - reach);
      const y1 = Math.min(height - 1, y + reach);
      const x0 = Math.max(0, x - reach);
      const x1 = Math.min(width - 1, x + reach);
      for (let ny = y0; ny <= y1; ny++) {
        for (let q = ny * width + x0, end = ny * width + x1; q <= end; q++) {
          if (!seen[q] && levels[q]! >= cut) {
            seen[q] = 1;
            work[top++] = q;
          }
        }
      }
    }
    if (count < minPixels) continue;
    regions.push({
      x: minX / width,
      y: minY / height,
      w: (maxX - minX + 1) / width,
      h: (maxY - minY + 1) / height,
      area: count / (width * height),
    });
  }
  return regions.sort((a, b) => b.area - a.area);
}

/**
 * 1 where motion counts: inside a zone (the whole frame when there are none) and outside
 * every ignore mask. Pixels are tested at their centres.
 */
export function activeMask(width: number, height: number, zones: Polygon[], ignoreMasks: Polygon[]): Uint8Array {
  const mask = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const fy = (y + 0.5) / height;
    for (let x = 0; x < width; x++) {
      const fx = (x + 0.5) / width;
      const inZone = zones.length === 0 || zones.some((z) => inside(z, fx, fy));
      mask[y * width + x] = inZone && !ignoreMasks.some((m) => inside(m, fx, fy)) ? 1 : 0;
    }
  }
  return mask;
}

/** True when two regions' boxes, each grown by `margin` (a frame fraction), overlap. */
export function near(a: Region, b: Region, margin: number): boolean {
  return a.x - margin < b.x + b.w && b.x - margin < a.x + a.w && a.y - margin < b.y + b.h && b.y - margin < a.y + a.h;
}
