import type { ClipLabel } from '../common/api/clips';
import type { Polygon } from '../common/config';
import type { DB } from '../common/database';
import type { ObjectLabel } from '../common/detection';
import type { DetectionSettings } from '../common/detectionSettings';
import { getCameraSettings } from './cameraSettingsStore';
import { decideObjectAlert, keepClip, type ObjectAlertDecision, type Sighting } from './objectAlertPolicy';

/*
 * What a clip holds, as the detector saw it: the labels of the motion events of its camera
 * that started within the clip (a clip's pre-roll starts before its motion, so the start falls
 * inside [startedAt, endedAt]), counted by the camera's settings now, the same rule the alerts
 * follow. Looked up by motion_labels' key (device_id, event_at range), never by scanning events.
 *
 * A motion event that started in an earlier clip (motion longer than the clip length) gives
 * its labels to that earlier clip only.
 */

/** A camera's settings as the policy needs them. */
export interface CameraJudgement {
  detection: DetectionSettings;
  zones: Polygon[];
}

/** The camera's saved settings, else the hub's `hub.detection` and no zones (the camera's own file, unknown here). */
export function judgementOf(db: DB, deviceId: string, detectionDefault: DetectionSettings): CameraJudgement {
  const saved = getCameraSettings(db, deviceId, detectionDefault);
  return { detection: saved?.settings.detection ?? detectionDefault, zones: saved?.settings.zones ?? [] };
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

/** The counted labels of a clip's sightings: best score per label, person, vehicle, animal. Pure. */
export function countedLabels(sightings: Sighting[], judgement: CameraJudgement): ClipLabel[] {
  if (sightings.length === 0) return [];
  const d = decideObjectAlert({ camera: '', detection: judgement.detection, zones: judgement.zones, sightings });
  return d.best.map((s) => ({ label: s.object.label, score: s.object.score, box: s.object.box, frameAt: s.frameAt ?? 0 }));
}

/** A clip's labels, read from the database and counted by its camera's settings. */
export function clipLabels(db: DB, clip: { deviceId: string; startedAt: number; endedAt: number }, judgement: CameraJudgement): ClipLabel[] {
  const byEvent = sightingsBetween(db, clip.deviceId, clip.startedAt, clip.endedAt);
  return countedLabels([...byEvent.values()].flat(), judgement);
}

/** One motion event of a clip, as ingest judges it. */
export interface ClipEvent {
  at: number;
  /** The detector answered for at least one picture of it. */
  answered: boolean;
  /** The camera said the motion ended (no more pictures will come for it). */
  ended: boolean;
  sightings: Sighting[];
}

/**
 * Whether an arriving clip is kept. Pure. Any doubt keeps it: an event never looked at, or
 * still going (a later picture may yet hold a person), is judged as plain motion.
 */
export function keepArrivingClip(events: ClipEvent[], judgement: CameraJudgement): boolean {
  const decisions: ObjectAlertDecision[] = events.map((e) =>
    decideObjectAlert({ camera: '', detection: judgement.detection, zones: judgement.zones, sightings: e.answered && e.ended ? e.sightings : null }),
  );
  return keepClip(judgement.detection, decisions);
}

/** The motion events that started within [from, to] of a camera, with what the detector said of each. */
export function clipEvents(db: DB, deviceId: string, from: number, to: number): ClipEvent[] {
  const starts = db.prepare("SELECT DISTINCT at FROM motion_events WHERE device_id = ? AND kind = 'start' AND at BETWEEN ? AND ?").all(deviceId, from, to) as Array<{ at: number }>;
  const sightings = sightingsBetween(db, deviceId, from, to);
  const answered = db.prepare('SELECT 1 FROM motion_detection_answers WHERE device_id = ? AND event_at = ?');
  const ended = db.prepare("SELECT 1 FROM motion_events WHERE device_id = ? AND kind = 'end' AND at >= ? LIMIT 1");
  return starts.map(({ at }) => ({
    at,
    answered: answered.get(deviceId, at) !== undefined,
    ended: ended.get(deviceId, at) !== undefined,
    sightings: sightings.get(at) ?? [],
  }));
}
