import { ConfigSchema, parseConfig } from './config';
import { OBJECT_LABELS, type ObjectLabel } from './detection';
import type { DetectionSettings, NumberBound } from './api/cameraSettings';

/*
 * A camera's object-detection settings: which classes the hub's detector looks for, the
 * score each needs to count, which of them alert, and whether motion with nothing counted
 * keeps its clip. Bounds and defaults are the hub config's own (`hub.detection` in
 * common/config.ts), so the page, the API and the config file agree.
 */

export type { DetectionSettings };

const scores = ConfigSchema.properties.hub.properties.detection.properties.minScore.properties;

function scoreBound(): NumberBound {
  const { minimum, maximum } = scores.person;
  // One bound for all three: the page shows one range, and the config must agree.
  for (const label of OBJECT_LABELS) {
    if (scores[label].minimum !== minimum || scores[label].maximum !== maximum) throw new Error(`the ${label} score bounds differ from the person's in the config schema`);
  }
  if (minimum === undefined || maximum === undefined) throw new Error('a detection score without bounds in the config schema');
  return { min: minimum, max: maximum, integer: false };
}

export const MIN_SCORE_BOUND: NumberBound = scoreBound();

const DEFAULTS: DetectionSettings = parseConfig({}).hub.detection;

/** The hub config's defaults, as a camera runs when neither the page nor `hub.detection` set them. */
export function defaultDetectionSettings(): DetectionSettings {
  return structuredClone(DEFAULTS);
}

export type DetectionCheck = { ok: true; detection: DetectionSettings } | { ok: false; field: string; message: string };

const KEYS = ['classes', 'minScore', 'alertOn', 'recordWithoutObject'] as const;
const CLASS_LIST = 'person, vehicle or animal';

function refuse(field: string, message: string): DetectionCheck {
  return { ok: false, field: `detection.${field}`, message };
}

function isLabel(value: unknown): value is ObjectLabel {
  return typeof value === 'string' && (OBJECT_LABELS as readonly string[]).includes(value);
}

/** A list of distinct classes, or the sentence saying what is wrong with it. */
function labelList(value: unknown, words: string, field: string): ObjectLabel[] | DetectionCheck {
  if (!Array.isArray(value)) return refuse(field, `${words} (detection.${field}) must be a list of classes: ${CLASS_LIST}`);
  const seen: ObjectLabel[] = [];
  for (const item of value) {
    if (!isLabel(item)) return refuse(field, `${words} (detection.${field}): ${JSON.stringify(item)} is not a class the detector reports; use ${CLASS_LIST}`);
    if (seen.includes(item)) return refuse(field, `${words} (detection.${field}) name ${item} twice`);
    seen.push(item);
  }
  // Stored in one order whatever order they came in, so a save that only reorders changes nothing.
  return OBJECT_LABELS.filter((label) => seen.includes(label));
}

/**
 * Checks a complete detection settings object. Pure, like checkCameraSettings which calls it;
 * `field` is the API's path (detection.minScore.person), the message names it in words.
 */
export function checkDetectionSettings(input: unknown): DetectionCheck {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, field: 'detection', message: 'the detection settings (detection) must be an object' };
  const v = input as Record<string, unknown>;
  for (const key of Object.keys(v)) if (!(KEYS as readonly string[]).includes(key)) return refuse(key, `"${key}" is not a detection setting`);
  const classes = labelList(v.classes, 'the classes to detect', 'classes');
  if (!Array.isArray(classes)) return classes;
  const minScore = v.minScore;
  if (typeof minScore !== 'object' || minScore === null || Array.isArray(minScore)) return refuse('minScore', `the minimum scores (detection.minScore) must be an object with a score for each of person, vehicle and animal`);
  const given = minScore as Record<string, unknown>;
  for (const key of Object.keys(given)) if (!isLabel(key)) return refuse(`minScore.${key}`, `"${key}" is not a class the detector reports; minimum scores are for ${CLASS_LIST}`);
  const { min, max } = MIN_SCORE_BOUND;
  const checkedScores = {} as Record<ObjectLabel, number>;
  // Every class keeps a score even while it is not detected, so turning it back on restores it.
  for (const label of OBJECT_LABELS) {
    const score = given[label];
    const field = `minScore.${label}`;
    if (score === undefined) return refuse(field, `the minimum ${label} score (detection.${field}) is missing`);
    if (typeof score !== 'number' || !Number.isFinite(score) || score < min || score > max) return refuse(field, `the minimum ${label} score (detection.${field}) must be from ${min} to ${max}`);
    checkedScores[label] = score;
  }
  const alertOn = labelList(v.alertOn, 'the classes that alert', 'alertOn');
  if (!Array.isArray(alertOn)) return alertOn;
  const undetected = alertOn.find((label) => !classes.includes(label));
  if (undetected) return refuse('alertOn', `the classes that alert (detection.alertOn) include ${undetected}, which this camera does not detect: add it to the classes to detect or stop alerting on it`);
  if (typeof v.recordWithoutObject !== 'boolean') return refuse('recordWithoutObject', '"record motion with no object" (detection.recordWithoutObject) must be true or false');
  return { ok: true, detection: { classes, minScore: checkedScores, alertOn, recordWithoutObject: v.recordWithoutObject } };
}
