import type { ClipLabel } from '../common/api/clips';
import type { DB } from '../common/database';
import { sightingsBetween } from './motionLabels';
import { decideObjectAlert, keepClip, type ObjectAlertDecision, type ObjectRules, type Sighting } from './objectAlertPolicy';

/*
 * What a clip holds, as the detector saw it: the labels of the motion events of its camera
 * that started within the clip (a clip's pre-roll starts before its motion, so the start falls
 * inside [startedAt, endedAt]), counted by the camera's settings now, the same rule the alerts
 * follow. Looked up by motion_labels' key (device_id, event_at range), never by scanning events.
 *
 * A motion event that started in an earlier clip (motion longer than the clip length) gives
 * its labels to that earlier clip only.
 */

/** The counted labels of a clip's sightings: best score per label, person, vehicle, animal. Pure. */
export function countedLabels(sightings: Sighting[], judgement: ObjectRules): ClipLabel[] {
  if (sightings.length === 0) return [];
  const d = decideObjectAlert({ camera: '', detection: judgement.detection, zones: judgement.zones, sightings });
  return d.best.map((s) => ({ label: s.object.label, score: s.object.score, box: s.object.box, frameAt: s.frameAt ?? 0 }));
}

/** A clip's labels, read from the database and counted by its camera's settings. */
export function clipLabels(db: DB, clip: { deviceId: string; startedAt: number; endedAt: number }, judgement: ObjectRules): ClipLabel[] {
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
export function keepArrivingClip(events: ClipEvent[], judgement: ObjectRules): boolean {
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
