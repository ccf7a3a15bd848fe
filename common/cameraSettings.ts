import { ConfigSchema, parseConfig, type Polygon } from './config';
import { pointInPolygon, polygonArea, selfCrossing } from './polygon';
import type { CameraSettings, DetectionSettings, NumberBound, NumericSetting, SettingLimits } from './api/cameraSettings';
import { checkDetectionSettings, defaultDetectionSettings, MIN_SCORE_BOUND } from './detectionSettings';

/*
 * A camera's detection and recording settings as the household edits them on the hub's
 * Cameras page. The hub keeps them and pushes them to the camera, which applies them
 * without a restart. Bounds and defaults are the agent config's own (common/config.ts),
 * so a value the page accepts is one the camera accepts from its config file too.
 */

export type { CameraSettings, NumberBound };

/** What the hub pushes on the device channel as the `settings` event. */
export interface CameraSettingsMessage {
  version: number;
  updatedAt: number;
  settings: CameraSettings;
}


const agent = ConfigSchema.properties.agent.properties;
const motion = agent.motion.properties;
const recording = agent.recording.properties;

function bound(schema: { minimum?: number; maximum?: number; type?: unknown }): NumberBound {
  if (schema.minimum === undefined || schema.maximum === undefined) throw new Error('a camera setting without bounds in the config schema');
  return { min: schema.minimum, max: schema.maximum, integer: schema.type === 'integer' };
}

export const SETTING_BOUNDS: Record<NumericSetting, NumberBound> = {
  sensitivity: bound(motion.sensitivity),
  minObjectSize: bound(motion.minObjectSize),
  clipSeconds: bound(recording.clipSeconds),
  retriggerSeconds: bound(motion.retriggerSeconds),
  preRollSeconds: bound(recording.preRollSeconds),
  postRollSeconds: bound(recording.postRollSeconds),
};

/*
 * Tighter than the config file allows (16 shapes of 64 corners): a shape drawn by hand on a
 * phone needs few corners, and every corner costs the camera a test per pixel when the
 * settings change.
 */
export const MAX_SHAPES = 8;
export const MAX_CORNERS = 32;
export const MIN_CORNERS = 3;
/** A shape smaller than this (a fraction of the frame: a few analysis pixels) is a slip of the finger. */
export const MIN_SHAPE_AREA = 0.0005;

export const SETTING_LIMITS: SettingLimits = { bounds: SETTING_BOUNDS, minScore: MIN_SCORE_BOUND, maxShapes: MAX_SHAPES, maxCorners: MAX_CORNERS, minCorners: MIN_CORNERS };

/**
 * A camera's settings from its config file (the starting point before the hub sends any), with
 * the detection settings from the hub's (`hub.detection`: detection runs on the hub).
 */
export function settingsFromAgentConfig(config: { motion: { sensitivity: number; minObjectSize: number; retriggerSeconds: number; zones: Polygon[]; ignoreMasks: Polygon[] }; recording: { clipSeconds: number; endEarly: boolean; preRollSeconds: number; postRollSeconds: number }; audio?: boolean }, detection: DetectionSettings = defaultDetectionSettings()): CameraSettings {
  const { motion: m, recording: r } = config;
  return {
    sensitivity: m.sensitivity,
    minObjectSize: m.minObjectSize,
    clipSeconds: r.clipSeconds,
    retriggerSeconds: m.retriggerSeconds,
    endEarly: r.endEarly,
    preRollSeconds: r.preRollSeconds,
    postRollSeconds: r.postRollSeconds,
    audio: config.audio ?? true,
    zones: m.zones,
    ignoreMasks: m.ignoreMasks,
    detection,
  };
}

/**
 * The config's defaults, as a camera without settings from the hub or its config file runs;
 * `detection`: the hub's `hub.detection` when it sets other defaults than the schema's.
 */
export function defaultCameraSettings(detection?: DetectionSettings): CameraSettings {
  return settingsFromAgentConfig(parseConfig({}).agent, detection ?? defaultDetectionSettings());
}

export type SettingsCheck = { ok: true; settings: CameraSettings } | { ok: false; field: string; message: string };

const LABELS: Record<NumericSetting, [label: string, unit: string]> = {
  sensitivity: ['the sensitivity', ''],
  minObjectSize: ['the smallest object size', ' of the frame'],
  clipSeconds: ['the clip length', ' seconds'],
  retriggerSeconds: ['the retrigger time', ' seconds'],
  preRollSeconds: ['the pre-roll', ' seconds'],
  postRollSeconds: ['the post-roll', ' seconds'],
};

const SETTING_KEYS = ['sensitivity', 'minObjectSize', 'clipSeconds', 'retriggerSeconds', 'endEarly', 'preRollSeconds', 'postRollSeconds', 'audio', 'zones', 'ignoreMasks', 'detection'] as const;

function refuse(field: string, message: string): SettingsCheck {
  return { ok: false, field, message };
}

function checkShapes(field: 'zones' | 'ignoreMasks', value: unknown): { shapes: Polygon[] } | { field: string; message: string } {
  const noun = field === 'zones' ? 'zone' : 'ignore mask';
  if (!Array.isArray(value)) return { field, message: `${field} must be a list of shapes` };
  if (value.length > MAX_SHAPES) return { field, message: `at most ${MAX_SHAPES} ${noun}s are allowed; this has ${value.length}` };
  const shapes: Polygon[] = [];
  for (const [i, shape] of value.entries()) {
    const name = `${noun} ${i + 1}`;
    const at = `${field}[${i}]`;
    if (!Array.isArray(shape)) return { field: at, message: `${name} must be a list of [x, y] corners` };
    if (shape.length < MIN_CORNERS) return { field: at, message: `${name} has ${shape.length} corner${shape.length === 1 ? '' : 's'}: a shape needs at least ${MIN_CORNERS}` };
    if (shape.length > MAX_CORNERS) return { field: at, message: `${name} has ${shape.length} corners: at most ${MAX_CORNERS} are allowed` };
    const corners: Polygon = [];
    for (const [j, point] of shape.entries()) {
      const ok = Array.isArray(point) && point.length === 2 && point.every((c) => typeof c === 'number' && Number.isFinite(c));
      if (!ok) return { field: `${at}[${j}]`, message: `corner ${j + 1} of ${name} must be a pair of numbers [x, y]` };
      const [x, y] = point as [number, number];
      if (x < 0 || x > 1 || y < 0 || y > 1) return { field: `${at}[${j}]`, message: `corner ${j + 1} of ${name} is outside the picture: x and y run from 0 to 1` };
      corners.push([x, y]);
    }
    if (selfCrossing(corners)) return { field: at, message: `the edges of ${name} cross each other: move its corners so the outline does not cross itself` };
    if (polygonArea(corners) < MIN_SHAPE_AREA) return { field: at, message: `${name} is too small to matter: draw it larger` };
    shapes.push(corners);
  }
  return { shapes };
}

/** Sample grid of the "is anything left to watch" check: coarse, enough for shapes the size allowed. */
const GRID = { columns: 64, rows: 36 };

/** True when some of the frame is inside a zone (or there are none) and outside every mask. */
export function watchesSomething(zones: Polygon[], ignoreMasks: Polygon[]): boolean {
  for (let r = 0; r < GRID.rows; r++) {
    const y = (r + 0.5) / GRID.rows;
    for (let c = 0; c < GRID.columns; c++) {
      const x = (c + 0.5) / GRID.columns;
      const inZone = zones.length === 0 || zones.some((z) => pointInPolygon(z, x, y));
      if (inZone && !ignoreMasks.some((m) => pointInPolygon(m, x, y))) return true;
    }
  }
  return false;
}

/**
 * Checks a complete settings object. Pure: the hub's route, the camera (for what the hub
 * pushes) and the tests call it alike. The message names the setting in words a homeowner
 * reads; `field` names it as the API spells it. `detectionDefault` stands in for settings
 * saved before object detection existed, which have none.
 */
export function checkCameraSettings(input: unknown, detectionDefault?: DetectionSettings): SettingsCheck {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return refuse('', 'the settings must be an object');
  const v = input as Record<string, unknown>;
  for (const key of Object.keys(v)) if (!(SETTING_KEYS as readonly string[]).includes(key)) return refuse(key, `"${key}" is not a camera setting`);
  for (const key of Object.keys(SETTING_BOUNDS) as NumericSetting[]) {
    const value = v[key];
    const { min, max, integer } = SETTING_BOUNDS[key];
    const [label, unit] = LABELS[key];
    const percent = (n: number) => Number((n * 100).toFixed(4));
    const range = key === 'minObjectSize' ? `${percent(min)}% to ${percent(max)}%${unit}` : `${min} to ${max}${unit}`;
    if (value === undefined) return refuse(key, `${label} (${key}) is missing`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      return refuse(key, `${label} (${key}) must be ${integer ? 'a whole number ' : ''}from ${range}`);
    }
  }
  if (typeof v.endEarly !== 'boolean') return refuse('endEarly', '"end the clip early when motion stops" (endEarly) must be true or false');
  // Settings saved before sound could be chosen have no audio field: sound stays on, as it was.
  if (v.audio !== undefined && typeof v.audio !== 'boolean') return refuse('audio', '"record sound" (audio) must be true or false');
  const zones = checkShapes('zones', v.zones);
  if ('message' in zones) return refuse(zones.field, zones.message);
  const masks = checkShapes('ignoreMasks', v.ignoreMasks);
  if ('message' in masks) return refuse(masks.field, masks.message);
  if (!watchesSomething(zones.shapes, masks.shapes)) {
    return refuse('ignoreMasks', 'the zones and ignore masks leave nothing of the picture to watch: make a mask smaller or a zone larger');
  }
  const detection = v.detection === undefined ? { ok: true as const, detection: detectionDefault ?? defaultDetectionSettings() } : checkDetectionSettings(v.detection);
  if (!detection.ok) return refuse(detection.field, detection.message);
  return {
    ok: true,
    settings: {
      sensitivity: v.sensitivity as number,
      minObjectSize: v.minObjectSize as number,
      clipSeconds: v.clipSeconds as number,
      retriggerSeconds: v.retriggerSeconds as number,
      endEarly: v.endEarly,
      preRollSeconds: v.preRollSeconds as number,
      postRollSeconds: v.postRollSeconds as number,
      audio: v.audio ?? true,
      zones: zones.shapes,
      ignoreMasks: masks.shapes,
      detection: detection.detection,
    },
  };
}

/** A pushed `settings` message, or null when it is not one this camera can use. */
export function parseSettingsMessage(text: string): CameraSettingsMessage | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const m = v as Partial<CameraSettingsMessage>;
  if (typeof m.version !== 'number' || !Number.isInteger(m.version) || m.version < 1 || typeof m.updatedAt !== 'number') return null;
  const checked = checkCameraSettings(m.settings);
  return checked.ok ? { version: m.version, updatedAt: m.updatedAt, settings: checked.settings } : null;
}
