import type { DB } from '../common/database';
import type { Box, DetectedObject, EventLabel, ObjectLabel } from '../common/detection';
import type { Sighting } from './objectAlertPolicy';

/*
 * What the object detector saw during each motion event. A camera sends a picture a second
 * while motion lasts and each may hold several objects; kept is the best detection of each
 * COCO class over the event (score, box, the frame it was in), so an event's labels stay a
 * handful of rows however long it lasts. The pictures themselves are never kept.
 */

/**
 * What the hub's events say ('objects') for every answer of the detector, an empty one
 * included (that the detector answered matters to alerts): for notifications and MQTT.
 */
export interface ObjectsNotice {
  deviceId: string;
  deviceName: string;
  /** The motion start the picture belongs to. */
  eventAt: number;
  frameAt: number;
  objects: DetectedObject[];
  /** Where motion was seen in the picture ([x, y, w, h] fractions), when the camera said. */
  region?: Box;
}

/** The best detection of each COCO class among `objects` (one picture's, or several). */
export function bestPerClass(objects: readonly DetectedObject[]): DetectedObject[] {
  const best = new Map<string, DetectedObject>();
  for (const o of objects) {
    const kept = best.get(o.cocoClass);
    if (!kept || o.score > kept.score) best.set(o.cocoClass, o);
  }
  return [...best.values()];
}

/** Keeps what one picture of the event held: a class's row changes only for a higher score. */
export function recordLabels(db: DB, deviceId: string, eventAt: number, frameAt: number, objects: readonly DetectedObject[], now: number): void {
  const upsert = db.prepare(
    `INSERT INTO motion_labels (device_id, event_at, coco_class, label, score, frame_at, box_x, box_y, box_w, box_h, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (device_id, event_at, coco_class) DO UPDATE SET
       label = excluded.label, score = excluded.score, frame_at = excluded.frame_at,
       box_x = excluded.box_x, box_y = excluded.box_y, box_w = excluded.box_w, box_h = excluded.box_h, received_at = excluded.received_at
     WHERE excluded.score > motion_labels.score`,
  );
  // Recorded even when the picture held nothing: "looked at, saw nothing" lets a clip be dropped, "never looked at" never does.
  const answered = db.prepare(
    `INSERT INTO motion_detection_answers (device_id, event_at, pictures, last_at) VALUES (?, ?, 1, ?)
     ON CONFLICT (device_id, event_at) DO UPDATE SET pictures = pictures + 1, last_at = excluded.last_at`,
  );
  db.transaction(() => {
    answered.run(deviceId, eventAt, now);
    for (const o of bestPerClass(objects)) upsert.run(deviceId, eventAt, o.cocoClass, o.label, o.score, frameAt, o.box[0], o.box[1], o.box[2], o.box[3], now);
  })();
}

interface LabelRow {
  event_at: number;
  coco_class: string;
  label: ObjectLabel;
  score: number;
  frame_at: number;
  box_x: number;
  box_y: number;
  box_w: number;
  box_h: number;
}

/** An event's labels, best score first. */
export function eventLabels(db: DB, deviceId: string, eventAt: number): EventLabel[] {
  const rows = db
    .prepare('SELECT event_at, coco_class, label, score, frame_at, box_x, box_y, box_w, box_h FROM motion_labels WHERE device_id = ? AND event_at = ? ORDER BY score DESC, coco_class')
    .all(deviceId, eventAt) as LabelRow[];
  return rows.map((r) => ({ label: r.label, cocoClass: r.coco_class, score: r.score, box: [r.box_x, r.box_y, r.box_w, r.box_h], frameAt: r.frame_at }));
}

/** Everything the detector kept for the camera's events that started in [from, to], per event. */
export function sightingsBetween(db: DB, deviceId: string, from: number, to: number): Map<number, Sighting[]> {
  const rows = db
    .prepare('SELECT event_at, coco_class, label, score, frame_at, box_x, box_y, box_w, box_h FROM motion_labels WHERE device_id = ? AND event_at BETWEEN ? AND ?')
    .all(deviceId, from, to) as LabelRow[];
  const byEvent = new Map<number, Sighting[]>();
  for (const r of rows) {
    const list = byEvent.get(r.event_at) ?? [];
    list.push({ object: { label: r.label, cocoClass: r.coco_class, score: r.score, box: [r.box_x, r.box_y, r.box_w, r.box_h] }, frameAt: r.frame_at });
    byEvent.set(r.event_at, list);
  }
  return byEvent;
}
