import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { OPENCV_SAMPLES_DIR } from '../common/config';
import { findFootageScene, type FootageScene } from '../camera-agent/footageScenes';
import { getSimScene, isFootageScene } from '../camera-agent/scenes';
import type { DemoCamera } from './demo';

/*
 * The demo's real-footage camera. Its video (opencv-doc's vtest.avi, 8 MB) is not in the
 * repository and opencv-doc (274 MB installed) is no package for a homeowner's Pi, so the demo
 * takes the file from wherever it already is: opencv-doc's folder (the tests install it), or
 * the cache that scripts/demo-footage.sh fills (it runs before `npm run demo` and keeps only
 * that file). Without it the demo runs its drawn scenes and says why the camera is missing.
 */

/** The repository's footage cache, which scripts/demo-footage.sh fills (gitignored). */
export const FOOTAGE_CACHE_DIR = path.join(__dirname, '..', '..', '.cache', 'footage');

/** Where the demo looks for footage, in order. */
export const FOOTAGE_DIRS: readonly string[] = [OPENCV_SAMPLES_DIR, FOOTAGE_CACHE_DIR];

export const WALKWAY_SCENE = 'campus-walkway';

/** The camera the demo adds when its footage is found: real people for the object detector. */
export const WALKWAY_CAMERA: DemoCamera = {
  name: 'walkway',
  scene: WALKWAY_SCENE,
  // The footage's own size and rate: nothing is made up by scaling.
  video: { width: 768, height: 576, fps: 10 },
};

export type FootageLookup = { found: true; dir: string; file: string } | { found: false; reason: string };

/** Finds a footage scene's file in the first of `dirs` that holds it (no I/O but existence checks). */
export function locateFootage(scene: FootageScene, dirs: readonly string[] = FOOTAGE_DIRS): FootageLookup {
  for (const dir of dirs) {
    const file = path.join(dir, scene.file);
    if (existsSync(file)) return { found: true, dir, file };
  }
  return {
    found: false,
    reason:
      `${scene.file} is in none of ${dirs.join(', ')}; it comes from ${scene.origin}. ` +
      'scripts/demo-footage.sh (run by `npm run demo`) fetches it once when Debian\'s package archive can be reached',
  };
}

/** A demo camera as it will run: a footage camera knows the folder its agent reads the file from. */
export type PlannedCamera = DemoCamera & { footageDir?: string };

export interface CameraPlan {
  cameras: PlannedCamera[];
  /** Why the real-footage camera that was asked for is missing, for the demo to say; null when it runs. */
  missing: string | null;
}

/**
 * The cameras a demo runs: the ones asked for, plus (with `realFootage`) the walkway camera
 * when its footage is found. A footage camera asked for by name whose file is missing is an
 * error naming where it was looked for.
 */
export function planDemoCameras(requested: readonly DemoCamera[], realFootage: boolean, dirs: readonly string[] = FOOTAGE_DIRS): CameraPlan {
  const cameras: DemoCamera[] = [...requested];
  let missing: string | null = null;
  if (realFootage && !cameras.some((c) => c.scene === WALKWAY_CAMERA.scene)) {
    const found = locateFootage(findFootageScene(WALKWAY_CAMERA.scene)!, dirs);
    if (found.found) cameras.push(WALKWAY_CAMERA);
    else missing = found.reason;
  }
  const planned = cameras.map((c): PlannedCamera => {
    const scene = getSimScene(c.scene);
    if (!isFootageScene(scene)) return c;
    const found = locateFootage(scene, dirs);
    if (!found.found) throw new Error(`demo camera ${c.name}: ${found.reason}`);
    return { ...c, footageDir: found.dir };
  });
  return { cameras: planned, missing };
}

/** A demo camera's agent section (before the demo's overrides): its scene, and for a footage scene where its file is. */
export function demoAgentSection(camera: PlannedCamera, gpio: Record<string, unknown>): Record<string, unknown> {
  return {
    name: camera.name,
    source: `sim:${camera.scene}`,
    gpio,
    ...(camera.footageDir ? { sim: { footageDir: camera.footageDir } } : {}),
    ...(camera.video ? { video: camera.video } : {}),
  };
}

/**
 * What the demo tells its user about object detection, so nobody takes a drawn camera's
 * silence for a broken alert, nor expects an alert from every walk.
 */
export function detectionLines(plan: CameraPlan, notifyCooldownSeconds: number): string[] {
  const lines: string[] = [];
  const drawn = plan.cameras.filter((c) => !c.footageDir).map((c) => c.name);
  const real = plan.cameras.filter((c) => c.footageDir).map((c) => c.name);
  const s = (names: string[]) => (names.length === 1 ? 's' : '');
  if (drawn.length > 0) {
    lines.push(
      `object detection: the hub's COCO detector looks at what moves; ${drawn.join(', ')} show${s(drawn)} drawn shapes, not people or vehicles, so their clips carry no label and, ` +
        'alerting only on people and vehicles (the default), they send no alert (but for a plain motion alert while the detector cannot answer, e.g. as its model loads at start)',
    );
  }
  for (const name of real) {
    lines.push(
      `real footage: ${name} plays real CCTV video of people walking (cars in view), so its clips are labelled "person" (and "vehicle") and it sends ` +
        `"Person at the ${name}" alerts (New notices, on the Security page; one per camera every ${Math.round(notifyCooldownSeconds / 60)} min, hub.notifyCooldownSeconds)`,
    );
  }
  if (plan.missing) lines.push(`no real-footage camera: ${plan.missing}`);
  return lines;
}
