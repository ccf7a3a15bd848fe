/*
 * Which camera frame an analysis frame was decoded from, and so what time it shows.
 *
 * The analysis frames come out of ffmpeg's `fps` filter (round=near, the default). Each
 * camera frame's time is rounded to the nearest analysis tick (ties away from zero), and
 * analysis frame n is the LAST camera frame rounded to a tick ≤ n: the newest camera frame
 * earlier than (n + ½) analysis intervals. Measured with a frame-numbered lavfi source
 * (test/camera-agent/analysisClockFfmpeg.test.ts): at 15 → 5 fps, analysis frames 0, 1, 2 are
 * camera frames 1, 4, 7, so stamping frame n with n / 5 s dated it one camera frame early;
 * at 10 → 5 fps they are camera frames 0, 2, 4 and n / 5 was right.
 *
 * When the decoder skips non-reference frames the chosen frame is the newest DECODED one
 * before that instant, which can be a frame or two earlier than this; without the frames'
 * own timestamps this rule is the closest the agent can say.
 */

/** Index of the camera frame analysis frame `index` was taken from (frames numbered from 0). */
export function sourceFrameIndex(index: number, analysisFps: number, cameraFps: number): number {
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`analysis frame index must be a whole number ≥ 0, got ${index}`);
  if (!(analysisFps > 0) || !Number.isFinite(analysisFps)) throw new RangeError(`analysis frame rate must be a positive number, got ${analysisFps}`);
  if (!(cameraFps > 0) || !Number.isFinite(cameraFps)) throw new RangeError(`camera frame rate must be a positive number, got ${cameraFps}`);
  // The newest camera frame k with k / cameraFps < (index + ½) / analysisFps. The tolerance
  // keeps an exact tie (a camera frame right on the half tick, which ffmpeg rounds up to the
  // next analysis frame) from flipping on floating-point error.
  const bound = ((index + 0.5) * cameraFps) / analysisFps;
  return Math.max(0, Math.ceil(bound - 1e-9) - 1);
}

/** Stream time (s) of analysis frame `index`: the time of the camera frame it was decoded from. */
export function analysisFrameTime(index: number, analysisFps: number, cameraFps: number): number {
  return sourceFrameIndex(index, analysisFps, cameraFps) / cameraFps;
}
