import type { DetectedObject, ObjectLabel } from '../common/detection';
import type { LabelledItem } from './labelledFootage';

/*
 * Scores an object detector against the hand-labelled sample (docs/detection.md): per alert
 * class and split, detections are matched to counted labels greedily, highest score first,
 * at IoU ≥ 0.5. A detection that matches an ignored label (IoU ≥ 0.5), or lies mostly (≥ 50 %
 * of its area) inside a crowd region, is neither a true nor a false positive: the labels say
 * nothing about those objects. Pure: the benchmark runs the detector, this counts.
 */

export const SPLITS = ['tuning', 'heldout'] as const;
export type Split = (typeof SPLITS)[number];
export const CLASSES: readonly ObjectLabel[] = ['person', 'vehicle', 'animal'];
export const MATCH_IOU = 0.5;
export const CROWD_SHARE = 0.5;

type PixelBox = [number, number, number, number];

/** One labelled picture with what the detector found in it (boxes as fractions, as detectors give them). */
export interface ScoredPicture {
  item: Pick<LabelledItem, 'source' | 'frame' | 'width' | 'height' | 'split' | 'objects'>;
  detections: readonly DetectedObject[];
}

export interface Miss {
  picture: string;
  /** In the picture's pixels. */
  box: PixelBox;
  note?: string;
}

export interface ClassScore {
  tp: number;
  fp: number;
  fn: number;
  /** null when there was nothing to measure (no detection / no label). */
  precision: number | null;
  recall: number | null;
  misses: Miss[];
  falsePositives: (Miss & { score: number; cocoClass: string })[];
}

export type Scores = Record<Split, Record<ObjectLabel, ClassScore>>;

function pictureName(item: ScoredPicture['item']): string {
  return item.frame === undefined ? item.source : `${item.source} frame ${item.frame}`;
}

function iou(a: PixelBox, b: PixelBox): number {
  return overlap(a, b) / (a[2] * a[3] + b[2] * b[3] - overlap(a, b) || 1);
}

function overlap(a: PixelBox, b: PixelBox): number {
  const w = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

function emptyScore(): ClassScore {
  return { tp: 0, fp: 0, fn: 0, precision: null, recall: null, misses: [], falsePositives: [] };
}

/** Precision, recall and the lists, over every picture, for detections scored at least `threshold`. */
export function scoreDetections(pictures: readonly ScoredPicture[], threshold = 0): Scores {
  const scores = Object.fromEntries(SPLITS.map((s) => [s, Object.fromEntries(CLASSES.map((c) => [c, emptyScore()]))])) as Scores;
  for (const { item, detections } of pictures) {
    const name = pictureName(item);
    for (const label of CLASSES) {
      const score = scores[item.split][label];
      const objects = item.objects.filter((o) => o.label === label);
      const counted = objects.filter((o) => !o.ignore);
      const ignored = objects.filter((o) => o.ignore && !o.crowd);
      const crowds = objects.filter((o) => o.crowd);
      const matched = new Set<number>();
      const found = detections.filter((d) => d.label === label && d.score >= threshold).sort((a, b) => b.score - a.score);
      for (const d of found) {
        const box: PixelBox = [d.box[0] * item.width, d.box[1] * item.height, d.box[2] * item.width, d.box[3] * item.height];
        let best = -1;
        let bestIou = MATCH_IOU;
        counted.forEach((o, i) => {
          const v = iou(box, o.box);
          if (!matched.has(i) && v >= bestIou) [best, bestIou] = [i, v];
        });
        if (best >= 0) {
          matched.add(best);
          score.tp++;
          continue;
        }
        if (ignored.some((o) => iou(box, o.box) >= MATCH_IOU)) continue;
        const area = box[2] * box[3];
        if (area > 0 && crowds.some((o) => overlap(box, o.box) / area >= CROWD_SHARE)) continue;
        score.fp++;
        score.falsePositives.push({ picture: name, box: box.map(Math.round) as PixelBox, score: d.score, cocoClass: d.cocoClass });
      }
      counted.forEach((o, i) => {
        if (matched.has(i)) return;
        score.fn++;
        score.misses.push({ picture: name, box: o.box, ...(o.note ? { note: o.note } : {}) });
      });
    }
  }
  for (const split of SPLITS) {
    for (const label of CLASSES) {
      const s = scores[split][label];
      s.precision = s.tp + s.fp > 0 ? s.tp / (s.tp + s.fp) : null;
      s.recall = s.tp + s.fn > 0 ? s.tp / (s.tp + s.fn) : null;
    }
  }
  return scores;
}

/**
 * The score threshold for `label` that maximises F1 on `split` (the tuning split: the
 * held-out split is only reported at the threshold chosen here). Candidates are the distinct
 * detection scores; of equal F1, the higher threshold (fewer alerts) wins.
 */
export function chooseThreshold(pictures: readonly ScoredPicture[], label: ObjectLabel = 'person', split: Split = 'tuning'): { threshold: number; f1: number } {
  const mine = pictures.filter((p) => p.item.split === split);
  const candidates = [...new Set(mine.flatMap((p) => p.detections.filter((d) => d.label === label).map((d) => d.score)))].sort((a, b) => a - b);
  let best = { threshold: candidates[0] ?? 0, f1: -1 };
  for (const t of candidates) {
    const s = scoreDetections(mine, t)[split][label];
    const f1 = s.tp > 0 ? (2 * s.tp) / (2 * s.tp + s.fp + s.fn) : 0;
    if (f1 >= best.f1) best = { threshold: t, f1 };
  }
  return best;
}
