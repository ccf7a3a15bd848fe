/*
 * Simulator scenes made from real footage. A drawn scene's rectangles are not people to an
 * object detector; these scenes play real CCTV video (Debian's opencv-doc vtest.avi: people
 * walking on a campus), so the simulated camera shows the detector what a real one would.
 *
 * Real footage moves all the time, so each period the picture holds still (the last frame
 * repeats) for `stillSeconds`, then the footage plays on for `movingSeconds` from where it
 * stopped: every walk is a motion event of its own that starts and ends, and the scripted
 * truth is exact (motion from `stillSeconds` to the period's end). The footage loops when
 * it runs out. The file is not in the repository (8 MB, from a Debian package): it is looked
 * for in agent.sim.footageDir.
 */

export interface FootageScene {
  name: string;
  description: string;
  /** The footage file's name, looked for in agent.sim.footageDir. */
  file: string;
  /** Where to get the file, for the message when it is missing. */
  origin: string;
  /** Seconds the picture holds still at the start of each period. */
  stillSeconds: number;
  /** Seconds the footage then plays. */
  movingSeconds: number;
  /** stillSeconds + movingSeconds. */
  period: number;
  /** What the footage shows while it plays: the scripted truth (scenes.ts' scriptedEvents reads it). */
  objects: Array<{ label: string; enter: number; leave: number }>;
}

function footageScene(s: Omit<FootageScene, 'period' | 'objects'> & { label: string }): FootageScene {
  const { label, ...rest } = s;
  const period = s.stillSeconds + s.movingSeconds;
  return { ...rest, period, objects: [{ label, enter: s.stillSeconds, leave: period }] };
}

export const FOOTAGE_SCENES: FootageScene[] = [
  footageScene({
    name: 'campus-walkway',
    description: 'Real CCTV footage (opencv-doc vtest.avi): people walk along a campus walkway for 12 s, then the picture holds still for 18 s',
    file: 'vtest.avi',
    origin: "Debian's opencv-doc package (apt-get install opencv-doc, or scripts/demo-footage.sh, which keeps only this file)",
    stillSeconds: 18,
    movingSeconds: 12,
    // Every stretch of vtest.avi has people walking in it.
    label: 'person',
  }),
];

export function findFootageScene(name: string): FootageScene | undefined {
  return FOOTAGE_SCENES.find((s) => s.name === name);
}

/** Quotes a value for a filter option, then the option for the filter graph (ffmpeg's two levels of escaping). */
export function escapeFilterValue(value: string): string {
  const option = value.replace(/[\\':]/g, (c) => `\\${c}`);
  return option.replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}

/**
 * The lavfi graph that plays `file` as the scene: frames are renumbered so the footage is
 * continuous across its loops, then re-timed so each period's first `stillSeconds` have no
 * new frame; the fps filter fills that gap (and the start) with the last frame, so video keeps
 * flowing while nothing moves, as from a real camera. Scaled to the camera's size, letterboxed.
 */
export function footageFilterGraph(scene: FootageScene, file: string, width: number, height: number, fps: number): string {
  const { period, stillSeconds: still, movingSeconds: moving } = scene;
  // The footage's own clock (frame number over its constant frame rate), then the scene's.
  const t = 'N/FR';
  const retime = `setpts='(floor(${t}/${moving})*${period}+${still}+mod(${t},${moving}))/TB'`;
  return [
    `movie=filename=${escapeFilterValue(file)}:loop=0`,
    retime,
    `fps=${fps}:start_time=0`,
    `scale=${width}:${height}:force_original_aspect_ratio=decrease`,
    `pad=${width}:${height}:-1:-1`,
    'setsar=1',
    'format=yuv420p',
  ].join(',');
}
