import type { DetectionSettings } from '../common/api/cameraSettings';
import type { Polygon } from '../common/config';
import { OBJECT_LABELS, type Box, type DetectedObject, type ObjectLabel } from '../common/detection';
import { pointInPolygon, pointOnOutline } from '../common/polygon';

/*
 * What an event's detected objects mean to the household: which of them count, whether the
 * event alerts, what the alert says, and whether a clip with nothing counted is kept. Pure:
 * the hub's alerts, MQTT and clip store call it with what they have; tests call it alone.
 *
 * An object counts when its class is detected on this camera, its score reaches the class's
 * minimum, its bottom-centre (where it stands) is inside a zone when the camera has zones
 * (Frigate's rule: a person on the pavement outside the porch zone does not count, however
 * much of their body overlaps it), and its box meets the region where motion was seen in that
 * picture when the camera said where (a car parked in the drive does not count because the
 * hedge beside it moved).
 */

/** One object the detector found in one picture of the event. */
export interface Sighting {
  object: DetectedObject;
  /** Where motion was seen in that picture ([x, y, w, h] fractions), when the camera said. */
  motionRegion?: Box;
  /** Wall-clock ms of the camera frame, when known: carried through to `best`. */
  frameAt?: number;
}

export type RejectReason = 'class not detected' | 'score below minimum' | 'outside the zones' | 'away from the motion';

/** The rules a camera's objects are judged by: its detection settings and zones (none: the whole frame). */
export interface ObjectRules {
  detection: DetectionSettings;
  /** The camera's motion zones; none: the whole frame. */
  zones: Polygon[];
}

export interface ObjectAlertInput extends ObjectRules {
  /** The camera's name as the household knows it ("porch"). */
  camera: string;
  /** Everything the detector found during the event; null when it gave no answer (not running, failed). */
  sightings: Sighting[] | null;
}

export interface ObjectAlertDecision {
  /**
   * objects: the decision follows what was counted. motion: the camera detects no classes, or
   * the detector gave no answer, so the event is judged as pixel motion, as before detection.
   */
  basis: 'objects' | 'motion';
  counted: Sighting[];
  rejected: Array<{ sighting: Sighting; reason: RejectReason }>;
  /** The counted classes, in the order person, vehicle, animal. */
  labels: ObjectLabel[];
  /** The best-scoring counted sighting of each counted class (the event's labels and thumbnail). */
  best: Sighting[];
  alert: boolean;
  /** The counted classes that alert (labels ∩ alertOn). */
  alertLabels: ObjectLabel[];
  /** "Person at the porch", "Person and vehicle at the drive", "Motion at the porch"; null without an alert. */
  words: string | null;
}

/** The point an object stands on, clamped into the frame (a box may run past its bottom). */
export function footPoint(box: Box): [number, number] {
  const [x, y, w, h] = box;
  const clamp = (n: number) => Math.min(1, Math.max(0, n));
  return [clamp(x + w / 2), clamp(y + h)];
}

/** Inside a zone, or on its outline: a foot on the line is taken as in, where an alert is the safer mistake. */
export function standsInZones(box: Box, zones: Polygon[]): boolean {
  if (zones.length === 0) return true;
  const [x, y] = footPoint(box);
  return zones.some((zone) => pointOnOutline(zone, x, y) || pointInPolygon(zone, x, y));
}

/** True when the two boxes share some area or touch. */
function boxesMeet(a: Box, b: Box): boolean {
  return a[0] <= b[0] + b[2] && b[0] <= a[0] + a[2] && a[1] <= b[1] + b[3] && b[1] <= a[1] + a[3];
}

function rejection(s: Sighting, detection: DetectionSettings, zones: Polygon[]): RejectReason | null {
  const { label, score, box } = s.object;
  if (!detection.classes.includes(label)) return 'class not detected';
  if (!(score >= detection.minScore[label])) return 'score below minimum';
  if (!standsInZones(box, zones)) return 'outside the zones';
  if (s.motionRegion && !boxesMeet(box, s.motionRegion)) return 'away from the motion';
  return null;
}

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** "porch" → "the porch"; a name that already starts with "the" keeps it. */
export function place(camera: string): string {
  const name = camera.trim();
  return /^the\s/i.test(name) ? name : `the ${name}`;
}

/** "Person at the porch", "Person and vehicle at the drive", "Person, vehicle and animal at …". */
export function alertWords(labels: ObjectLabel[], camera: string): string {
  const what = labels.length <= 1 ? (labels[0] ?? 'motion') : `${labels.slice(0, -1).join(', ')} and ${labels[labels.length - 1]!}`;
  return `${capitalised(what)} at ${place(camera)}`;
}

export function decideObjectAlert(input: ObjectAlertInput): ObjectAlertDecision {
  const { camera, detection, zones, sightings } = input;
  if (detection.classes.length === 0 || sightings === null) {
    // No classes: the household turned detection off here, so motion alerts as it always did.
    // No answer: better a plain motion alert than a person missed because the detector was down,
    // unless the household asked this camera for no alerts at all.
    const alert = detection.classes.length === 0 || detection.alertOn.length > 0;
    return { basis: 'motion', counted: [], rejected: [], labels: [], best: [], alert, alertLabels: [], words: alert ? alertWords([], camera) : null };
  }
  const counted: Sighting[] = [];
  const rejected: ObjectAlertDecision['rejected'] = [];
  for (const s of sightings) {
    const reason = rejection(s, detection, zones);
    if (reason) rejected.push({ sighting: s, reason });
    else counted.push(s);
  }
  const labels = OBJECT_LABELS.filter((label) => counted.some((s) => s.object.label === label));
  const best = labels.map((label) => counted.filter((s) => s.object.label === label).reduce((a, b) => (b.object.score > a.object.score ? b : a)));
  const alertLabels = labels.filter((label) => detection.alertOn.includes(label));
  const alert = alertLabels.length > 0;
  return { basis: 'objects', counted, rejected, labels, best, alert, alertLabels, words: alert ? alertWords(alertLabels, camera) : null };
}

/**
 * When a clip's events are over: keep it, or drop it because nothing in it counted and the
 * household records motion with an object only. A clip judged as plain motion (detection off
 * or no answer) is always kept: nothing says it held no person.
 */
export function keepClip(detection: DetectionSettings, decisions: ObjectAlertDecision[]): boolean {
  if (detection.recordWithoutObject || decisions.length === 0) return true;
  return decisions.some((d) => d.basis === 'motion' || d.counted.length > 0);
}
