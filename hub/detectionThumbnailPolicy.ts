import type { Box, DetectedObject, ObjectLabel } from '../common/detection';
import { decideObjectAlert, type ObjectRules } from './objectAlertPolicy';

/*
 * Which detection picture becomes a clip's thumbnail, and where its boxes go. Pure: the hub's
 * detection thumbnails (hub/detectionThumbnails.ts) call it with each answered picture; tests
 * call it alone.
 *
 * "Best" is what the household would want to see first: a picture with an object the camera
 * alerts on beats any without one (a person at 0.5 beats a cat at 0.9 on a camera that alerts
 * on people), then the higher score of that object wins. Only objects that count under the
 * camera's rules (class detected, minimum score, zones, near the motion) rank a picture or get
 * a box drawn: a picture whose only object does not count is not a detection picture at all.
 */

export interface PictureRank {
  /** The picture holds a counted object of a class the camera alerts on. */
  alerting: boolean;
  /** The best score among the counted objects that gave `alerting` its value. */
  score: number;
}

/** The objects of one picture that count under the camera's rules (best first). */
export function countedInPicture(objects: readonly DetectedObject[], rules: ObjectRules, motionRegion?: Box): DetectedObject[] {
  const decision = decideObjectAlert({
    camera: '',
    detection: rules.detection,
    zones: rules.zones,
    sightings: objects.map((object) => (motionRegion ? { object, motionRegion } : { object })),
  });
  if (decision.basis !== 'objects') return [];
  return decision.counted.map((s) => s.object).sort((a, b) => b.score - a.score);
}

/** How good a picture is as a thumbnail; null when nothing in it counts. */
export function pictureRank(counted: readonly DetectedObject[], alertOn: readonly ObjectLabel[]): PictureRank | null {
  if (counted.length === 0) return null;
  const alerting = counted.filter((o) => alertOn.includes(o.label));
  const pool = alerting.length > 0 ? alerting : counted;
  return { alerting: alerting.length > 0, score: Math.max(...pool.map((o) => o.score)) };
}

/** True when `a` is a better thumbnail than `b` (a tie keeps the earlier picture). */
export function betterRank(a: PictureRank, b: PictureRank | null): boolean {
  if (!b) return true;
  if (a.alerting !== b.alerting) return a.alerting;
  return a.score > b.score;
}

/** A box in the thumbnail's pixels, even-aligned so 4:2:0 chroma does not smear its colour. */
export interface PixelBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * A fraction box in a picture of `width` × `height` pixels: even-aligned, at least
 * 2 × `thickness` on a side so its outline stays a frame, and inside the picture.
 */
export function pixelBox(box: Box, width: number, height: number, thickness: number): PixelBox {
  const even = (n: number) => 2 * Math.round(n / 2);
  const min = 2 * thickness;
  const w = Math.min(width, Math.max(min, even(box[2] * width)));
  const h = Math.min(height, Math.max(min, even(box[3] * height)));
  const x = Math.min(width - w, Math.max(0, even(box[0] * width)));
  const y = Math.min(height - h, Math.max(0, even(box[1] * height)));
  return { x, y, w, h };
}

/** The thumbnail's height for `width`, keeping the picture's aspect, even (as ffmpeg's scale=W:-2). */
export function scaledHeight(pictureWidth: number, pictureHeight: number, width: number): number {
  return Math.max(2, 2 * Math.round((pictureHeight * width) / pictureWidth / 2));
}
