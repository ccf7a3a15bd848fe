import type { Polygon } from './config';

/*
 * Plane geometry of zones and ignore masks, in frame fractions (0,0 top left). Shared by
 * the camera's detector, which tests pixels against them, and by the hub, which refuses
 * shapes the detector could not use.
 */

/** Even-odd rule: a point on the inside of the outline, however the corners wind. */
export function pointInPolygon(polygon: Polygon, x: number, y: number): boolean {
  let hit = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}

/**
 * True when the point lies on the outline, within `tolerance` (frame fractions): the even-odd
 * rule answers either way for such a point, depending on which edge it is on.
 */
export function pointOnOutline(polygon: Polygon, x: number, y: number, tolerance = 1e-9): boolean {
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    const dx = xj - xi;
    const dy = yj - yi;
    const length2 = dx * dx + dy * dy;
    // The nearest point of the edge to (x, y), as a fraction along it.
    const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - xi) * dx + (y - yi) * dy) / length2));
    if (Math.hypot(x - (xi + t * dx), y - (yi + t * dy)) <= tolerance) return true;
  }
  return false;
}

/** The enclosed area (shoelace), as a fraction of the frame; 0 for a flat shape. */
export function polygonArea(polygon: Polygon): number {
  let twice = 0;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    twice += xj * yi - xi * yj;
  }
  return Math.abs(twice) / 2;
}

function orientation(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  const v = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
  return Math.abs(v) < 1e-12 ? 0 : Math.sign(v);
}

function onSegment(ax: number, ay: number, bx: number, by: number, px: number, py: number): boolean {
  return Math.min(ax, bx) - 1e-12 <= px && px <= Math.max(ax, bx) + 1e-12 && Math.min(ay, by) - 1e-12 <= py && py <= Math.max(ay, by) + 1e-12;
}

function segmentsTouch(a: readonly [number, number], b: readonly [number, number], c: readonly [number, number], d: readonly [number, number]): boolean {
  const o1 = orientation(a[0], a[1], b[0], b[1], c[0], c[1]);
  const o2 = orientation(a[0], a[1], b[0], b[1], d[0], d[1]);
  const o3 = orientation(c[0], c[1], d[0], d[1], a[0], a[1]);
  const o4 = orientation(c[0], c[1], d[0], d[1], b[0], b[1]);
  if (o1 !== o2 && o3 !== o4) return true;
  return (
    (o1 === 0 && onSegment(a[0], a[1], b[0], b[1], c[0], c[1])) ||
    (o2 === 0 && onSegment(a[0], a[1], b[0], b[1], d[0], d[1])) ||
    (o3 === 0 && onSegment(c[0], c[1], d[0], d[1], a[0], a[1])) ||
    (o4 === 0 && onSegment(c[0], c[1], d[0], d[1], b[0], b[1]))
  );
}

/**
 * True when two edges that do not share a corner cross or touch (a figure of eight, or an
 * outline folded back on itself). Quadratic, which is nothing at the 32 corners allowed.
 */
export function selfCrossing(polygon: Polygon): boolean {
  const n = polygon.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      // Neighbouring edges share a corner by design.
      if (j === i + 1 || (i === 0 && j === n - 1)) continue;
      if (segmentsTouch(polygon[i]!, polygon[(i + 1) % n]!, polygon[j]!, polygon[(j + 1) % n]!)) return true;
    }
  }
  return false;
}
