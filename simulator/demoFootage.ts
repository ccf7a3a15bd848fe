import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { OPENCV_SAMPLES_DIR } from '../common/config';
import { findFootageScene, type FootageScene } from '../camera-agent/footageScenes';
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

/** The demo's footage scene, by name (a typo is a programming error here). */
export function footageSceneNamed(name: string): FootageScene {
  const scene = findFootageScene(name);
  if (!scene) throw new Error(`no footage scene "${name}"`);
  return scene;
}
